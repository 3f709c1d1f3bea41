// The team-mode part of `npm run bench` (`--only team`; run by scripts/bench.mjs through tsx;
// prints one JSON object). The job history of BENCH_JOBS jobs (10 connections × 2 datasets, 2%
// failed) in a throwaway PostgreSQL cluster (initdb/pg_ctl from the machine's PostgreSQL, as the
// tests start it), against the same jobs in a data folder, measured in the same run:
//   - opening the store (the index the schedule reads is loaded from the table);
//   - the first history page (50 jobs), and a filtered page (one connection's failed jobs);
//   - a job status write (running → succeeded), as the schedule makes them.
// Workers (2 against 1, the queue's overhead per hour) are measured by scripts/bench-workers.ts.
// Above a million jobs, scripts/bench-team-large.ts runs instead (no data folder baseline).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStore } from '../electron/engine/store';
import { openPostgresStore } from '../electron/engine/store/postgres';
import type { JobHistoryPort } from '../electron/engine/store/ports';
import type { Job } from '../shared/model/jobs';
import { startPostgres } from '../test/support/postgres';
import { makeJob } from './bench-jobs';
import { now, round, stats } from './bench-stats';

const JOBS = Number(process.env.BENCH_JOBS ?? 100_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 100);
const CONNECTIONS = 10;
const ROOT = resolve(process.env.BENCH_DIR ?? join(tmpdir(), 'ferry-bench'), 'team');
const log = (...m: unknown[]) => process.stderr.write(`[bench team] ${m.join(' ')}\n`);

function* allJobs(): Generator<Job> {
  const perHour = CONNECTIONS * 2;
  const last = Math.floor(Date.parse('2026-11-26T10:00:00Z') / 3_600_000);
  let made = 0;
  for (let i = 0; made < JOBS; i++)
    for (let n = 0; n < perHour && made < JOBS; n++, made++)
      yield makeJob(
        `cn_bench${String(Math.floor(n / 2)).padStart(3, '0')}`,
        187600 + Math.floor(n / 2),
        last - i,
        n + i,
      );
}

/** The same questions of either store; each timed SAMPLES times. */
async function measure(jobs: JobHistoryPort, newest: Job[]) {
  const page: number[] = [];
  const filtered: number[] = [];
  const write: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    let t = now();
    await jobs.list({ offset: 0, limit: 50, connectionId: `cn_bench00${i % 10}` });
    page.push(now() - t);
    t = now();
    await jobs.list({
      limit: 50,
      status: ['failed'],
      connectionId: `cn_bench00${(i + 3) % 10}`,
      offset: i % 5,
    });
    filtered.push(now() - t);
    const job = newest[i % newest.length]!;
    const stamp = new Date(Date.parse(job.updatedAt) + (i + 1) * 1000).toISOString();
    t = now();
    await jobs.put({ ...job, status: i % 2 ? 'succeeded' : 'running', updatedAt: stamp });
    write.push(now() - t);
  }
  return { firstPageMs: stats(page), filteredPageMs: stats(filtered), statusWriteMs: stats(write) };
}

await rm(ROOT, { recursive: true, force: true });
await mkdir(ROOT, { recursive: true });
const newest: Job[] = [];

// The data folder: month snapshots, as Ferry leaves them after a clean close.
log(`${JOBS.toLocaleString()} jobs into a data folder`);
const folder = join(ROOT, 'folder');
await mkdir(join(folder, 'jobs'), { recursive: true });
const months = new Map<string, Job[]>();
for (const job of allJobs()) {
  if (newest.length < 200) newest.push(job);
  const list = months.get(job.hour.slice(0, 7)) ?? [];
  months.set(job.hour.slice(0, 7), list);
  list.push(job);
}
for (const [month, jobs] of months)
  await writeFile(
    join(folder, 'jobs', `${month}.json`),
    JSON.stringify({ schemaVersion: 1, jobs }),
  );
months.clear();

log('a throwaway PostgreSQL cluster');
const pg = await startPostgres();
const url = await pg.database();
let t = now();
const loading = await openPostgresStore({ url, role: 'bench', env: {} });
let batch: Job[] = [];
for (const job of allJobs()) {
  batch.push(job);
  if (batch.length === 1000) {
    await loading.jobs.putMany(batch);
    batch = [];
  }
}
await loading.jobs.putMany(batch);
await loading.close();
const loadMs = now() - t;
log(`loaded into PostgreSQL in ${round(loadMs / 1000)} s`);

t = now();
const folderStore = await openStore({ dataDir: folder, role: 'bench' });
const folderOpenMs = now() - t;
const folderFigures = await measure(folderStore.jobs, newest);
await folderStore.close();

t = now();
const team = await openPostgresStore({ url, role: 'bench', env: {} });
const teamOpenMs = now() - t;
const teamFigures = await measure(team.jobs, newest);
await team.close();
await pg.stop();

const ratio = (a: number, b: number) => round(a / b);
process.stdout.write(
  `${JSON.stringify({
    jobs: JOBS,
    samples: SAMPLES,
    postgres: { loadMs: round(loadMs), openMs: round(teamOpenMs), ...teamFigures },
    folder: { openMs: round(folderOpenMs), ...folderFigures },
    // PostgreSQL against the data folder, p95 over p95 (above 1: PostgreSQL is slower).
    ratios: {
      open: ratio(teamOpenMs, folderOpenMs),
      firstPage: ratio(teamFigures.firstPageMs.p95, folderFigures.firstPageMs.p95),
      filteredPage: ratio(teamFigures.filteredPageMs.p95, folderFigures.filteredPageMs.p95),
      statusWrite: ratio(teamFigures.statusWriteMs.p95, folderFigures.statusWriteMs.p95),
    },
    targets: {
      first_page_p95_under_50_ms: teamFigures.firstPageMs.p95 < 50,
      filtered_page_p95_under_100_ms: teamFigures.filteredPageMs.p95 < 100,
      status_write_p95_under_5_ms: teamFigures.statusWriteMs.p95 < 5,
    },
  })}\n`,
);
process.exit(0);
