import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pageOfHour } from '../../../../electron/engine/store/hour-page';
import { rowOf } from '../../../../electron/engine/store/index-row';
import { indexFilterOf, JobIndex } from '../../../../electron/engine/store/job-index';
import { JOB_STATUSES, type Job } from '../../../../shared/model/jobs';
import { jobRecord } from '../../../support/jobs';

const HOUR = '2026-03-04T05';

/** Tries of an hour and its neighbours; few creation times, so ties are common. */
const tries = fc.array(
  fc.record({
    connectionId: fc.constantFrom('cn_a', 'cn_b'),
    hour: fc.constantFrom(HOUR, HOUR, HOUR, '2026-03-04T04', '2026-03-04T06'),
    dataset: fc.constantFrom('events' as const, 'merged-ids' as const),
    status: fc.constantFrom(...JOB_STATUSES),
    minute: fc.integer({ min: 0, max: 4 }),
  }),
  { maxLength: 40 },
);

const query = fc.record({
  status: fc.option(fc.subarray([...JOB_STATUSES], { minLength: 1 }), { nil: undefined }),
  dataset: fc.option(fc.constantFrom('events' as const, 'merged-ids' as const), { nil: undefined }),
  latestOnly: fc.boolean(),
  offset: fc.integer({ min: 0, max: 6 }),
  limit: fc.integer({ min: 1, max: 8 }),
});

describe('a page of one hour (a worker, which keeps no index)', () => {
  it('is the page the whole history index cuts for that hour and connection', () => {
    fc.assert(
      fc.property(tries, query, (made, q) => {
        // In the order they were stored (a table's seq; the index's row order).
        const jobs: Job[] = made.map((t, i) =>
          jobRecord({
            id: `jb_${String(i).padStart(3, '0')}`,
            connectionId: t.connectionId,
            hour: t.hour,
            dataset: t.dataset,
            status: t.status,
            createdAt: `${t.hour}:${String(10 + t.minute).padStart(2, '0')}:00.000Z`,
          }),
        );
        const index = new JobIndex();
        for (const job of jobs) index.set(rowOf(job));
        const whole = index.page(
          indexFilterOf({ ...q, connectionId: 'cn_a', hourFrom: HOUR, hourTo: HOUR }),
          q.offset,
          q.limit,
        );
        // As the table gives them: the hour's rows of the connection, newest first, then by seq.
        const rows = jobs
          .map((job, seq) => ({ job, seq }))
          .filter(({ job }) => job.connectionId === 'cn_a' && job.hour === HOUR)
          .sort((a, b) => b.job.createdAt.localeCompare(a.job.createdAt) || b.seq - a.seq)
          .map(({ job }) => job);
        const mine = pageOfHour(rows, q);
        expect(mine.items.map((j) => j.id)).toEqual(whole.rows.map((r) => index.entryAt(r).id));
        expect(mine.total).toBe(whole.total);
      }),
      { numRuns: 500 },
    );
  });
});
