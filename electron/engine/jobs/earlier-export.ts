import type { Job } from '../../../shared/model/jobs';
import type { Dataset } from '../../../shared/model/fields';
import type { StoredObject } from '../sinks/types';
import type { HourJobsPort } from '../store/ports';

/**
 * How many records (events, merges) an earlier export of an hour holds, by the history: the
 * latest successful job of the connection's dataset and hour, when the objects the destination
 * lists are exactly the ones that job wrote (same keys, same sizes, same ETags where both are
 * known). Null when they are not — another writer, a hand edit, a lost history — because then
 * the history can not say what is there.
 */
export async function recordedCount(
  jobs: HourJobsPort,
  connectionId: string,
  dataset: Dataset,
  hour: string,
  listed: readonly StoredObject[],
): Promise<number | null> {
  const { items } = await jobs.list({
    connectionId,
    dataset,
    hourFrom: hour,
    hourTo: hour,
    status: ['succeeded'],
    limit: 1,
  });
  const latest = items[0];
  return latest && sameObjects(latest.objects, listed)
    ? latest.objects.reduce((sum, o) => sum + o.events, 0)
    : null;
}

/** Whether a job's objects are exactly the objects listed. */
export function sameObjects(written: Job['objects'], listed: readonly StoredObject[]): boolean {
  if (written.length !== listed.length) return false;
  const byKey = new Map(listed.map((o) => [o.key, o]));
  return written.every((w) => {
    const found = byKey.get(w.key);
    return (
      found !== undefined &&
      found.size === w.bytes &&
      (found.etag === null || w.etag === null || found.etag === w.etag)
    );
  });
}
