// The backfill part of `npm run bench` (prints one JSON object): `ferry serve` on a fresh data
// folder with a demo project (a few events an hour) and a folder connection of both datasets,
// then, through its HTTP API as the console calls it:
//   - the answer time of backfills.start for five years (43,824 hours × 2 datasets), against
//     the same call for a one-hour backfill in the same run (the baseline: a start that does
//     not grow with its range shows as a ratio near 1);
//   - the server's resident memory while the five-year backfill runs (sampled for 20 s, BENCH_SAMPLE_SECONDS), against
//     its memory when idle before it (the baseline);
//   - how many hours it exported meanwhile.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { startServe } from './bench-serve.mjs';

const ROOT = resolve(process.env.BENCH_DIR ?? join(tmpdir(), 'ferry-bench'), 'backfill');
const FERRY = resolve('out/cli/main.js');
const log = (...m) => process.stderr.write(`[bench backfill] ${m.join(' ')}\n`);
const round = (n) => Math.round(n * 100) / 100;
const env = { ...process.env, FERRY_DATA_DIR: ROOT, FERRY_DEMO: '0', FERRY_DEBUG: '' };
/** How long the memory is sampled while the five-year backfill runs (the smoke run: 2 s). */
const SAMPLE_SECONDS = Number(process.env.BENCH_SAMPLE_SECONDS ?? 20);

rmSync(ROOT, { recursive: true, force: true });
mkdirSync(ROOT, { recursive: true });
const ferry = (...args) => {
  const r = spawnSync(process.execPath, [FERRY, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ferry ${args.join(' ')}: ${r.stderr}`);
};
ferry('org', 'add', '--id', '1', '--name', 'Bench');
ferry(
  'project',
  'add',
  '--id',
  '7',
  '--org',
  '1',
  '--name',
  'Web',
  '--source',
  'demo',
  '--events-per-hour',
  '3',
);
ferry(
  'connection',
  'add',
  '--name',
  'long',
  '--project',
  '7',
  '--folder',
  join(ROOT, 'out'),
  '--datasets',
  'both',
);

const { server, call } = await startServe({ env, stderr: 'ignore' });
const rssMB = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]) / 1024;
const timed = async (run) => {
  const t = performance.now();
  const value = await run();
  return { ms: performance.now() - t, value };
};

try {
  await call('app.info'); // warm the connection and the server
  const rssIdle = rssMB();

  log('a one-hour backfill (the baseline)');
  const oneHour = await timed(() =>
    call('backfills.start', { connectionId: 'long', from: '2021-01-01T00', to: '2021-01-01T00' }),
  );
  for (;;) {
    const b = await call('backfills.get', { id: oneHour.value.id });
    if (b.status !== 'running') break;
    await new Promise((r) => setTimeout(r, 50));
  }

  log('a five-year backfill: 43,824 hours × 2 datasets');
  const fiveYears = await timed(() =>
    call('backfills.start', {
      connectionId: 'long',
      from: '2021-01-01T00',
      to: '2025-12-31T23',
      confirmLarge: true,
    }),
  );
  let rssPeak = rssMB();
  const until = Date.now() + SAMPLE_SECONDS * 1000;
  while (Date.now() < until) {
    rssPeak = Math.max(rssPeak, rssMB());
    await new Promise((r) => setTimeout(r, 250));
  }
  const progress = await call('backfills.cancel', { id: fiveYears.value.id });

  const result = {
    hours: 43_824,
    jobs: fiveYears.value.total,
    start_five_years_ms: round(fiveYears.ms),
    start_one_hour_ms: round(oneHour.ms),
    start_ratio_vs_one_hour: round(fiveYears.ms / oneHour.ms),
    rss_idle_mb: round(rssIdle),
    rss_peak_while_running_mb: round(rssPeak),
    rss_ratio_vs_idle: round(rssPeak / rssIdle),
    sampled_seconds: SAMPLE_SECONDS,
    jobs_done_while_sampled: progress.succeeded + progress.failed,
    targets: {
      starts_under_1_s: fiveYears.ms < 1000,
      rss_under_300_mb: rssPeak < 300,
    },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  server.kill('SIGTERM');
}
