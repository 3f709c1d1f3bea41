import { sql } from 'kysely';
import { setTimeout as wait } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openWorkerStore } from '../../electron/engine/engine-store/team';
import { askWorkerToCancel } from '../../electron/engine/store/postgres/hour-cancel';
import { PgHourJobs } from '../../electron/engine/store/postgres/hour-jobs';
import { PgJobHistory } from '../../electron/engine/store/postgres/jobs';
import { HourTakenOver } from '../../electron/engine/store/postgres/errors';
import { HourLease, WorkerLeases } from '../../electron/engine/store/postgres/leases';
import { connect, migrateToLatest } from '../../electron/engine/store/postgres/schema';
import { HourQueue } from '../../electron/engine/team/hour-queue';
import { jobRecord } from '../support/jobs';
import { startPostgres, type Postgres } from '../support/postgres';
import { useTempDirs } from '../support/temp';

const newDir = useTempDirs();

// The fencing number of team mode's workers, on a real PostgreSQL: each claim of an hour bumps
// its attempt; the holder of an older attempt is refused at its next write or commit step.
let server: Postgres;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

async function database() {
  const db = connect(await server.database());
  await migrateToLatest(db);
  return db;
}

const key = { connectionId: 'cn_1', hour: '2026-03-01T05' };

describe('hour leases', () => {
  it('a second claim of an hour fences the first out of job writes and commit steps', async () => {
    const db = await database();
    try {
      const a = new WorkerLeases(db, 'worker a');
      const b = new WorkerLeases(db, 'worker b');
      const historyA = new PgHourJobs(db, a);
      const historyB = new PgHourJobs(db, b);
      const job = jobRecord({ id: 'j_1', connectionId: key.connectionId, hour: key.hour });

      const first = await a.claim(key, 'q1');
      expect(first.attempt).toBe('1');
      await historyA.put(job);
      await first.recordJobs([job.id]);
      await a.proveCommit({ ...key, commitId: 'c_a' });

      const second = await b.claim(key, 'q1');
      expect(second.attempt).toBe('2');
      expect(second.previousJobs).toEqual(['j_1']);
      expect(second.previousHolder).toBe('worker a for queue job q1');
      await historyB.put({ ...job, status: 'cancelled', cancelledBy: 'shutdown' });

      // A's late job write and commit step are refused; nothing of it is stored.
      await expect(historyA.put({ ...job, status: 'succeeded' })).rejects.toThrow(
        /no longer holds 2026-03-01T05 .*attempt 2, this one 1/,
      );
      await expect(a.proveCommit({ ...key, commitId: 'c_a' })).rejects.toBeInstanceOf(
        HourTakenOver,
      );
      expect((await historyB.get('j_1'))?.status).toBe('cancelled');
      await b.proveCommit({ ...key, commitId: 'c_b' });
    } finally {
      await db.destroy();
    }
  });

  it("a kill's leftover commit is taken back only while no one took its hour since", async () => {
    const db = await database();
    try {
      const a = new WorkerLeases(db, 'worker a');
      await a.claim(key, 'q1');
      await a.proveCommit({ ...key, commitId: 'c_a' });
      // Worker a is killed; started again, it may finish its own commit: nobody took the hour.
      const restarted = new WorkerLeases(db, 'worker a again');
      await restarted.proveCommit({ ...key, commitId: 'c_a' });
      const resumed = await HourLease.resume(db, { ...key, commitId: 'c_a' }, 'x');
      expect(resumed?.attempt).toBe('3');

      // Another worker takes the hour: the leftover may not be finished any more.
      const b = new WorkerLeases(db, 'worker b');
      await b.claim(key, 'q1');
      expect(await HourLease.resume(db, { ...key, commitId: 'c_a' }, 'x')).toBeNull();
      await expect(
        new WorkerLeases(db, 'a third start').proveCommit({ ...key, commitId: 'c_a' }),
      ).rejects.toBeInstanceOf(HourTakenOver);
    } finally {
      await db.destroy();
    }
  });

  it('a worker that holds no hour writes no job', async () => {
    const db = await database();
    try {
      const idle = new WorkerLeases(db, 'idle');
      const history = await PgJobHistory.open(db, idle);
      await expect(history.put(jobRecord({ id: 'j_2' }))).rejects.toThrow(/holds none now/);
      expect(await history.get('j_2')).toBeNull();
    } finally {
      await db.destroy();
    }
  });

  it("a worker opens without reading the history, and reads an hour as the serve's pages", async () => {
    const url = await server.database();
    const db = connect(url);
    await migrateToLatest(db);
    const serve = await PgJobHistory.open(db, {
      guard: () => undefined,
      fence: async () => {},
      condition: () => sql<boolean>`true`,
    });
    // The tries of an hour: a retry, both datasets, two made in the same millisecond, and jobs of
    // another connection and of the hours around it.
    const at = (minute: number) => `${key.hour}:${String(minute).padStart(2, '0')}:00.000Z`;
    const made = [
      { id: 'j_1', dataset: 'events', status: 'failed', createdAt: at(1) },
      { id: 'j_2', dataset: 'merged-ids', status: 'succeeded', createdAt: at(1) },
      { id: 'j_3', dataset: 'events', status: 'succeeded', createdAt: at(20) },
      { id: 'j_4', dataset: 'events', status: 'cancelled', createdAt: at(20) },
      { id: 'j_5', dataset: 'events', status: 'succeeded', connectionId: 'cn_2' },
      { id: 'j_6', dataset: 'events', status: 'succeeded', hour: '2026-03-01T04' },
      { id: 'j_7', dataset: 'merged-ids', status: 'failed', hour: '2026-03-01T06' },
    ] as const;
    for (const job of made)
      await serve.put(jobRecord({ connectionId: key.connectionId, hour: key.hour, ...job }));

    // Another session holds the job table: whatever reads it waits until it lets go.
    const holder = connect(url);
    let letGo = () => {};
    let holding = () => {};
    const held = new Promise<void>((resolve) => (holding = resolve));
    const hold = holder.transaction().execute(async (trx) => {
      await sql`LOCK TABLE ferry.jobs IN ACCESS EXCLUSIVE MODE`.execute(trx);
      holding();
      await new Promise<void>((resolve) => (letGo = resolve));
    });
    await held;
    // (A worker that read it would fail here after 5 s, not wait.)
    const worker = await openWorkerStore({
      dataDir: await newDir(),
      database: { url: `${url}?options=-c%20lock_timeout%3D5000` },
      holder: 'worker a',
      onLost: () => undefined,
    }).finally(async () => {
      letGo();
      await hold;
      await holder.destroy();
    });
    try {
      for (const q of [
        {},
        { latestOnly: true },
        { status: ['succeeded' as const] },
        { dataset: 'events' as const, offset: 1, limit: 2 },
        { latestOnly: true, status: ['cancelled' as const, 'failed' as const] },
      ]) {
        const query = {
          connectionId: key.connectionId,
          hourFrom: key.hour,
          hourTo: key.hour,
          ...q,
        };
        const mine = await worker.jobs.list(query);
        const theirs = await serve.list(query);
        expect(
          mine.items.map((j) => j.id),
          JSON.stringify(q),
        ).toEqual(theirs.items.map((j) => j.id));
        expect(mine.total).toBe(theirs.total);
      }
      expect(
        (
          await worker.jobs.list({
            connectionId: key.connectionId,
            hourFrom: key.hour,
            hourTo: key.hour,
          })
        ).items.map((j) => j.id),
      ).toEqual(['j_4', 'j_3', 'j_2', 'j_1']);
      // It answers only what an export asks: one hour of one connection.
      await expect(worker.jobs.list({ connectionId: key.connectionId })).rejects.toThrow(
        /one hour of one connection/,
      );
    } finally {
      await worker.close();
      await db.destroy();
    }
  });

  it("a cancel asked on an hour's lease: answered by its attempt, or said unanswered", async () => {
    const db = await database();
    try {
      const a = new WorkerLeases(db, 'worker a');
      const jobs = new PgHourJobs(db, a);
      const lease = await a.claim(key, 'q1');
      const job = jobRecord({ id: 'j_1', ...key, status: 'running' });
      await jobs.put(job);
      await lease.recordJobs([job.id]);

      // No lease names the job: nothing to ask.
      expect(await askWorkerToCancel(db, key, { jobId: 'j_other' }, 100)).toBe('not-running');
      // Asked, and nobody answers (the worker is stopped): null once the wait is over.
      expect(await lease.cancelAsked()).toBe(false);
      expect(await askWorkerToCancel(db, key, { jobId: job.id }, 300)).toBeNull();
      expect(await lease.cancelAsked()).toBe(true);
      // The worker answers while the serve waits.
      const asked = askWorkerToCancel(db, key, { jobId: job.id }, 30_000);
      await expect.poll(() => lease.cancelAsked()).toBe(true);
      await lease.answerCancel('committing');
      expect(await asked).toBe('committing');
      expect(await lease.cancelAsked()).toBe(false);

      // The wall clock set an hour forward while the serve waits does not cut the wait short.
      const waiting = askWorkerToCancel(db, key, { jobId: job.id }, 30_000);
      while (!(await lease.cancelAsked())) await wait(20);
      const jumped = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 3_600_000);
      try {
        await wait(300);
        await lease.answerCancel('cancelled');
        expect(await waiting).toBe('cancelled');
      } finally {
        jumped.mockRestore();
      }

      // Another worker takes the hour: the ask was not its attempt's, and it is not asked.
      await askWorkerToCancel(db, key, { jobId: job.id }, 100);
      const taker = await new WorkerLeases(db, 'worker b').claim(key, 'q1');
      expect(await taker.cancelAsked()).toBe(false);
      expect(await lease.cancelAsked()).toBe(false);
    } finally {
      await db.destroy();
    }
  });
});

describe('the hour queue', () => {
  it("names a connection's hours not ended (a start's sweep spares their uploads)", async () => {
    const url = await server.database();
    const queue = await HourQueue.open(url, { supervise: false });
    try {
      const task = (connectionId: string, hour: string) => ({
        connectionId,
        hour,
        datasets: ['events' as const],
        trigger: 'manual' as const,
        notes: [],
      });
      const [a5, a6] = [
        await queue.send(task('cn_a', '2026-03-01T05'), 1),
        await queue.send(task('cn_a', '2026-03-01T06'), 1),
      ];
      await queue.send(task('cn_b', '2026-03-01T07'), 1);
      expect(a5 && a6).toBeTruthy();
      expect((await queue.openHours('cn_a')).sort()).toEqual(['2026-03-01T05', '2026-03-01T06']);
      expect(await queue.openHours('cn_b')).toEqual(['2026-03-01T07']);
      // Ended (here: taken back), an hour is no one's any more.
      await queue.cancel(a5!);
      expect(await queue.openHours('cn_a')).toEqual(['2026-03-01T06']);
      expect(await queue.openHours('cn_c')).toEqual([]);
    } finally {
      await queue.stop(0);
    }
  });
});
