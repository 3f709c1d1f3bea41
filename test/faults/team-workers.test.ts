import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry, startServe, type ServeProcess } from '../support/ferry';
import { motoBucketFlags, startMoto, type Moto } from '../support/moto';
import { startPostgres, type Postgres } from '../support/postgres';
import { useTempDirs } from '../support/temp';
import {
  callServe,
  demoProject,
  expectHistoryMatches,
  ferryOk,
  jobsOfHour,
  s3Hour,
  spawnFerry,
  type Running,
} from './support/harness';
import { startS3Gate, type S3Gate } from './support/s3-gate';

// Team mode's workers under faults: a worker killed mid-hour, or stopped (SIGSTOP) mid-commit
// past its heartbeat while another took its hour over. The queue (pg-boss) gives the hour to
// another worker; the hour's attempt number in PostgreSQL keeps the silent one from making
// anything visible afterwards. The S3 gate holds the worker at an exact point: no timing.
const newDir = useTempDirs();
const BUCKET = 'ferry-faults-workers';
/** The queue gives a silent worker's hour away after 10 s (pg-boss's least), looked at each second. */
const QUEUE_ENV = { FERRY_QUEUE_HEARTBEAT_SECONDS: '10', FERRY_QUEUE_MONITOR_SECONDS: '1' };
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

type Host = Record<string, string> & { FERRY_DATA_DIR: string };

/** A team: its serve (sending hours to the queue) and a way to start workers, each its own host. */
async function team(tag: string) {
  const database = await pg.database();
  const host = async () => ({
    ...moto.env,
    ...QUEUE_ENV,
    FERRY_DATA_DIR: await newDir(),
    FERRY_DATABASE_URL: database,
  });
  const admin = await host();
  await demoProject(admin, 40_000);
  for (const [name, endpoint] of [
    ['faulty', gate.endpoint],
    ['clean', moto.endpoint],
  ] as const) {
    const flags = motoBucketFlags(moto, BUCKET, `${tag}/${name}/`);
    flags[flags.indexOf('--endpoint') + 1] = endpoint;
    await ferryOk(
      ['connection', 'add', '--name', name, '--project', '187520', ...flags].concat([
        '--gzip-level',
        '1',
        '--partition-size',
        '8MiB',
      ]),
      admin,
    );
  }
  const serve = () => startServe(admin.FERRY_DATA_DIR, ['--workers', '--no-schedule'], admin);
  let server = await serve();
  const workers: Running[] = [];
  return {
    admin,
    get server() {
      return server;
    },
    /** Start the serve again once it exited, as its supervisor would. */
    async restartServe() {
      server = await serve();
    },
    async worker(env?: Host, args: string[] = []): Promise<Running & { env: Host }> {
      const workerEnv = env ?? (await host());
      const w = spawnFerry(['worker', ...args], workerEnv);
      workers.push(w);
      await w.waitFor(/takes hours from the queue/);
      return { ...w, env: workerEnv };
    },
    /**
     * Start a worker, send it the hour, and resolve once the gate holds it: after the hour's
     * first part upload (`parts`) or its first completed object (`completes`).
     */
    async heldWorker(hour: string, at: 'parts' | 'completes' = 'parts', args: string[] = []) {
      const w = await this.worker(undefined, args);
      const held = at === 'parts' ? gate.holdPartsAfter(1) : gate.holdCompletesAfter(1);
      await callServe(server, 'jobs.exportHour', { connectionId: 'faulty', hour });
      await held;
      return w;
    },
    /** The hour's job its worker runs now (the newest of the hour, running). */
    async runningJob(hour: string) {
      const [running] = await jobsOfHour(admin, 'faulty', hour);
      expect(running?.status).toBe('running');
      return running!;
    },
    async close() {
      for (const w of workers) {
        w.child.kill('SIGCONT');
        w.child.kill('SIGTERM');
      }
      await Promise.all(workers.map((w) => w.exited));
      await server.stop();
    },
  };
}

/** Wait until the hour's latest job has succeeded, and return the hour's jobs (newest first). */
async function ended(server: ServeProcess, admin: Record<string, string>, hour: string) {
  await expect
    .poll(
      async () =>
        (
          await callServe<{ items: { status: string }[] }>(server, 'jobs.list', {
            connectionId: 'faulty',
            hourFrom: hour,
            hourTo: hour,
          })
        ).items[0]?.status,
      { timeout: 90_000, interval: 500 },
    )
    .toBe('succeeded');
  return jobsOfHour(admin, 'faulty', hour);
}

/** The hour is in the bucket as a clean export writes it, and as the history records it. */
async function expectHourAsClean(t: Awaited<ReturnType<typeof team>>, tag: string, hour: string) {
  const [date, h] = [hour.slice(0, 10), Number(hour.slice(11))];
  const ofHour = (key: string) => key.replace(/^_manifests\//, '').includes(`_${date}_${h}`);
  const got = await s3Hour(s3, BUCKET, `${tag}/faulty/`, ofHour);
  await callServe(t.server, 'jobs.exportHour', { connectionId: 'clean', hour });
  await expect
    .poll(async () => (await jobsOfHour(t.admin, 'clean', hour))[0]?.status, { timeout: 60_000 })
    .toBe('succeeded');
  const clean = await s3Hour(s3, BUCKET, `${tag}/clean/`, ofHour);
  expect(Object.keys(got.objects).length).toBeGreaterThan(1);
  expect(got.objects).toEqual(clean.objects);
  const jobs = await jobsOfHour(t.admin, 'faulty', hour);
  expect(jobs.filter((j) => j.status === 'succeeded')).toHaveLength(1);
  expectHistoryMatches(jobs, got.objects, `${tag}/faulty/`, got.lines);
  const reconciled = await runFerry(['reconcile', 'faulty', '--from', hour, '--to', hour], t.admin);
  expect(reconciled.code, reconciled.stdout).toBe(0);
}

describe('team mode: a worker that dies or stalls', () => {
  it('killed (-9) mid-hour: another worker takes the hour over and exports it once', async () => {
    const t = await team('killed');
    const hour = '2026-02-02T07';
    try {
      const first = await t.heldWorker(hour);
      first.child.kill('SIGKILL');
      await first.exited;
      gate.failHeld(500, 'InternalError');

      // Once the killed worker's heartbeat lapses, the queue gives the hour to the next worker.
      const second = await t.worker();
      const jobs = await ended(t.server, t.admin, hour);
      expect(jobs[0]).toMatchObject({ status: 'succeeded' });
      expect(jobs[0]!.notes.join(' ')).toMatch(/took the hour over \(attempt 2\)/);
      // The killed worker's job is closed, named as taken over — not left running.
      expect(jobs.slice(1).map((j) => j.status)).toEqual(['cancelled']);
      expect(jobs[1]!.notes.join(' ')).toMatch(/Its worker stopped answering/);
      expect(second.stdout()).toMatch(/"hour ended"/);
      // The serve's metrics say so, from the hour leases in PostgreSQL. (The queue records the
      // hour's end just after the worker's last job write, which the history shows first.)
      expect(await scrape(t.server)).toMatch(/^ferry_team_hour_takeovers\{[^}]*\} 1$/m);
      await expect
        .poll(() => scrape(t.server), { timeout: 30_000 })
        .toMatch(/^ferry_team_queue_hours\{[^}]*state="active"[^}]*\} 0$/m);
      await expectHourAsClean(t, 'killed', hour);
    } finally {
      await t.close();
    }
  }, 180_000);

  it('stopped by SIGTERM mid-hour (no grace): the hour goes back to the queue, another exports it', async () => {
    const t = await team('termed');
    const hour = '2026-02-02T09';
    try {
      const first = await t.heldWorker(hour, 'parts', ['--grace', '0']);
      first.child.kill('SIGTERM');
      gate.failHeld(500, 'InternalError');
      expect(await first.exited).toBe(0);
      expect(first.stdout()).toMatch(/goes back to the queue/);

      await t.worker();
      const jobs = await ended(t.server, t.admin, hour);
      expect(jobs.map((j) => `${j.status} ${j.cancelledBy ?? ''}`.trim())).toEqual([
        'succeeded',
        'cancelled shutdown',
      ]);
      await expectHourAsClean(t, 'termed', hour);
    } finally {
      await t.close();
    }
  }, 180_000);

  it('stopped (SIGSTOP) mid-commit past its heartbeat, then resumed: its late commit is refused', async () => {
    const t = await team('stalled');
    const hour = '2026-02-02T08';
    try {
      const first = await t.heldWorker(hour, 'completes');
      // One object of the hour is visible; the worker stalls before the next.
      first.child.kill('SIGSTOP');
      gate.failHeld(403, 'AccessDenied');
      // The taker writes the hour in other partitions: a late commit of the first would show.
      for (const name of ['faulty', 'clean'])
        await ferryOk(['connection', 'update', name, '--partition-size', '16MiB'], t.admin);

      const second = await t.worker();
      const jobs = await ended(t.server, t.admin, hour);
      expect(jobs[0]).toMatchObject({ status: 'succeeded' });
      expect(second.stdout()).toMatch(/"hour ended"/);
      const taken = await s3Hour(s3, BUCKET, 'stalled/faulty/');

      // The stalled worker goes on: its refused step is tried again, and fenced.
      first.child.kill('SIGCONT');
      await first.waitFor(/"level":50/);
      expect((await s3Hour(s3, BUCKET, 'stalled/faulty/')).objects).toEqual(taken.objects);
      expect(first.stdout()).toMatch(/Another worker took 2026-02-02T08 of connection .* over/);
      const after = await jobsOfHour(t.admin, 'faulty', hour);
      expect(after.map((j) => j.status)).toEqual(['succeeded', 'cancelled']);
      await expectHourAsClean(t, 'stalled', hour);

      // Restarted, it drops the commit it had begun (the hour was exported since): not finished.
      first.child.kill('SIGTERM');
      await first.exited;
      expect(await readdir(join(first.env.FERRY_DATA_DIR, 'commits'))).toHaveLength(1);
      const again = await t.worker(first.env);
      await again.waitFor(/Did not finish an interrupted commit of 2026-02-02 08:00 UTC/);
      expect(await readdir(join(first.env.FERRY_DATA_DIR, 'commits'))).toEqual([]);
      expect((await s3Hour(s3, BUCKET, 'stalled/faulty/')).objects).toEqual(taken.objects);
    } finally {
      await t.close();
    }
  }, 180_000);

  it('a running hour cancelled in the console: its worker cancels it; too late once committing', async () => {
    const t = await team('cancel');
    const hour = '2026-02-02T10';
    try {
      const worker = await t.heldWorker(hour);
      const running = await t.runningJob(hour);
      // The serve does not run it: it asks the worker (on the hour's lease) and waits for its answer.
      expect(await callServe(t.server, 'jobs.cancel', { id: running.id })).toEqual({
        cancelled: true,
      });
      gate.failHeld(500, 'InternalError');
      await worker.waitFor(/"msg":"cancel asked"/);
      expect(worker.stdout()).toMatch(/"outcome":"cancelled"/);
      await expect
        .poll(async () => (await jobsOfHour(t.admin, 'faulty', hour)).map((j) => j.status), {
          timeout: 30_000,
        })
        .toEqual(['cancelled']);
      const [cancelled] = await jobsOfHour(t.admin, 'faulty', hour);
      expect(cancelled).toMatchObject({ id: running.id, cancelledBy: 'admin' });
      // Nothing of the hour is visible, and the queue does not give it to another worker.
      expect((await s3Hour(s3, BUCKET, 'cancel/faulty/')).objects).toEqual({});
      await expectQueueEmpty(t.server);
      expect((await jobsOfHour(t.admin, 'faulty', hour)).map((j) => j.status)).toEqual([
        'cancelled',
      ]);

      // Once the hour is being made visible, a cancel is refused and the hour ends whole.
      const next = '2026-02-02T11';
      const committing = gate.holdCompletesAfter(1);
      await callServe(t.server, 'jobs.exportHour', { connectionId: 'faulty', hour: next });
      await committing;
      const [late] = await jobsOfHour(t.admin, 'faulty', next);
      await expect(callServe(t.server, 'jobs.cancel', { id: late!.id })).rejects.toThrow(
        /Too late to cancel job .*being made visible now/,
      );
      gate.release();
      const jobs = await ended(t.server, t.admin, next);
      expect(jobs.map((j) => j.status)).toEqual(['succeeded']);
    } finally {
      await t.close();
    }
  }, 180_000);

  it('a running hour cancelled while its worker is stopped: refused, saying what happens next', async () => {
    const t = await team('unanswered');
    const hour = '2026-02-02T12';
    try {
      const worker = await t.heldWorker(hour);
      const running = await t.runningJob(hour);
      worker.child.kill('SIGSTOP');
      // The serve waits for the worker's answer (10 s), then says it did not come.
      await expect(callServe(t.server, 'jobs.cancel', { id: running.id })).rejects.toThrow(
        /has not answered in 10 s: it may be stopped or cut off/,
      );
      // The ask stays on the hour's lease: resumed, the worker ends the job it was asked about.
      worker.child.kill('SIGCONT');
      gate.failHeld(500, 'InternalError');
      await expect
        .poll(
          async () =>
            (await callServe<{ status: string }>(t.server, 'jobs.get', { id: running.id })).status,
          { timeout: 60_000 },
        )
        .toBe('cancelled');
    } finally {
      await t.close();
    }
  }, 180_000);

  it('a backfill cancelled while a worker runs one of its hours: that worker cancels it, the rest never run', async () => {
    const t = await team('bfcancel');
    const [from, to] = ['2026-02-03T01', '2026-02-03T03'];
    try {
      const worker = await t.worker();
      const held = gate.holdPartsAfter(1);
      const started = await callServe<{ id: string }>(t.server, 'backfills.start', {
        connectionId: 'faulty',
        from,
        to,
      });
      await held;
      // The cancel waits for the hour under way to end: the worker ends it, cancelled.
      const cancelling = callServe<{ status: string; cancelled: number }>(
        t.server,
        'backfills.cancel',
        { id: started.id },
      );
      await worker.waitFor(/"msg":"cancel asked"/);
      gate.failHeld(500, 'InternalError');
      expect(await cancelling).toMatchObject({ status: 'cancelled' });
      expect(worker.stdout()).toMatch(/"outcome":"cancelled"/);
      const jobs = await jobsOfRange(t.admin, from, to);
      expect(jobs.map((j) => `${j.status} ${j.cancelledBy}`)).toEqual(['cancelled admin']);
      expect((await s3Hour(s3, BUCKET, 'bfcancel/faulty/')).objects).toEqual({});
      await expectQueueEmpty(t.server);
    } finally {
      await t.close();
    }
  }, 180_000);

  it('a connection deleted while a worker exports its hour: the worker cancels the hour', async () => {
    const t = await team('deleted');
    const hour = '2026-02-03T05';
    try {
      const worker = await t.heldWorker(hour);
      const running = await t.runningJob(hour);
      await callServe(t.server, 'connections.delete', { id: running.connectionId });
      await worker.waitFor(/"msg":"connection deleted"/);
      gate.failHeld(500, 'InternalError');
      await expect
        .poll(
          async () =>
            (await callServe<{ status: string; cancelledBy: string | null }>(t.server, 'jobs.get', {
              id: running.id,
            })) as object,
          { timeout: 30_000 },
        )
        .toMatchObject({ status: 'cancelled', cancelledBy: 'deleted' });
      expect((await s3Hour(s3, BUCKET, 'deleted/faulty/')).objects).toEqual({});
    } finally {
      await t.close();
    }
  }, 180_000);

  // PostgreSQL goes down (as in a crash) while both workers are mid-upload, for longer than the
  // queue's heartbeat, and comes back. The S3 gate lets the uploads go on either while it is down
  // (the workers' job writes and commit proofs fail) or once it is back (their heartbeats lapsed:
  // the queue may give an hour to the other worker while its first still runs it).
  it.each([
    ['while it is down', 'down'],
    ['once it is back', 'back'],
  ] as const)(
    'PostgreSQL restarted mid-export, uploads going on %s: every hour exported once',
    async (_, uploads) => {
      const tag = `pg-${uploads}`;
      const t = await team(tag);
      const hours = ['2026-02-04T01', '2026-02-04T02', '2026-02-04T03', '2026-02-04T04'];
      try {
        const workers = [await t.worker(), await t.worker()];
        const held = gate.holdPartsAfter(1);
        for (const hour of hours)
          await callServe(t.server, 'jobs.exportHour', { connectionId: 'faulty', hour });
        await held;
        pg.kill();
        // The serve's hold went with its connection: it exits 1, for its supervisor to start it.
        expect(await exitOf(t.server)).toBe(1);
        if (uploads === 'down') gate.release();
        await new Promise((resolve) => setTimeout(resolve, 12_000));
        pg.start();
        gate.release();
        await t.restartServe();

        for (const hour of hours) {
          await ended(t.server, t.admin, hour);
          await expectHourAsClean(t, tag, hour);
        }
        // Nothing left running or queued, and the workers lived through it.
        const jobs = await jobsOfRange(t.admin, hours[0]!, hours.at(-1)!);
        expect(jobs.filter((j) => j.status === 'succeeded')).toHaveLength(hours.length);
        expect(jobs.filter((j) => j.status === 'running' || j.status === 'queued')).toEqual([]);
        for (const w of workers) expect(w.child.exitCode, w.stderr().slice(-2000)).toBeNull();
      } finally {
        await t.close();
      }
    },
    240_000,
  );
});

/** Every job of connection "faulty" over a range of hours, newest first. */
async function jobsOfRange(env: Record<string, string>, from: string, to: string) {
  const listed = await runFerry(
    ['--json', 'jobs', 'faulty', '--from', from, '--to', to, '--limit', '1000'],
    env,
  );
  expect(listed.code, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as { items: { status: string; cancelledBy: string | null }[] })
    .items;
}

/** The exit code of a serve, once it exited. */
function exitOf(server: ServeProcess): Promise<number | null> {
  if (server.child.exitCode !== null) return Promise.resolve(server.child.exitCode);
  return new Promise((resolve) => server.child.once('exit', resolve));
}

/** No hour of the queue is running (polled: the queue hears of an end after the history), none waits. */
async function expectQueueEmpty(server: ServeProcess): Promise<void> {
  await expect
    .poll(() => scrape(server), { timeout: 30_000 })
    .toMatch(/^ferry_team_queue_hours\{[^}]*state="active"[^}]*\} 0$/m);
  expect(await scrape(server)).toMatch(/^ferry_team_queue_hours\{[^}]*state="queued"[^}]*\} 0$/m);
}

/** The serve's Prometheus metrics, read with its token. */
async function scrape(server: ServeProcess): Promise<string> {
  const url = new URL(server.url);
  const answer = await fetch(`${url.origin}/metrics`, {
    headers: { Authorization: `Bearer ${url.searchParams.get('token')}` },
  });
  expect(answer.status).toBe(200);
  return answer.text();
}
