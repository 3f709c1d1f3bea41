// The team-mode history bench above a million jobs (`npm run bench -- --only team --jobs
// 10000000`; run by scripts/bench.mjs through tsx; prints one JSON object). A data folder of that
// size is not a baseline anyone runs, so the baseline is the same cluster at BASE_JOBS jobs,
// measured in the same run. Both histories are loaded straight in SQL (bench-team-load.ts):
// CONNECTIONS connections × 2 datasets an hour, 2% failed. Then, for each:
//   - opening the store (the schedule's index loaded from the table), and its memory;
//   - a connection's first page (50), that connection's failed jobs, the console's Jobs page
//     (the latest job of each hour of every connection), and a status write made by the serve
//     (its index and the row), with the garbage collection that fell inside those writes;
//   - opening a worker's store (no index: it reads the hours it exports), its question, the
//     tries of one hour of a connection, and its status writes of the hour it holds — in team
//     mode the workers are the ones that write a job's statuses;
// and the large history once more while `ferry export` runs hours of a demo project of
// EXPORT_EVENTS events to a folder on the same machine (its own process, as a worker would).
import { spawn, type ChildProcess } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import { openWorkerStore } from '../electron/engine/engine-store/team';
import { openPostgresStore } from '../electron/engine/store/postgres';
import type { JobHistoryPort } from '../electron/engine/store/ports';
import type { Job } from '../shared/model/jobs';
import { startPostgres } from '../test/support/postgres';
import { loadJobsInSql } from './bench-team-load';
import { addDemoProject, CLI, ferryCli } from './bench-ferry';
import { now, round, stats } from './bench-stats';

const JOBS = Number(process.env.BENCH_JOBS ?? 10_000_000);
const BASE_JOBS = 100_000;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const CONNECTIONS = 100;
const EXPORT_EVENTS = Number(process.env.BENCH_EXPORT_EVENTS ?? 1_000_000);
const ROOT = resolve(process.env.BENCH_DIR ?? join(tmpdir(), 'ferry-bench'), 'team-large');
const log = (...m: unknown[]) => process.stderr.write(`[bench team] ${m.join(' ')}\n`);

const connection = (i: number) => `cn_bench${String(i % CONNECTIONS).padStart(3, '0')}`;

/** Garbage collections of this process (start and end, ms on performance.now()'s clock). */
const collections: { start: number; end: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    collections.push({ start: e.startTime, end: e.startTime + e.duration });
}).observe({ entryTypes: ['gc'] });
/** How much of [from, to] this process spent collecting garbage. */
const collectingIn = (from: number, to: number) =>
  collections.reduce(
    (sum, c) => sum + Math.max(0, Math.min(c.end, to) - Math.max(c.start, from)),
    0,
  );

/** The same questions of a history, each timed SAMPLES times. */
async function measure(jobs: JobHistoryPort) {
  const newest = (await jobs.list({ limit: 100 })).items;
  const page: number[] = [];
  const failed: number[] = [];
  const console: number[] = [];
  const write: number[] = [];
  const collecting: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    let t = now();
    await jobs.list({ limit: 50, connectionId: connection(i) });
    page.push(now() - t);
    t = now();
    await jobs.list({ limit: 50, status: ['failed'], connectionId: connection(i + 3) });
    failed.push(now() - t);
    t = now();
    await jobs.list({ limit: 50, latestOnly: true });
    console.push(now() - t);
    const job = newest[i % newest.length]!;
    const stamp = new Date(Date.parse(job.updatedAt) + (i + 1) * 1000).toISOString();
    t = now();
    await jobs.put({ ...job, status: i % 2 ? 'succeeded' : 'running', updatedAt: stamp } as Job);
    write.push(now() - t);
    collecting.push(collectingIn(t, now()));
  }
  return {
    connectionFirstPageMs: stats(page),
    connectionFailedPageMs: stats(failed),
    consoleJobsPageMs: stats(console),
    statusWriteMs: stats(write),
    // Of each of those writes, the time this process spent collecting garbage (a heap that
    // holds the index of every job), p50 / p95 / max over the writes.
    statusWriteCollectingMs: stats(collecting),
  };
}

/** Load `n` jobs into a new database of the cluster; its address. */
async function loaded(pg: Awaited<ReturnType<typeof startPostgres>>, n: number) {
  const url = await pg.database();
  const store = await openPostgresStore({ url, role: 'bench', env: {} });
  const t = now();
  await loadJobsInSql(store.db, n, CONNECTIONS, (done) =>
    log(`  ${done.toLocaleString()} jobs loaded (${round((now() - t) / 1000)} s)`),
  );
  const { rows } = await sql<{ bytes: string }>`
    SELECT pg_total_relation_size('ferry.jobs') AS bytes`.execute(store.db);
  await store.close();
  // The table with its indexes and TOAST, on disk.
  return { url, loadMs: now() - t, tableMB: round(Number(rows[0]!.bytes) / 1e6) };
}

/** Open the history (its index loaded); the time it took and the heap and memory it added. */
async function opened(url: string) {
  global.gc?.();
  const before = process.memoryUsage();
  const t = now();
  const store = await openPostgresStore({ url, role: 'bench', env: {} });
  const openMs = now() - t;
  global.gc?.();
  const after = process.memoryUsage();
  const mb = (n: number) => round(n / 1e6);
  return {
    store,
    openMs: round(openMs),
    heapMB: mb(after.heapUsed - before.heapUsed),
    rssMB: mb(after.rss - before.rss),
  };
}

/** A worker's store opened, what it added, and the tries of one hour (what an export asks). */
async function workerOpened(url: string, name: string) {
  global.gc?.();
  const before = process.memoryUsage();
  const t = now();
  const store = await openWorkerStore({
    dataDir: join(ROOT, name),
    database: { url },
    holder: 'bench worker',
    onLost: () => undefined,
  });
  const openMs = now() - t;
  global.gc?.();
  const after = process.memoryUsage();
  const { rows: hours } = await sql<{ connection_id: string; hour: string }>`
    SELECT connection_id, hour FROM ferry.jobs TABLESAMPLE SYSTEM (1) LIMIT ${SAMPLES}`.execute(
    store.db,
  );
  const hour: number[] = [];
  for (const h of hours) {
    const t = now();
    await store.jobs.list({ connectionId: h.connection_id, hourFrom: h.hour, hourTo: h.hour });
    hour.push(now() - t);
  }
  const workerStatusWriteMs = await workerWrites(store);
  await store.close();
  return {
    workerOpenMs: round(openMs),
    workerHeapMB: round((after.heapUsed - before.heapUsed) / 1e6),
    workerHourMs: stats(hour),
    workerStatusWriteMs,
  };
}

/**
 * Status writes as a worker makes them: it holds the newest hour of a connection (its lease
 * claimed, as the queue gave it) and writes that hour's jobs running → succeeded, each fenced
 * by the hour's attempt.
 */
async function workerWrites(store: Awaited<ReturnType<typeof openWorkerStore>>) {
  const { rows } = await sql<{ record: Job }>`
    SELECT record FROM ferry.jobs WHERE connection_id = ${connection(7)}
    ORDER BY hour DESC, created_at DESC, seq DESC LIMIT 2`.execute(store.db);
  const jobs = rows.map((r) => r.record);
  const key = { connectionId: connection(7), hour: jobs[0]!.hour };
  await store.leases.claim(key, 'bench');
  const write: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const job = jobs[i % jobs.length]!;
    const stamp = new Date(Date.parse(job.updatedAt) + (i + 1) * 1000).toISOString();
    const t = now();
    await store.jobs.put({ ...job, status: i % 4 < 2 ? 'running' : 'succeeded', updatedAt: stamp });
    write.push(now() - t);
  }
  store.leases.drop(key);
  return stats(write);
}

/** `ferry export` of one demo hour after another, until stopped: the export running beside. */
function startExports(): { stop(): Promise<{ hours: number; startedAgo: number }> } {
  const started = now();
  const dir = join(ROOT, 'laptop');
  const env = { ...process.env, FERRY_DEMO: '0', FERRY_DEBUG: '', FERRY_DATABASE_URL: '' };
  const ferry = ferryCli(env);
  addDemoProject(ferry, dir, EXPORT_EVENTS);
  ferry(
    dir,
    'connection',
    'add',
    '--name',
    'busy',
    '--project',
    '4242',
    '--folder',
    join(dir, 'out'),
  );
  let child: ChildProcess | null = null;
  let hours = 0;
  let failed = 0;
  let stopped = false;
  const next = () => {
    if (stopped) return;
    const hour = `2026-10-0${1 + Math.floor(hours / 24)}T${String(hours % 24).padStart(2, '0')}`;
    child = spawn(process.execPath, [CLI, '--data-dir', dir, 'export', 'busy', '--hour', hour], {
      env,
      stdio: 'ignore',
    });
    child.once('exit', (code) => {
      if (code === 0) hours++;
      else if (!stopped) failed++;
      // An export that can not run is not an export running beside: stop, and say so.
      if (failed > 2) throw new Error(`ferry export failed ${failed} times in a row`);
      next();
    });
  };
  next();
  return {
    async stop() {
      stopped = true;
      if (child && child.exitCode === null) {
        const exited = new Promise((done) => child!.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      return { hours, startedAgo: round((now() - started) / 1000) };
    },
  };
}

await rm(ROOT, { recursive: true, force: true });
await mkdir(ROOT, { recursive: true });
log('a throwaway PostgreSQL cluster');
const pg = await startPostgres();
log(`${BASE_JOBS.toLocaleString()} jobs (the baseline), then ${JOBS.toLocaleString()}, in SQL`);
const base = await loaded(pg, BASE_JOBS);
const large = await loaded(pg, JOBS);

const figures = async (url: string, busy: boolean) => {
  const open = await opened(url);
  log(`  opened in ${round(open.openMs / 1000)} s; measuring${busy ? ' during the export' : ''}`);
  const exports = busy ? startExports() : null;
  const measured = await measure(open.store.jobs);
  await open.store.close();
  // A worker is a process of its own: the serve's index is let go before it is measured.
  global.gc?.();
  const worker = busy ? await workerOpened(url, 'w3') : undefined;
  const exported = exports ? await exports.stop() : undefined;
  const { store: _store, ...opening } = open;
  return {
    ...opening,
    ...measured,
    ...(worker && { workerStatusWriteMs: worker.workerStatusWriteMs }),
    // Hours of EXPORT_EVENTS events finished while measuring, and for how many seconds.
    ...(exported && { export: { events: EXPORT_EVENTS, ...exported } }),
  };
};
log('the baseline');
const small = { ...(await figures(base.url, false)), ...(await workerOpened(base.url, 'w1')) };
log('the large history, quiet');
const quiet = { ...(await figures(large.url, false)), ...(await workerOpened(large.url, 'w2')) };
log('the large history during an export');
const busy = await figures(large.url, true);
await pg.stop();

const ratio = (a: number, b: number) => round(a / b);
process.stdout.write(
  `${JSON.stringify({
    jobs: JOBS,
    baseJobs: BASE_JOBS,
    connections: CONNECTIONS,
    samples: SAMPLES,
    loadMs: { base: round(base.loadMs), large: round(large.loadMs) },
    tableMB: { base: base.tableMB, large: large.tableMB },
    base: small,
    large: quiet,
    largeDuringExport: busy,
    // p95 over p95: the large history against the baseline, and during an export against quiet.
    ratios: {
      open: ratio(quiet.openMs, small.openMs),
      workerOpen: ratio(quiet.workerOpenMs, small.workerOpenMs),
      workerHour: ratio(quiet.workerHourMs.p95, small.workerHourMs.p95),
      connectionFirstPage: ratio(quiet.connectionFirstPageMs.p95, small.connectionFirstPageMs.p95),
      consoleJobsPage: ratio(quiet.consoleJobsPageMs.p95, small.consoleJobsPageMs.p95),
      statusWrite: ratio(quiet.statusWriteMs.p95, small.statusWriteMs.p95),
      duringExportFirstPage: ratio(busy.connectionFirstPageMs.p95, quiet.connectionFirstPageMs.p95),
      duringExportStatusWrite: ratio(busy.statusWriteMs.p95, quiet.statusWriteMs.p95),
      workerStatusWrite: ratio(quiet.workerStatusWriteMs.p95, small.workerStatusWriteMs.p95),
      duringExportWorkerStatusWrite: ratio(
        busy.workerStatusWriteMs!.p95,
        quiet.workerStatusWriteMs.p95,
      ),
    },
    targets: {
      first_page_p95_under_50_ms: busy.connectionFirstPageMs.p95 < 50,
      filtered_page_p95_under_100_ms: busy.connectionFailedPageMs.p95 < 100,
      // Team mode: a job's statuses are written by the worker that runs it.
      status_write_p95_under_5_ms: busy.workerStatusWriteMs!.p95 < 5,
      // A serve that exports its hours itself (no workers) writes them in its own process.
      serve_status_write_p95_under_5_ms: busy.statusWriteMs.p95 < 5,
    },
  })}\n`,
);
process.exit(0);
