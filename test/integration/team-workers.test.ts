import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../shared/model/jobs';
import { spawnFerry, type Running } from '../faults/support/harness';
import { callServe, runFerry, startServe } from '../support/ferry';
import { listObjects, motoBucketFlags, startMoto, type Moto } from '../support/moto';
import { startPostgres, type Postgres } from '../support/postgres';
import { useTempDirs } from '../support/temp';

// Team mode with workers: one serve (the schedule and the console) sends hours to the queue in
// PostgreSQL; three `ferry worker` processes, each with its own data folder, export them to a
// real S3-compatible server (moto). 200 hours across 4 connections, each exactly once.
const newDir = useTempDirs();
const BUCKET = 'ferry-workers';
const CONNECTIONS = ['w1', 'w2', 'w3', 'w4'];
const FROM = '2026-03-01T00';
const TO = '2026-03-03T01'; // 50 hours
let pg: Postgres;
let moto: Moto;

beforeAll(async () => {
  [pg, moto] = await Promise.all([startPostgres(), startMoto()]);
  await moto.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 60_000);
afterAll(async () => {
  await Promise.all([pg?.stop(), moto?.stop()]);
});

async function ok(args: string[], env: Record<string, string>) {
  const result = await runFerry(args, env);
  expect(result.code, `${args.join(' ')}\n${result.stdout}${result.stderr}`).toBe(0);
  return result;
}

describe('team mode: ferry worker', () => {
  it('three workers export 200 hours of 4 connections, each hour once, history = bucket', async () => {
    const database = await pg.database();
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
          { timeout: 240_000, interval: 1_000 },
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
    } finally {
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      await server.stop();
    }
  }, 360_000);
});
