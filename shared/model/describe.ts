import { utcTime } from '../format';
import type { Destination, Project } from './entities';
import type { CancelReason, Job } from './jobs';

/** A destination as a person reads it: `s3://bucket/prefix` or the folder path. */
export function describeDestination(destination: Destination): string {
  if (destination.type === 'folder') return destination.path;
  return `s3://${destination.bucket}/${destination.prefix}`;
}

/** Why a job was cancelled, as the console and the CLI both say it. */
export const CANCELLED_BECAUSE: Record<CancelReason, string> = {
  admin: 'Cancelled: nothing of this run is in the destination.',
  shutdown:
    'Ferry stopped while it ran: nothing of this run is in the destination, and it runs again when the schedule next starts.',
  deleted: 'Its connection was deleted.',
};

/**
 * What a job is waiting for or why it ended early, in a sentence, or null: a cancelled job's
 * reason, or when a job waiting after a failed try tries again.
 */
export function jobCircumstance(job: Job): string | null {
  if (job.status === 'cancelled') return CANCELLED_BECAUSE[job.cancelledBy ?? 'admin'];
  if (job.status === 'queued' && job.retryAt)
    return `Try ${job.attempts} failed; it tries again at ${utcTime(job.retryAt)}.`;
  return null;
}

/** Where a project's events come from, as the console and the CLI both say it. */
export function describeSource(project: Pick<Project, 'kind' | 'source'>): string {
  if (project.kind === 'portfolio') return 'Portfolio (combines projects; not exported itself)';
  const source = project.source;
  if (source.type === 'files') return `Files: ${source.path}`;
  if (source.type === 'amplitude') return `Amplitude (${source.region.toUpperCase()} data center)`;
  return `Demo data (${source.eventsPerHour.toLocaleString('en-US')} events an hour)`;
}
