// `npm run bench -- --only query`: the export with its query copy (Parquet by event date,
// docs/query-copy.md) against the same export without, on the bench's fixture, run side by side
// BENCH_REPEAT times into two folders. Prints one JSON object: each side's median run (seconds,
// MB/s, peak RSS), the throughput ratio run by run, and the copy's size against the gzipped JSON.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { jobSummary, measure, medianIndex, round } from './bench-measure.mjs';

const ROOT = process.env.BENCH_DIR;
const FIXTURE_DIR = process.env.BENCH_FIXTURE_DIR;
const HOUR = process.env.BENCH_HOUR;
const PROJECT = process.env.BENCH_PROJECT;
const REPEAT = Number(process.env.BENCH_REPEAT ?? '3');
const JUDGED = process.env.BENCH_SMOKE !== '1';
const FERRY = resolve('out/cli/main.js');
const log = (...m) => process.stderr.write(`[bench] ${m.join(' ')}\n`);

const dataDir = join(ROOT, 'query-data');
const plainOut = join(ROOT, 'query-out-plain');
const copyOut = join(ROOT, 'query-out-copy');
for (const dir of [dataDir, plainOut, copyOut]) rmSync(dir, { recursive: true, force: true });
const env = { FERRY_DATA_DIR: dataDir, FERRY_DEMO: '0' };

function ferry(cmd) {
  const result = spawnSync(process.execPath, [FERRY, ...cmd], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`ferry ${cmd.join(' ')} failed: ${result.stderr || result.stdout}`);
}

ferry(['org', 'add', '--id', '123', '--name', 'Bench']);
ferry([
  ...['project', 'add', '--id', PROJECT, '--org', '123', '--name', 'Bench'],
  ...['--source', 'files', '--source-path', FIXTURE_DIR],
]);
ferry(['connection', 'add', '--name', 'plain', '--project', PROJECT, '--folder', plainOut]);
ferry(['connection', 'add', '--name', 'copy', '--project', PROJECT, '--folder', copyOut]);
ferry(['connection', 'update', 'copy', '--query-copy']);
// The source folder's index is built once, as in steady state.
ferry(['export', 'plain', '--hour', '2020-01-01T00']);

const runs = { plain: [], copy: [] };
for (let i = 1; i <= REPEAT; i++) {
  for (const name of ['plain', 'copy']) {
    log(`query copy: run ${i} of ${REPEAT}, export ${name === 'copy' ? 'with' : 'without'} it`);
    const r = measure(
      `ferry export (folder${name === 'copy' ? ', query copy' : ''})`,
      process.execPath,
      [FERRY, '--json', 'export', name, '--hour', HOUR],
      env,
    );
    const { stdout: _stdout, ...rest } = r;
    runs[name].push({ ...rest, job: jobSummary(r.stdout) });
  }
}

/** Bytes of the files under `dir` whose name matches. */
function sizeOf(dir, match) {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile() && match.test(entry.name))
      total += statSync(join(entry.parentPath, entry.name)).size;
  return total;
}

const inputBytes = sizeOf(FIXTURE_DIR, /\.ndjson$/);
const median = (list) => {
  const m = list[medianIndex(list.map((r) => r.seconds))];
  return {
    ...m,
    MBps: round(inputBytes / 1e6 / m.seconds),
    runsSeconds: list.map((r) => r.seconds),
  };
};
const each = runs.copy.map((r, i) => round(runs.plain[i].seconds / r.seconds));
const ratio = [...each].sort((a, b) => a - b)[Math.floor((each.length - 1) / 2)];
const gzipBytes = sizeOf(copyOut, /\.json\.gz$/);
const parquetBytes = sizeOf(join(copyOut, '_query'), /\.parquet$/);
const copyPeak = median(runs.copy).peakRssMB;
process.stdout.write(
  `${JSON.stringify({
    with_copy: median(runs.copy),
    without_copy: median(runs.plain),
    throughput_ratio: { median: ratio, runs: each },
    size: {
      gzipJsonMB: round(gzipBytes / 1e6),
      parquetMB: round(parquetBytes / 1e6),
      parquetOverGzip: round(parquetBytes / gzipBytes),
    },
    targets: JUDGED
      ? {
          throughput_at_least_0_75x: ratio >= 0.75,
          peak_rss_mb_limit: 300,
          peak_rss_within_limit: copyPeak !== null && copyPeak <= 300,
          parquet_under_half_of_gzip: parquetBytes < gzipBytes / 2,
        }
      : { judged: false },
  })}\n`,
);
