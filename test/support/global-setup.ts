import { execFileSync } from 'node:child_process';

/** The CLI tests run the built `ferry`; bundle the Node side first (esbuild, well under a second). */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-node.mjs'], { stdio: 'pipe' });
}
