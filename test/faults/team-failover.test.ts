import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry, startServe } from '../support/ferry';
import { motoBucketFlags, startMoto, type Moto } from '../support/moto';
import { sqlRows, startPostgres, type Postgres } from '../support/postgres';
import { useTempDirs } from '../support/temp';
import {
  callServe,
  demoProject,
  expectHourExactlyOnce,
  ferryOk,
  jobsOfHour,
  s3Hour,
} from './support/harness';
import { startS3Gate, type S3Gate } from './support/s3-gate';

// Team mode: two hosts on one PostgreSQL, one writer at a time. A writer that dies or stalls
// part-way through making an hour visible, while the other takes over and exports the hour,
// must never put its objects over the newer export's — not late, and not at its next start.
const newDir = useTempDirs();
const BUCKET = 'ferry-faults-team';
let moto: Moto;
let gate: S3Gate;
let s3: S3Client;
let pg: Postgres;

beforeAll(async () => {
  [moto, pg] = await Promise.all([startMoto(), startPostgres()]);
  s3 = moto.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  gate = await startS3Gate(moto.endpoint);
}, 60_000);
afterAll(async () => {
  await gate?.close();
  await Promise.all([moto?.stop(), pg?.stop()]);
});

/** One team database; host A and host B (each its own data folder); `faulty` through the gate. */
async function team(tag: string) {
  const database = await pg.database();
  const host = async () => ({
    ...moto.env,
    FERRY_DATA_DIR: await newDir(),
    FERRY_DATABASE_URL: database,
  });
  const a = await host();
  const b = await host();
  await demoProject(a, 40_000);
  for (const [name, endpoint] of [
    ['faulty', gate.endpoint],
    ['clean', moto.endpoint],
  ] as const) {
    const flags = motoBucketFlags(moto, BUCKET, `${tag}/${name}/`);
    flags[flags.indexOf('--endpoint') + 1] = endpoint;
    await ferryOk(
      ['connection', 'add', '--name', name, '--project', '187520', ...flags, '--gzip-level', '1'],
      a,
    );
  }
  const partitions = async (bytes: string, env = a) => {
    for (const name of ['faulty', 'clean'])
      await ferryOk(['connection', 'update', name, '--partition-size', bytes], env);
  };
  return {
    a,
    b,
    partitions,
    /** The hour is in the bucket exactly once: as a clean export writes it, and as recorded. */
    expectExactlyOnce: (hour: string) => expectHourExactlyOnce(s3, BUCKET, tag, hour, b),
  };
}

describe('team mode: a writer replaced part-way through a commit', () => {
  it('killed mid-commit, replaced, restarted: the newer export stands, the old commit is dropped', async () => {
    const t = await team('killed');
    const hour = '2026-02-01T09';
    await t.partitions('8MiB');
    await ferryOk(['export', 'faulty', '--hour', hour], t.a);

    // Host A exports again in bigger partitions; killed after two of its objects became visible.
    await t.partitions('24MiB');
    const server = await startServe(t.a.FERRY_DATA_DIR, ['--no-schedule'], t.a);
    const held = gate.holdCompletesAfter(2);
    await callServe(server, 'jobs.exportHour', { connectionId: 'faulty', hour });
    await held;
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server.child.once('exit', resolve));
    gate.release();
    expect(await readdir(join(t.a.FERRY_DATA_DIR, 'commits'))).toHaveLength(1);

    // Host B takes over (A's lock went with its connection) and exports the hour again. (Any
    // command on host A would start A, which finishes its commit first: only B's run here.)
    await t.partitions('16MiB', t.b);
    await ferryOk(['export', 'faulty', '--hour', hour], t.b);

    // A starts again: its commit record is older than B's export, so it is dropped, not finished.
    const again = await runFerry(['run', '--once'], t.a);
    expect(again.code, again.stderr).toBe(0);
    expect(await readdir(join(t.a.FERRY_DATA_DIR, 'commits'))).toEqual([]);
    const jobs = await jobsOfHour(t.b, 'faulty', hour);
    expect(jobs[0]).toMatchObject({ status: 'succeeded' }); // B's
    expect(jobs.find((j) => j.status === 'cancelled')?.notes.join(' ')).toMatch(
      /exported again \(job .*\) before this commit was finished: the newer export stands/,
    );
    await t.expectExactlyOnce(hour);
  });

  it('stalled mid-commit (SIGSTOP) while another took over, then resumed: it makes nothing more visible', async () => {
    const t = await team('stalled');
    const hour = '2026-02-01T10';
    await t.partitions('8MiB');
    await ferryOk(['export', 'faulty', '--hour', hour], t.a);

    await t.partitions('24MiB');
    const server = await startServe(t.a.FERRY_DATA_DIR, ['--no-schedule'], t.a);
    let before: Awaited<ReturnType<typeof s3Hour>>;
    try {
      const held = gate.holdCompletesAfter(1);
      await callServe(server, 'jobs.exportHour', { connectionId: 'faulty', hour });
      await held;
      // A stalls with one object visible; its next completion is refused (not retried by the
      // SDK: a step already sent may still land — the fence guards each step before it is sent).
      server.child.kill('SIGSTOP');
      gate.failHeld(403, 'AccessDenied');
      // Meanwhile another writer takes over, as one does once A's session is gone from the
      // database's view — while A's own connection still looks alive to A.
      await sqlRows(t.a.FERRY_DATABASE_URL, 'UPDATE ferry.writer SET epoch = epoch + 1');
      before = await s3Hour(s3, BUCKET, 'stalled/faulty/');

      // A goes on where it stopped and tries its refused step again: the fence refuses it.
      server.child.kill('SIGCONT');
      await expect
        .poll(() => server.stderr(), { timeout: 60_000 })
        .toMatch(/another Ferry took over as writer/);
      expect((await s3Hour(s3, BUCKET, 'stalled/faulty/')).objects).toEqual(before.objects);
    } finally {
      server.child.kill('SIGCONT');
      await server.stop();
    }
    // The writer of the team (B) exports the hour; A's start later drops its old commit.
    await t.partitions('16MiB', t.b);
    await ferryOk(['export', 'faulty', '--hour', hour], t.b);
    const again = await runFerry(['run', '--once'], t.a);
    expect(again.code, again.stderr).toBe(0);
    await t.expectExactlyOnce(hour);
  });
});
