import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Where a worker thread's code is, and the proof it is the code this bundle was built with.
 * Workers are built to `out/worker/` (scripts/build-node.mjs): next to the bundle
 * (`out/main`, `out/cli`), or built by `npm run build:node` when the engine runs from its
 * TypeScript sources (tests). In a packaged app they lie in app.asar.unpacked — worker threads
 * load from the real file system — where the asar integrity check does not reach, so each
 * bundle carries their SHA-256 and refuses a file that differs.
 */

/**
 * The real file behind a path inside `app.asar`: `…/app.asar/out/…` → `…/app.asar.unpacked/out/…`
 * with either separator (Windows paths use backslashes).
 */
export function unpackedPath(path: string): string {
  return path.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

/** A worker file differs from the one built with this bundle: never retried. */
export class WorkerMismatch extends Error {
  constructor(path: string) {
    super(
      `The export worker ${path} is not the one this Ferry was built with (its SHA-256 differs), so Ferry will not run it`,
    );
    this.name = 'WorkerMismatch';
  }
}

const checked = new Set<string>();

/**
 * The path of the built worker `name` (e.g. `pipeline-worker.js`), checked against `pinned`,
 * its SHA-256 from the build (null from the sources or in watch mode: nothing to check).
 */
export function builtWorkerFile(name: string, pinned: string | null): string {
  const candidates = [
    new URL(`../worker/${name}`, import.meta.url),
    new URL(`../../out/worker/${name}`, import.meta.url),
  ];
  for (const url of candidates) {
    const path = unpackedPath(fileURLToPath(url));
    if (existsSync(path)) return checkedWorker(path, pinned);
  }
  throw new Error(
    `The worker ${name} is missing (looked for ${candidates.map((u) => fileURLToPath(u)).join(', ')}). Run "npm run build".`,
  );
}

function checkedWorker(path: string, pinned: string | null): string {
  if (!pinned || checked.has(path)) return path;
  const actual = createHash('sha256').update(readFileSync(path)).digest('hex');
  if (actual !== pinned) throw new WorkerMismatch(path);
  checked.add(path);
  return path;
}
