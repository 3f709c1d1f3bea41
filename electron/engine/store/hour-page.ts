import type { Job, JobListQuery } from '../../../shared/model/jobs';

/** A query's page of one hour's tries, as `JobIndex.page` cuts it from the whole history. */
export function pageOfHour(
  tries: readonly Job[],
  q: Pick<JobListQuery, 'status' | 'dataset' | 'latestOnly'> & { offset: number; limit: number },
): { items: Job[]; total: number } {
  // Newest first; a tie in time keeps the order given (the order they were stored, reversed).
  const newest = [...tries].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  const statuses = q.status?.length ? new Set(q.status) : null;
  const latest = new Set<string>();
  const matching = newest.filter((job) => {
    if (q.latestOnly) {
      // The latest try of each dataset, then the filters (a retried failure is not "failed").
      if (latest.has(job.dataset)) return false;
      latest.add(job.dataset);
    }
    return (!statuses || statuses.has(job.status)) && (!q.dataset || job.dataset === q.dataset);
  });
  return { items: matching.slice(q.offset, q.offset + q.limit), total: matching.length };
}
