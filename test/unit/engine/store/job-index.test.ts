import {
  appendFile,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { hourRecords } from '../../../../electron/engine/store/hour-records';
import { loadIndex } from '../../../../electron/engine/store/index-file';
import { JobsStore } from '../../../../electron/engine/store/jobs-store';
import { type JobPage } from '../../../../electron/engine/store/ports';
import type { Job, JobListQuery } from '../../../../shared/model/jobs';
import { jobRecord } from '../../../support/jobs';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();

const CONNECTIONS = ['cn_a', 'cn_b', 'cn_c'];
const STATUSES = ['succeeded', 'succeeded', 'failed', 'cancelled', 'running'] as const;

/** Job n: spread over three connections, both datasets, four months, several statuses. */
function jobN(n: number, overrides: Partial<Job> = {}): Job {
  const hourMs = Date.UTC(2026, 0, 1) + Math.floor(n / 3) * 3_600_000 * 7;
  const hour = new Date(hourMs).toISOString().slice(0, 13);
  const status = STATUSES[n % STATUSES.length]!;
  return jobRecord({
    id: `j_${String(n).padStart(6, '0')}`,
    connectionId: CONNECTIONS[n % 3]!,
    dataset: n % 2 ? 'merged-ids' : 'events',
    hour,
    status,
    trigger: n % 7 === 0 ? 'backfill' : 'scheduled',
    createdAt: new Date(hourMs + 3_900_000 + (n % 5) * 1000).toISOString(),
    error:
      status === 'failed'
        ? { kind: 'access', code: 's3:PutObject', message: 'Access Denied', fix: 'Grant it.' }
        : null,
    cancelledBy: status === 'cancelled' ? 'shutdown' : null,
    counts: { eventsIn: n, eventsOut: n, duplicates: 0, filtered: 0, badLines: 0 },
    ...overrides,
  });
}

const QUERIES: JobListQuery[] = [
  { limit: 100 },
  { limit: 25, offset: 50 },
  { status: ['failed'], limit: 40 },
  { status: ['succeeded', 'cancelled'], dataset: 'merged-ids', limit: 30, offset: 10 },
  { connectionId: 'cn_b', limit: 100 },
  { connectionId: 'cn_c', status: ['running'], limit: 100 },
  { hourFrom: '2026-02-01T00', hourTo: '2026-02-14T23', limit: 100 },
  { connectionId: 'cn_a', hourFrom: '2026-03-01T00', dataset: 'events', limit: 100 },
];

/** Every query's page (ids, statuses, attempts) and total: what the console would show. */
async function pages(store: JobsStore) {
  const out: unknown[] = [];
  for (const q of QUERIES) {
    const page: JobPage = await store.list(q);
    out.push({
      total: page.total,
      items: page.items.map((j) => `${j.id} ${j.status} ${j.attempts}`),
    });
  }
  for (const c of CONNECTIONS)
    out.push([...store.hourRecords(c).all()].map((r) => `${r.latest.id} ${r.succeeded}`));
  return out;
}

/** A history of 1,200 jobs over four months, some written twice; closed. */
async function history(): Promise<{ dir: string; expected: unknown[] }> {
  const dir = await newDir();
  const store = await JobsStore.open(dir, () => {});
  for (let n = 0; n < 1200; n++) await store.put(jobN(n, { status: 'running' }));
  for (let n = 0; n < 1200; n++) await store.put(jobN(n, { attempts: 2 }));
  const expected = await pages(store);
  await store.close();
  return { dir, expected };
}

describe('the persisted job index', () => {
  it('gives the same pages after a restart, without it, truncated anywhere, or damaged', async () => {
    const { dir, expected } = await history();
    const index = join(dir, 'jobs', 'index.bin');
    const reopen = async () => {
      const notices: string[] = [];
      const store = await JobsStore.open(dir, (n) => notices.push(n.message));
      const got = await pages(store);
      expect(store.size).toBe(1200);
      await store.close();
      return { got, notices };
    };
    expect((await reopen()).got).toEqual(expected);

    // Deleted: built again from the months, and written again.
    await rm(index);
    expect((await reopen()).got).toEqual(expected);
    expect(await readdir(join(dir, 'jobs'))).toContain('index.bin');

    // Cut short at the header, inside a record, and near the end.
    const size = (await stat(index)).size;
    for (const at of [16, 17, 1000, Math.floor(size / 2), size - 3]) {
      await truncate(index, at);
      expect((await reopen()).got).toEqual(expected);
    }

    // A byte changed inside: the record fails its checksum; the months fill in the rest.
    const bytes = await readFile(index);
    bytes[Math.floor(bytes.length / 3)]! ^= 0xff;
    await writeFile(index, bytes);
    expect((await reopen()).got).toEqual(expected);

    // Not an index at all: said, and built again.
    await writeFile(index, 'not an index');
    const damaged = await reopen();
    expect(damaged.got).toEqual(expected);
    expect(damaged.notices.join('\n')).toMatch(/index\.bin was damaged/);
  });

  it('a journal line the index never heard of wins (a kill between the two writes)', async () => {
    const { dir } = await history();
    // As a process killed after its journal line and before its index record leaves it.
    const changed = jobN(5, {
      status: 'failed',
      attempts: 9,
      error: { kind: 'access', code: 's3:PutObject', message: 'Access Denied', fix: 'Grant it.' },
    });
    await appendFile(
      join(dir, 'jobs', `${changed.hour.slice(0, 7)}.log`),
      `${JSON.stringify(changed)}\n`,
    );
    const store = await JobsStore.open(dir, () => {}, true);
    expect((await store.get(changed.id))?.attempts).toBe(9);
    const failed = await store.list({
      status: ['failed'],
      hourFrom: changed.hour,
      hourTo: changed.hour,
    });
    expect(failed.items.map((j) => j.id)).toContain(changed.id);
    expect(store.entries((e) => e.id === changed.id)[0]).toMatchObject({
      status: 'failed',
      errorKind: 'access',
    });
  });

  it('opens from the index alone when it matches the months (no month is parsed)', async () => {
    const { dir } = await history();
    // Make every month unreadable without changing its size or time: a start that parsed
    // them would notice; one that trusts a matching index does not.
    const jobsDir = join(dir, 'jobs');
    for (const name of await readdir(jobsDir)) {
      if (!name.endsWith('.json')) continue;
      const path = join(jobsDir, name);
      const before = await stat(path);
      await writeFile(path, ' '.repeat(before.size));
      // The same millisecond (half-way into it: seconds as a double lose a few nanoseconds).
      const same = (Math.trunc(before.mtimeMs) + 0.5) / 1000;
      await utimes(path, same, same);
    }
    const notices: string[] = [];
    const store = await JobsStore.open(dir, (n) => notices.push(n.message), true);
    expect(store.size).toBe(1200);
    expect(store.entries((e) => e.status === 'failed')).toHaveLength(240);
    expect(notices).toEqual([]);
  });

  it('folds a connection per (dataset, hour) exactly as the entries do', async () => {
    const { dir } = await history();
    const store = await JobsStore.open(dir, () => {});
    // A later, failed retry of a succeeded hour: the latest job changes, "any success" stays.
    const done = jobN(30);
    await store.put({
      ...done,
      id: 'j_retry',
      status: 'failed',
      createdAt: '2026-12-01T00:00:00.000Z',
    });
    const record = store.hourRecords(done.connectionId).get(done.dataset, done.hour);
    expect(record).toMatchObject({ latest: { id: 'j_retry', status: 'failed' }, succeeded: true });
    for (const c of CONNECTIONS) {
      const fromEntries = [...hourRecords(store.entries(() => true, c)).all()];
      const fromIndex = [...store.hourRecords(c).all()];
      expect(fromIndex.map((r) => [r.latest.id, r.succeeded])).toEqual(
        fromEntries.map((r) => [r.latest.id, r.succeeded]),
      );
      const probe = fromEntries[17]!.latest;
      expect(store.hourRecords(c).get(probe.dataset, probe.hour)?.latest).toEqual(probe);
      // The newest failed hour that nothing exported, before a few cut-off hours.
      for (const before of [probe.hour, fromEntries[3]!.latest.hour, '2099-01-01T00'])
        expect(store.hourRecords(c).newestFailed(before)?.latest.id).toBe(
          hourRecords(store.entries(() => true, c)).newestFailed(before)?.latest.id,
        );
    }
    await store.close();
  });

  it('reads a page’s records from their places, parsing no month', async () => {
    const { dir, expected } = await history();
    const store = await JobsStore.open(dir, () => {});
    const parse = vi.spyOn(store as unknown as { readShard: () => unknown }, 'readShard');
    expect(await pages(store)).toEqual(expected);
    expect(parse).not.toHaveBeenCalled();
    await store.close();
  });

  it('serves every job’s latest write while journals rotate and fold underneath', async () => {
    const dir = await newDir();
    const store = await JobsStore.open(dir, () => {});
    const latest = new Map<string, number>();
    for (let n = 0; n < 5000; n++) {
      const job = jobN(n % 300, { attempts: n });
      const writing = store.put(job);
      latest.set(job.id, n);
      // Reads of other jobs race the write (and the rotation and fold it may start).
      const id = jobN((n * 7) % 300).id;
      const before = latest.get(id);
      const read = store.get(id);
      await writing;
      const got = await read;
      // Never older than what was written before the read began.
      if (before !== undefined) expect(got?.attempts).toBeGreaterThanOrEqual(before);
      if (n % 97 === 0)
        for (const [jid, attempts] of latest)
          if (jid.endsWith('7')) expect((await store.get(jid))?.attempts).toBe(attempts);
    }
    await store.close();
    const again = await JobsStore.open(dir, () => {});
    for (const [jid, attempts] of latest) expect((await again.get(jid))?.attempts).toBe(attempts);
    await again.close();
  });

  it('pages and totals agree with filtering every entry by hand', async () => {
    const { dir } = await history();
    const store = await JobsStore.open(dir, () => {});
    const all = store.entries(() => true);
    const extra: JobListQuery[] = [
      { status: ['failed'], offset: 30, limit: 7 },
      { connectionId: 'cn_a', status: ['cancelled', 'running'], offset: 5, limit: 9 },
      { connectionId: 'cn_missing', limit: 5 },
    ];
    for (const q of [...QUERIES, ...extra]) {
      const want = all.filter(
        (e) =>
          (!q.connectionId || e.connectionId === q.connectionId) &&
          (!q.status || q.status.includes(e.status)) &&
          (!q.dataset || e.dataset === q.dataset) &&
          (!q.hourFrom || e.hour >= q.hourFrom) &&
          (!q.hourTo || e.hour <= q.hourTo),
      );
      const page = await store.list(q);
      const offset = q.offset ?? 0;
      expect(page.total).toBe(want.length);
      expect(page.items.map((j) => j.id)).toEqual(
        want.slice(offset, offset + (q.limit ?? 50)).map((e) => e.id),
      );
    }
    await store.close();
  });

  it('shows an hour tried again as one row: its latest job, which the filters then judge', async () => {
    const dir = await newDir();
    const store = await JobsStore.open(dir, () => {});
    // 300 jobs; every fifth hour tried again (failed, then failed or succeeded), later.
    for (let n = 0; n < 300; n++) await store.put(jobN(n));
    for (let n = 0; n < 300; n += 5)
      for (const [k, status] of (['failed', n % 10 ? 'failed' : 'succeeded'] as const).entries())
        await store.put(
          jobN(n, {
            id: `j_${String(n).padStart(6, '0')}_r${k}`,
            status,
            createdAt: new Date(Date.parse(jobN(n).createdAt) + (k + 1) * 60_000).toISOString(),
          }),
        );
    const all = store.entries(() => true); // newest first
    const seen = new Set<string>();
    const latest = all.filter((e) => {
      const key = `${e.connectionId}|${e.dataset}|${e.hour}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    expect(latest).toHaveLength(300);
    const queries: (JobListQuery & { limit: number })[] = [
      { limit: 100 },
      { limit: 20, offset: 40 },
      { status: ['failed'], limit: 100 },
      { status: ['succeeded'], connectionId: 'cn_b', limit: 100 },
      { dataset: 'merged-ids', hourFrom: '2026-01-20T00', limit: 100 },
    ];
    for (const q of queries) {
      const want = latest.filter(
        (e) =>
          (!q.connectionId || e.connectionId === q.connectionId) &&
          (!q.status || q.status.includes(e.status)) &&
          (!q.dataset || e.dataset === q.dataset) &&
          (!q.hourFrom || e.hour >= q.hourFrom),
      );
      const page = await store.list({ ...q, latestOnly: true });
      const offset = q.offset ?? 0;
      expect(page.total).toBe(want.length);
      expect(page.items.map((j) => j.id)).toEqual(
        want.slice(offset, offset + q.limit).map((e) => e.id),
      );
    }
    // A failed hour that later succeeded is not among the failed ones.
    const failed = await store.list({ status: ['failed'], latestOnly: true, limit: 100 });
    expect(failed.items.map((j) => j.id)).not.toContain('j_000000_r1');
    expect(failed.items.map((j) => j.id)).toContain('j_000005_r1');
    await store.close();
  });

  it('reads the index file the same in slices of any size', async () => {
    const { dir } = await history();
    const path = join(dir, 'jobs', 'index.bin');
    const read = async (slice?: number) => {
      const rows: string[] = [];
      const loaded = await loadIndex(path, (r) => rows.push(JSON.stringify(r)), slice);
      return { rows, records: loaded.records, stamps: [...loaded.stamps], good: loaded.goodLength };
    };
    const whole = await read();
    expect(whole.rows.length).toBeGreaterThanOrEqual(1200);
    for (const slice of [7, 64, 1000, 4096]) expect(await read(slice)).toEqual(whole);
  });
});
