import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobsStore } from '../../../../electron/engine/store/jobs-store';
import type { Job } from '../../../../shared/model/jobs';
import { jobRecord } from '../../../support/jobs';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();

/** Job n: hour n of 2026, one job per hour. */
function fakeJob(n: number, overrides: Partial<Job> = {}): Job {
  const hour = new Date(Date.UTC(2026, 0, 1) + n * 3_600_000).toISOString().slice(0, 13);
  return jobRecord({ id: `j_${String(n).padStart(8, '0')}`, hour, ...overrides });
}

describe('job history store', () => {
  it('appends status changes to a journal and reads them back after a restart', async () => {
    const dir = await newDir();
    const notices: string[] = [];
    const store = await JobsStore.open(dir, (n) => notices.push(n.message));
    await store.put(fakeJob(1, { status: 'running' }));
    await store.put(fakeJob(1, { status: 'succeeded' }));
    await store.put(fakeJob(2, { status: 'failed' }));
    expect((await readdir(join(dir, 'jobs'))).sort()).toEqual(['2026-01.log', 'index.bin']);
    // A crash cut the last line short: that line is skipped, with a notice.
    await store.abandon();
    await appendFile(join(dir, 'jobs', '2026-01.log'), '{"id":"j_trunc');

    const again = await JobsStore.open(dir, (n) => notices.push(n.message));
    expect((await again.get('j_00000001'))?.status).toBe('succeeded');
    const page = await again.list({ status: ['failed'] });
    expect(page.items.map((j) => j.id)).toEqual(['j_00000002']);
    expect(notices.join()).toMatch(/1 unreadable line/);
    // Closing folds the journal into the month's snapshot.
    await again.close();
    expect((await readdir(join(dir, 'jobs'))).sort()).toEqual([
      '2026-01.json',
      '2026-01.json.bak',
      'index.bin',
    ]);
    const snapshot = JSON.parse(await readFile(join(dir, 'jobs', '2026-01.json'), 'utf8'));
    expect(snapshot.jobs).toHaveLength(2);
  });

  it('a job changed while its month is being read is never served stale afterwards', async () => {
    const dir = await newDir();
    const store = await JobsStore.open(dir, () => {});
    // One job in each of six months, so reading the others evicts the first month's cache.
    const monthly = (m: number) => fakeJob(m * 24 * 31);
    for (let m = 0; m < 6; m++) await store.put(monthly(m));
    const target = monthly(0);
    for (let round = 1; round <= 30; round++) {
      for (let m = 1; m < 6; m++) await store.get(monthly(m).id);
      // The month is read again while the job changes: the change lands at a different
      // moment of the read each round.
      const reading = store.get(target.id);
      for (let turn = 0; turn < round % 10; turn++) await new Promise((r) => setImmediate(r));
      await Promise.all([reading, store.put({ ...target, attempts: round })]);
      // …and a write already under way when the read starts.
      const writing = store.put({ ...target, attempts: round + 1000 });
      await Promise.all([store.get(target.id), writing]);
      expect((await store.get(target.id))?.attempts).toBe(round + 1000);
      await store.put({ ...target, attempts: round });
      expect((await store.get(target.id))?.attempts, `round ${round}`).toBe(round);
      expect((await store.list({})).items.find((j) => j.id === target.id)?.attempts).toBe(round);
    }
    await store.close();
  });

  it('pages newest hour first and filters by connection, status, dataset and hour range', async () => {
    const store = await JobsStore.open(await newDir(), () => {});
    for (let n = 0; n < 100; n++)
      await store.put(
        fakeJob(n, {
          status: n % 10 === 0 ? 'failed' : 'succeeded',
          dataset: n % 2 ? 'merged-ids' : 'events',
        }),
      );
    const first = await store.list({ limit: 5 });
    expect(first.total).toBe(100);
    expect(first.items.map((j) => j.id)).toEqual([99, 98, 97, 96, 95].map((n) => fakeJob(n).id));
    const failed = await store.list({ status: ['failed'], dataset: 'events' });
    expect(failed.total).toBe(10);
    const range = await store.list({ hourFrom: fakeJob(10).hour, hourTo: fakeJob(19).hour });
    expect(range.total).toBe(10);
    await store.close();
  });

  it('compacts a long journal in the background without losing a write', async () => {
    const dir = await newDir();
    const store = await JobsStore.open(dir, () => {});
    for (let n = 0; n < 2500; n++) await store.put(fakeJob(n % 300, { attempts: n }));
    await store.close();
    const reopened = await JobsStore.open(dir, () => {});
    const page = await reopened.list({ limit: 100 });
    expect(page.total).toBe(300);
    // Every job holds its last write.
    expect((await reopened.get(fakeJob(299).id))?.attempts).toBe(2399);
    expect((await reopened.get(fakeJob(0).id))?.attempts).toBe(2400);
    await reopened.close();
  });

  it('never rotates a journal over one a kill left unfolded', async () => {
    const dir = await newDir();
    const jobsDir = join(dir, 'jobs');
    await mkdir(jobsDir, { recursive: true });
    // What a kill during a fold leaves: the journal rotated to .log.1, no snapshot written yet.
    const rotated = Array.from({ length: 1001 }, (_, n) =>
      JSON.stringify(fakeJob(n % 500, { attempts: n })),
    );
    await writeFile(join(jobsDir, '2026-01.log.1'), `${rotated.join('\n')}\n`);
    const store = await JobsStore.open(dir, () => {});
    // 2,000 more records: enough to rotate the live journal again.
    for (let n = 0; n < 2000; n++) await store.put(fakeJob(500 + (n % 200), { attempts: n }));
    await store.close();
    const reopened = await JobsStore.open(dir, () => {});
    expect((await reopened.list({ limit: 100 })).total).toBe(700);
    expect((await reopened.get(fakeJob(499).id))?.attempts).toBe(999);
    expect((await reopened.get(fakeJob(0).id))?.attempts).toBe(1000);
    expect((await reopened.get(fakeJob(699).id))?.attempts).toBe(1999);
    await reopened.close();
  });

  it('starts the record after a torn last line on a line of its own', async () => {
    const dir = await newDir();
    const notices: string[] = [];
    const store = await JobsStore.open(dir, (n) => notices.push(n.message));
    await store.put(fakeJob(1));
    await store.close();
    // A kill (or a full disk) cut the last line short: no newline after it.
    await appendFile(join(dir, 'jobs', '2026-01.log'), '{"id":"j_torn","connectionId"');
    const again = await JobsStore.open(dir, (n) => notices.push(n.message));
    await again.put(fakeJob(2, { status: 'failed' }));
    const third = await JobsStore.open(dir, (n) => notices.push(n.message), true);
    expect((await third.get(fakeJob(1).id))?.status).toBe('succeeded');
    expect((await third.get(fakeJob(2).id))?.status).toBe('failed');
    expect(notices.join()).toMatch(/1 unreadable line/);
    await third.close();
    await again.close();
  });
});
