import type { Dataset } from '../../../shared/model/fields';
import { hourIndex } from '../../../shared/model/export-format';
import { DATASETS } from '../../../shared/model/fields';
import type { IndexEntry, JobIndex } from './job-index';

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
 * the same from its index columns, without entries: `hourRecordsOfIndex` below.)
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

/** The same fold, answered from the job index's columns in one pass (what the job store uses). */
export function hourRecordsOfIndex(index: JobIndex, connectionId: string): HourRecords {
  const span = index.hourSpan(connectionId);
  const slots = span
    ? index.slots(connectionId, span.from, span.to)
    : index.slots(connectionId, 0, -1);
  const hours = slots.to - slots.from + 1;
  const at = (cell: number): HourRecord | undefined =>
    slots.latest[cell]! < 0
      ? undefined
      : { latest: index.entryAt(slots.latest[cell]!), succeeded: slots.succeeded[cell] === 1 };
  return {
    get(dataset, hour) {
      const h = hourIndex(hour) - slots.from;
      if (h < 0 || h >= hours) return undefined;
      return at(DATASETS.indexOf(dataset) * hours + h);
    },
    *all() {
      for (let h = hours - 1; h >= 0; h--)
        for (let d = 0; d < DATASETS.length; d++) {
          const record = at(d * hours + h);
          if (record) yield record;
        }
    },
    newestFailed(before) {
      // Only cells with a job and no success are looked at: few, in a healthy history.
      for (let h = Math.min(hours, hourIndex(before) - slots.from) - 1; h >= 0; h--)
        for (let d = 0; d < DATASETS.length; d++) {
          const cell = d * hours + h;
          if (slots.latest[cell]! < 0 || slots.succeeded[cell] === 1) continue;
          const record = at(cell)!;
          if (record.latest.status === 'failed') return record;
        }
      return undefined;
    },
  };
}
