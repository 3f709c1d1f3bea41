import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgJobHistory } from '../../electron/engine/store/postgres/jobs';
import {
  HourLease,
  HourTakenOver,
  WorkerLeases,
} from '../../electron/engine/store/postgres/leases';
import { connect, migrateToLatest } from '../../electron/engine/store/postgres/schema';
import { jobRecord } from '../support/jobs';
import { startPostgres, type Postgres } from '../support/postgres';

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
      const historyA = await PgJobHistory.open(db, a);
      const historyB = await PgJobHistory.open(db, b);
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
});
