// Team mode's workers, part of `npm run bench -- --only team` (run by scripts/bench.mjs through
// tsx; prints one JSON object). A throwaway PostgreSQL cluster; a demo project of
// BENCH_WORKER_EVENTS events per hour exported to a local folder by `ferry worker` processes
// (the built CLI), BENCH_WORKER_HOURS hours sent straight to the queue:
//   - the same hours with 1 worker, then with 2 (another connection, same events): wall time,
//     events/s and MB/s (gzip output) per worker, and the ratio 2 workers over 1;
//   - the queue's overhead per hour: from pg-boss handing the hour to a worker (its start) to
//     the worker's claim of the hour lease, p50/p95 (both stamped by PostgreSQL).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { HourQueue } from '../electron/engine/team/hour-queue';
import { startPostgres } from '../test/support/postgres';
import { addDemoProject, CLI, ferryCli } from './bench-ferry';
import { round, stats } from './bench-stats';

const EVENTS = Number(process.env.BENCH_WORKER_EVENTS ?? 1_000_000);
const HOURS = Number(process.env.BENCH_WORKER_HOURS ?? 4);
const ROOT = resolve(process.env.BENCH_DIR ?? join(tmpdir(), 'ferry-bench'), 'workers');
const log = (...m: unknown[]) => process.stderr.write(`[bench workers] ${m.join(' ')}\n`);

await rm(ROOT, { recursive: true, force: true });
await mkdir(ROOT, { recursive: true });
const server = await startPostgres();
const url = await server.database();
const env = { ...process.env, FERRY_DATABASE_URL: url, FERRY_DEMO: '0', FERRY_DEBUG: '' };
const ferry = ferryCli(env);
const admin = join(ROOT, 'admin');
addDemoProject(ferry, admin, EVENTS);
for (const name of ['one', 'two'])
  ferry(
    admin,
    'connection',
    'add',
    '--name',
    name,
    '--project',
    '4242',
    '--folder',
    join(ROOT, `out-${name}`),
  );
const ids = Object.fromEntries(
  (JSON.parse(ferry(admin, '--json', 'connection', 'list')) as { id: string; name: string }[]).map(
    (c) => [c.name, c.id],
  ),
);

const queue = await HourQueue.open(url, {});
const db = new pg.Client({ connectionString: url });
await db.connect();

/** Start `n` workers, send every hour of a connection, wait for all; the wall time in ms. */
async function run(connection: string, n: number) {
  const workers: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const w = spawn(
      process.execPath,
      [CLI, '--data-dir', join(ROOT, `w-${connection}-${i}`), 'worker'],
      {
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((ready) => {
      let out = '';
      w.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('takes hours from the queue')) ready();
      });
    });
    workers.push(w);
  }
  const t = performance.now();
  for (let h = 0; h < HOURS; h++)
    await queue.send(
      {
        connectionId: ids[connection]!,
        hour: `2026-10-01T${String(h).padStart(2, '0')}`,
        datasets: ['events'],
        trigger: 'backfill',
        notes: [],
      },
      1,
    );
  for (;;) {
    const { rows } = await db.query<{ n: string }>(
      "SELECT count(*) AS n FROM ferry.jobs WHERE connection_id = $1 AND status IN ('succeeded', 'failed')",
      [ids[connection]],
    );
    if (Number(rows[0]!.n) >= HOURS) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const ms = performance.now() - t;
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))));
  const { rows } = await db.query<{ bytes: string; events: string; failed: string }>(
    `SELECT coalesce(sum((record->'bytes'->>'compressed')::bigint), 0) AS bytes,
            coalesce(sum((record->'counts'->>'eventsOut')::bigint), 0) AS events,
            count(*) FILTER (WHERE status <> 'succeeded') AS failed
       FROM ferry.jobs WHERE connection_id = $1`,
    [ids[connection]],
  );
  const { bytes, events, failed } = rows[0]!;
  if (Number(failed) > 0) throw new Error(`${failed} hour(s) of "${connection}" did not succeed`);
  const seconds = ms / 1000;
  return {
    workers: n,
    hours: HOURS,
    seconds: round(seconds),
    eventsPerSecond: Math.round(Number(events) / seconds),
    mbPerSecondPerWorker: round(Number(bytes) / 1e6 / seconds / n),
  };
}

log(`${HOURS} hours of ${EVENTS.toLocaleString()} events, 1 worker`);
const one = await run('one', 1);
log(`the same hours on another connection, 2 workers`);
const two = await run('two', 2);

// The queue's overhead per hour: pg-boss's start of the queue job → the worker's lease claim.
const { rows: overhead } = await db.query<{ ms: number }>(
  `SELECT extract(epoch FROM (l.taken_at - j.started_on)) * 1000 AS ms
     FROM ferry.hour_leases l
     JOIN ferry_queue.job j ON j.singleton_key = l.connection_id || '|' || l.hour
    WHERE j.name = 'ferry-hours' AND l.attempt = 1`,
);
await db.end();
await queue.stop(0);
await server.stop();

process.stdout.write(
  `${JSON.stringify({
    eventsPerHour: EVENTS,
    oneWorker: one,
    twoWorkers: two,
    // Above 1: two workers finish the same hours sooner (this machine has 2 cores).
    speedup: round(one.seconds / two.seconds),
    claimToStartMs: stats(overhead.map((r) => Number(r.ms))),
    targets: {
      claim_to_start_p95_under_20_ms: stats(overhead.map((r) => Number(r.ms))).p95 < 20,
    },
  })}\n`,
);
process.exit(0);
