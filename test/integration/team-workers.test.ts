import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../shared/model/jobs';
import { spawnFerry, type Running } from '../faults/support/harness';
import { callServe, runFerry, startServe } from '../support/ferry';
import { listObjects, motoBucketFlags, startMoto, type Moto } from '../support/moto';
import { sqlRows, startPostgres, type Postgres } from '../support/postgres';
import { useTempDirs } from '../support/temp';

// Team mode with workers: one serve (the schedule and the console) sends hours to the queue in
// PostgreSQL; three `ferry worker` processes, each with its own data folder, export them to a
// real S3-compatible server (moto). 200 hours across 4 connections, each exactly once.
const newDir = useTempDirs();
const BUCKET = 'ferry-workers';
const CONNECTIONS = ['w1', 'w2', 'w3', 'w4'];
const FROM = '2026-03-01T00';
const TO = '2026-03-03T01'; // 50 hours
let cluster: Postgres;
let moto: Moto;

beforeAll(async () => {
  [cluster, moto] = await Promise.all([startPostgres(), startMoto()]);
  await moto.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 60_000);
afterAll(async () => {
  await Promise.all([cluster?.stop(), moto?.stop()]);
});

async function ok(args: string[], env: Record<string, string>) {
  const result = await runFerry(args, env);
  expect(result.code, `${args.join(' ')}\n${result.stdout}${result.stderr}`).toBe(0);
  return result;
}

describe('team mode: ferry worker', () => {
  it('three workers export 200 hours of 4 connections, each hour once, history = bucket', async () => {
    const database = await cluster.database();
    const host = async () => ({
      ...moto.env,
      FERRY_DATA_DIR: await newDir(),
      FERRY_DATABASE_URL: database,
    });
    const serveHost = await host();
    await ok(['org', 'add', '--id', '1', '--name', 'Acme'], serveHost);
    await ok(
      ['project', 'add', '--id', '4242', '--org', '1', '--name', 'Web', '--source', 'demo'].concat([
        '--events-per-hour',
        '300',
      ]),
      serveHost,
    );
    for (const name of CONNECTIONS)
      await ok(
        [
          'connection',
          'add',
          '--name',
          name,
          '--project',
          '4242',
          ...motoBucketFlags(moto, BUCKET, `${name}/`),
        ],
        serveHost,
      );

    const server = await startServe(
      serveHost.FERRY_DATA_DIR,
      ['--workers', '--no-schedule'],
      serveHost,
    );
    const workers: Running[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const w = spawnFerry(['worker'], await host());
        workers.push(w);
        await w.waitFor(/takes hours from the queue/);
      }
      for (const name of CONNECTIONS)
        await callServe(server, 'backfills.start', { connectionId: name, from: FROM, to: TO });
      await expect
        .poll(
          async () => {
            const list = await callServe<{ status: string }[]>(server, 'backfills.list');
            return list.map((b) => b.status);
          },
          { timeout: 420_000, interval: 1_000 },
        )
        .toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);

      // Every worker took a share: the queue spread the hours.
      const lines = workers.map((w) =>
        w
          .stdout()
          .split('\n')
          .filter((l) => l.includes('"hour ended"')),
      );
      for (const l of lines) expect(l.length).toBeGreaterThan(0);
      expect(lines.flat()).toHaveLength(200);
      for (const line of lines.flat())
        expect(JSON.parse(line)).toMatchObject({ status: 'succeeded' });

      for (const name of CONNECTIONS) {
        const page = { items: [] as Job[], total: 0 };
        for (let offset = 0; offset === 0 || offset < page.total; offset += 100) {
          const got = await callServe<{ items: Job[]; total: number }>(server, 'jobs.list', {
            connectionId: name,
            limit: 100,
            offset,
          });
          page.items.push(...got.items);
          page.total = got.total;
        }
        // One job per hour (the demo project exports events only), each succeeded once.
        expect(page.total).toBe(50);
        expect(page.items.every((j) => j.status === 'succeeded')).toBe(true);
        const keys = new Set(page.items.map((j) => `${j.hour} ${j.dataset}`));
        expect(keys.size).toBe(50);
        // The bucket holds exactly what the history says: every object of every job, no other.
        const recorded = page.items.flatMap((j) => j.objects.map((o) => o.key)).sort();
        const inBucket = (await listObjects(moto.s3(), BUCKET, `${name}/`))
          .map((o) => o.key)
          .filter((k) => !k.includes('_ferry-owner_'))
          .sort();
        expect(inBucket).toEqual(recorded);
        const reconciled = await runFerry(
          ['reconcile', name, '--from', FROM, '--to', TO],
          serveHost,
        );
        expect(reconciled.code, reconciled.stdout + reconciled.stderr).toBe(0);
      }

      // Exporting an exported hour again is done again (a new queue job), not skipped as done.
      await callServe(server, 'jobs.exportHour', { connectionId: 'w1', hour: FROM });
      await expect
        .poll(
          async () =>
            (
              await callServe<{ items: Job[] }>(server, 'jobs.list', {
                connectionId: 'w1',
                hourFrom: FROM,
                hourTo: FROM,
              })
            ).items.map((j) => j.status),
          { timeout: 60_000, interval: 500 },
        )
        .toEqual(['succeeded', 'succeeded']);
    } finally {
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      await server.stop();
    }
  }, 600_000);

  it('two serve hosts: one schedules, the other waits on standby and takes over; each hour runs once', async () => {
    const database = await cluster.database();
    const host = async () => ({
      ...moto.env,
      FERRY_DATA_DIR: await newDir(),
      FERRY_DATABASE_URL: database,
    });
    const [a, b] = [await host(), await host()];
    await ok(['org', 'add', '--id', '1', '--name', 'Acme'], a);
    await ok(
      ['project', 'add', '--id', '4242', '--org', '1', '--name', 'Web', '--source', 'demo'],
      a,
    );
    await ok(
      ['connection', 'add', '--name', 'sched', '--project', '4242', '--enable']
        .concat(['--lookback-hours', '12'])
        .concat(motoBucketFlags(moto, BUCKET, 'sched/')),
      a,
    );
    // As if enabled twelve hours ago: the schedule owes the hours since, and catches them up.
    const since = new Date(Date.now() - 12 * 3_600_000).toISOString().slice(0, 13);
    await sqlRows(
      database,
      `UPDATE ferry.config SET doc = jsonb_set(doc, '{connections,0,scheduleFrom}', '"${since}"'), revision = revision + 1`,
    );
    const worker = spawnFerry(['worker'], await host());
    const first = await startServe(a.FERRY_DATA_DIR, ['--workers'], a);
    let standby: Running | null = null;
    try {
      await worker.waitFor(/takes hours from the queue/);
      // The second serve waits on standby while the first holds the database, naming it —
      // and stays there (checked again after several of its looks).
      const second = spawnFerry(['--data-dir', b.FERRY_DATA_DIR, 'serve', '--workers'], {
        ...b,
        FERRY_STANDBY_SECONDS: '0.5',
      });
      standby = second;
      await second.waitFor(/waits on standby and takes over when that one stops/);
      expect(second.stderr()).toMatch(/Another Ferry writes to this database \(ferry serve on /);
      // Its port answers a supervisor meanwhile: alive, not ready, and why; nothing else.
      const port = Number(
        /127\.0\.0\.1:(\d+)\/healthz answers "standby"/.exec(second.stderr())?.[1],
      );
      const at = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
      const health = await at('/healthz');
      expect([health.status, await health.json()]).toEqual([200, { status: 'standby' }]);
      const ready = await at('/readyz');
      expect(ready.status).toBe(503);
      expect(JSON.stringify(await ready.json())).toMatch(
        /"name":"writer","ok":false,"detail":"on standby: Another Ferry writes to this database \(ferry serve on /,
      );
      const api = await at('/api/jobs.list');
      expect([api.status, ((await api.json()) as { error: { code: string } }).error.code]).toEqual([
        503,
        'unavailable',
      ]);
      // A few of the hours the schedule catches up are exported, then the first serve dies.
      await expect
        .poll(() => succeededHours(database), { timeout: 60_000, interval: 200 })
        .toBeGreaterThanOrEqual(3);
      expect(second.child.exitCode).toBeNull();
      expect(second.stdout()).not.toMatch(/Ferry console:/);
      first.child.kill('SIGKILL');
      await new Promise((resolve) => first.child.once('exit', resolve));
      // The second serve gets the hold by itself, and catches up.
      await second.waitFor(/Ferry console: http/);
      // On the port it answered health checks on, and ready now.
      expect(second.stdout()).toContain(`Ferry console: http://127.0.0.1:${port}/`);
      await expect.poll(async () => (await at('/readyz')).status, { timeout: 10_000 }).toBe(200);
      {
        // The schedule goes on catching up while this looks, and an hour being made visible
        // shows its object a moment before its job says succeeded: compare the bucket with the
        // history once they agree (a duplicate object never would: the poll then times out).
        const look = async () => {
          const jobs = await sqlRows<{ hour: string; status: string }>(
            database,
            'SELECT hour, status FROM ferry.jobs ORDER BY hour',
          );
          const succeeded = jobs.filter((j) => j.status === 'succeeded').map((j) => j.hour);
          const inBucket = (await listObjects(moto.s3(), BUCKET, 'sched/'))
            .map((o) => o.key)
            .filter((k) => !k.includes('_ferry-owner_'));
          return { succeeded, inBucket };
        };
        let agreed = { succeeded: [] as string[], inBucket: [] as string[] };
        await expect
          .poll(
            async () => {
              agreed = await look();
              const { succeeded, inBucket } = agreed;
              return new Set(succeeded).size >= 11 && inBucket.length === succeeded.length;
            },
            { timeout: 120_000, interval: 500 },
          )
          .toBe(true);
        // Each hour succeeded once: the hours the first serve had sent were waited for, not
        // sent again, and none was exported twice.
        expect(new Set(agreed.succeeded).size).toBe(agreed.succeeded.length);
        expect(agreed.inBucket).toHaveLength(agreed.succeeded.length);
      }
    } finally {
      if (standby && standby.child.exitCode === null) {
        standby.child.kill('SIGTERM');
        await standby.exited;
      }
      worker.child.kill('SIGTERM');
      await worker.exited;
      if (first.child.exitCode === null && first.child.signalCode === null) await first.stop();
    }
  }, 240_000);
});

async function succeededHours(url: string): Promise<number> {
  const [row] = await sqlRows<{ n: string }>(
    url,
    "SELECT count(DISTINCT hour) AS n FROM ferry.jobs WHERE status = 'succeeded'",
  );
  return Number(row?.n ?? 0);
}
