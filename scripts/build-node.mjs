// Bundle the Node side (Electron main, preload, CLI + headless server) with esbuild.
// Dependencies stay external (installed in node_modules, packaged by electron-builder);
// the preload is one self-contained CommonJS file because sandboxed preloads can not require.
import { build, context } from 'esbuild';

const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'info',
  legalComments: 'none',
};

const builds = [
  {
    ...common,
    entryPoints: { index: 'electron/main/index.ts' },
    outdir: 'out/main',
    format: 'esm',
    packages: 'external',
  },
  {
    ...common,
    entryPoints: { index: 'electron/preload/index.ts' },
    outdir: 'out/preload',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    external: ['electron'],
  },
  {
    ...common,
    entryPoints: { main: 'electron/cli/main.ts' },
    outdir: 'out/cli',
    format: 'esm',
    packages: 'external',
  },
  // The export pipeline's worker thread (scan + deflate), loaded by electron/engine/pipeline/pool.ts.
  {
    ...common,
    entryPoints: { 'pipeline-worker': 'electron/engine/pipeline/worker.ts' },
    outdir: 'out/worker',
    format: 'esm',
    packages: 'external',
  },
];

if (watch) {
  for (const options of builds) await (await context(options)).watch();
} else {
  await Promise.all(builds.map((options) => build(options)));
}
