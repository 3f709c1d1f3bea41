import type { Connection } from '../../../shared/model/entities';
import type { Job } from '../../../shared/model/jobs';
import type { JobError } from '../jobs/errors';
import type { ExportService } from '../jobs/export-service';
import type { Notifier } from '../notify/notifier';

/**
 * What an ended run of an hour leaves behind: the error of each failed hour (so a status names
 * its cause) or its removal once the hour succeeded, and the failure or recovery notification —
 * none for a manual export that did not succeed (the person who asked sees it).
 */
export async function afterRun(
  deps: { exports: ExportService; notifier: Notifier; log?(error: unknown): void },
  errors: Map<string, JobError>,
  connection: Connection,
  jobs: Job[],
): Promise<void> {
  for (const j of jobs) {
    const key = `${j.connectionId}|${j.dataset}|${j.hour}`;
    if (j.status === 'failed' && j.error) errors.set(key, j.error);
    else if (j.status === 'succeeded') errors.delete(key);
  }
  const job = jobs.find((j) => j.status === 'failed') ?? jobs[0];
  if (!job) return;
  if (job.trigger === 'manual' && job.status !== 'succeeded') return;
  let resolved;
  try {
    resolved = deps.exports.resolve(connection.id);
  } catch {
    return;
  }
  const subject = { ...resolved, job };
  try {
    if (job.status === 'failed')
      await deps.notifier.failure(subject, { stopped: job.error?.kind === 'access' });
    else if (job.status === 'succeeded') await deps.notifier.recovery(subject);
  } catch (error) {
    deps.log?.(error);
  }
}
