// Bundle the Node side (Electron main, preload, CLI + headless server) with esbuild.
// Dependencies stay external (installed in node_modules, packaged by electron-builder);
// the preload is one self-contained CommonJS file because sandboxed preloads can not require.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
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

// The export pipeline's worker thread (scan + deflate), loaded by electron/engine/pipeline/pool.ts.
// Built first: in a packaged app it sits outside app.asar (worker threads load from the real
// file system), so the main and CLI bundles carry its SHA-256 and refuse a file that differs.
const workerBuild = {
  ...common,
  entryPoints: { 'pipeline-worker': 'electron/engine/pipeline/worker.ts' },
  outdir: 'out/worker',
  format: 'esm',
  packages: 'external',
};
const workerHash = async () =>
  createHash('sha256')
    .update(await readFile('out/worker/pipeline-worker.js'))
    .digest('hex');

const builds = (hash) => [
  {
    ...common,
    define: { __FERRY_WORKER_SHA256__: JSON.stringify(hash) },
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
    define: { __FERRY_WORKER_SHA256__: JSON.stringify(hash) },
    entryPoints: { main: 'electron/cli/main.ts' },
    outdir: 'out/cli',
    format: 'esm',
    packages: 'external',
  },
];

if (watch) {
  // While developing, the worker changes under a running bundle: no hash is pinned.
  for (const options of [workerBuild, ...builds(null)]) await (await context(options)).watch();
} else {
  await build(workerBuild);
  const hash = await workerHash();
  await Promise.all(builds(hash).map((options) => build(options)));
}
