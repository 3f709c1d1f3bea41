// Bundle the Node side (Electron main, preload, CLI + headless server) with esbuild.
// Dependencies stay external (installed in node_modules, packaged by electron-builder);
// the preload is one self-contained CommonJS file because sandboxed preloads can not require.
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
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

// The export pipeline's worker thread (scan, deflate, query copy), loaded by
// electron/engine/pipeline/pool.ts. Built first: in a packaged app it sits outside app.asar
// (worker threads load from the real file system), so the main and CLI bundles carry its SHA-256
// and refuse a file that differs; its one package (hyparquet-writer) is bundled in, as app.asar's
// node_modules are out of its reach.
const workerBuild = {
  ...common,
  entryPoints: { 'pipeline-worker': 'electron/engine/pipeline/worker.ts' },
  outdir: 'out/worker',
  format: 'esm',
};
// The job-history fold's worker thread, loaded by electron/engine/store/fold-worker.ts: the same
// fold as the main thread's (store/fold.ts), with zod and the job schema bundled in — in a
// packaged app it sits in app.asar.unpacked, where app.asar's node_modules are out of reach.
const foldWorkerBuild = {
  ...common,
  entryPoints: { 'fold-worker': 'electron/engine/store/fold-thread.ts' },
  outdir: 'out/worker',
  format: 'esm',
};
const hashOf = async (file) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
const workerHashes = async () => ({
  pipeline: await hashOf('out/worker/pipeline-worker.js'),
  fold: await hashOf('out/worker/fold-worker.js'),
});
/** The workers' SHA-256, pinned in the bundles that start them (none in watch mode). */
const pins = (hashes) => ({
  __FERRY_WORKER_SHA256__: JSON.stringify(hashes?.pipeline ?? null),
  __FERRY_FOLD_WORKER_SHA256__: JSON.stringify(hashes?.fold ?? null),
});

// The main process and the CLI: what a path imports with `await import()` (team mode's
// PostgreSQL store, the mail client, the metrics of `ferry serve`…) is a chunk of its own, so a
// process loads only the packages its work needs — each loaded package is memory held for the
// process's life (docs/performance.md). Chunks sit beside the entry: the code in them resolves
// the workers and the console from its own `import.meta.url`.
const split = {
  format: 'esm',
  packages: 'external',
  splitting: true,
  chunkNames: '[name]-[hash]',
};

const builds = (hashes) => [
  {
    ...common,
    ...split,
    define: pins(hashes),
    entryPoints: { index: 'electron/main/index.ts' },
    outdir: 'out/main',
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
    ...split,
    define: pins(hashes),
    entryPoints: { main: 'electron/cli/main.ts' },
    outdir: 'out/cli',
  },
];

if (watch) {
  // While developing, the worker changes under a running bundle: no hash is pinned.
  for (const options of [workerBuild, foldWorkerBuild, ...builds(null)])
    await (await context(options)).watch();
} else {
  // No chunk of an earlier build is left for a package to carry.
  await Promise.all(
    ['out/main', 'out/cli'].map((dir) => rm(dir, { recursive: true, force: true })),
  );
  await Promise.all([build(workerBuild), build(foldWorkerBuild)]);
  const hashes = await workerHashes();
  await Promise.all(builds(hashes).map((options) => build(options)));
}
