import type { Dataset } from '../../../shared/model/fields';
import type { IndexEntry } from './job-index';

/** The latest job of each (dataset, hour) of one connection, and whether any run succeeded. */
export interface HourRecord {
  latest: Readonly<IndexEntry>;
  succeeded: boolean;
}

/** A connection's history folded per (dataset, hour): what the schedule plans from. */
export interface HourRecords {
  get(dataset: Dataset, hour: string): HourRecord | undefined;
  /** Every (dataset, hour) with a job, newest hour first. */
  all(): Iterable<HourRecord>;
  /** The newest (dataset, hour) before `before` whose latest job failed and none succeeded. */
  newestFailed(before: string): HourRecord | undefined;
}

/**
 * Fold a connection's history (newest first, as the job index keeps it) into one record per
 * `dataset|hour`: its latest job, and whether any job of it succeeded. (The job store answers
 * the same from its index columns, without entries: `JobsStore.hourRecords`.)
 */
export function hourRecords(entries: readonly Readonly<IndexEntry>[]): HourRecords {
  const records = new Map<string, HourRecord>();
  for (const e of entries) {
    const key = `${e.dataset}|${e.hour}`;
    const record = records.get(key);
    if (!record) records.set(key, { latest: e, succeeded: e.status === 'succeeded' });
    else if (e.status === 'succeeded') record.succeeded = true;
  }
  const all = () =>
    [...records.values()].sort((a, b) =>
      a.latest.hour === b.latest.hour ? 0 : a.latest.hour < b.latest.hour ? 1 : -1,
    );
  return {
    get: (dataset, hour) => records.get(`${dataset}|${hour}`),
    all,
    newestFailed: (before) =>
      all().find((r) => r.latest.hour < before && !r.succeeded && r.latest.status === 'failed'),
  };
}
