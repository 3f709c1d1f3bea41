import type { Connection } from '../../../shared/model/entities';
import type { JobError } from '../jobs/errors';
import type { Plan } from './plan';
import type { ExportService } from '../jobs/export-service';
import type { JobHistoryPort } from '../store/ports';

/** Jobs waiting to retry read in full for one status (it names one of them): the newest 20. */
const MAX_RETRYING_READ = 20;

type Retrying = ReturnType<ExportService['retrying']>;

/**
 * What this process may not hold in memory, from the history: the error of the failed hour
 * the status names, and — when this process runs none of the connection's retries — the
 * hours whose latest job waits to retry (another process runs them, or will at its start).
 */
export async function fromHistory(
  deps: { exports: ExportService; jobs: JobHistoryPort },
  errors: Map<string, JobError>,
  connection: Connection,
  plan: Plan,
): Promise<Retrying> {
  // An hour whose commit did not finish: the error its run gave up with, when it did.
  const [half] = deps.exports.incompleteCommits(connection.id);
  if (half) {
    const key = `${connection.id}|${half.job.dataset}|${half.hour}`;
    const job = errors.has(key) ? null : await deps.jobs.get(half.job.id);
    if (job?.status === 'failed' && job.error) errors.set(key, job.error);
  }
  const failed = plan.failedHours[0] ?? plan.newestFailure;
  const key = failed && `${connection.id}|${failed.dataset}|${failed.hour}`;
  if (failed && key && !errors.has(key)) {
    const job = await deps.jobs.get(failed.entry.id);
    if (job?.status === 'failed' && job.error) errors.set(key, job.error);
  }
  const live = deps.exports.retrying(connection.id);
  if (live.length > 0) return live;
  // Waiting to retry, or stopped while it waited (a stop or a kill: it runs again at the next
  // start) — as long as it is its hour's latest job.
  const records = deps.jobs.hourRecords(connection.id);
  const waiting = deps.jobs.entries(
    (e) =>
      e.errorKind !== null &&
      (e.status === 'queued' || (e.status === 'cancelled' && e.cancelledBy === 'shutdown')) &&
      records.get(e.dataset, e.hour)?.latest.id === e.id,
    connection.id,
  );
  const out = [];
  for (const entry of waiting.slice(0, MAX_RETRYING_READ)) {
    const job = await deps.jobs.get(entry.id);
    if ((job?.status === 'queued' || job?.status === 'cancelled') && job.error)
      out.push({
        hour: job.hour,
        dataset: job.dataset,
        error: job.error,
        attempts: job.attempts,
      });
  }
  return out.sort((a, b) => a.hour.localeCompare(b.hour));
}
