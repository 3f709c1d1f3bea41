import { utcTime } from '../format';
import type { Destination, Project } from './entities';
import type { CancelReason, Job } from './jobs';

/** A destination as a person reads it: `s3://bucket/prefix` or the folder path. */
export function describeDestination(destination: Destination): string {
  if (destination.type === 'folder') return destination.path;
  return `s3://${destination.bucket}/${destination.prefix}`;
}

/**
 * Where a change of destination moves a connection's exports — another bucket, prefix,
 * S3-compatible store or folder — with both places named (the store only where the move changes
 * it); null when the files go where they went.
 */
export function destinationMove(
  before: Destination,
  after: Destination,
): { from: string; to: string } | null {
  if (placeOf(before) === placeOf(after)) return null;
  const store = storeOf(before) !== storeOf(after);
  return { from: placeText(before, store), to: placeText(after, store) };
}

/** Where a destination's files go, as one comparable string. */
function placeOf(dest: Destination): string {
  return dest.type === 'folder'
    ? `folder ${dest.path}`
    : `${storeOf(dest)} ${dest.bucket} ${dest.prefix}`;
}

/** The S3 store of a destination: AWS, or an S3-compatible endpoint (none for a folder). */
function storeOf(dest: Destination): string | null {
  return dest.type === 's3' ? (dest.endpoint ?? 'AWS') : null;
}

/** A destination as a move names it (with its store, where asked). */
function placeText(dest: Destination, store: boolean): string {
  const where = describeDestination(dest);
  return store && dest.type === 's3' && dest.endpoint ? `${where} on ${dest.endpoint}` : where;
}

/**
 * What moving a connection's exports does, as the console and the CLI say it: nothing already
 * exported goes along.
 */
export function moveConsequences(move: { from: string; to: string }): string {
  return `Hours exported so far stay in ${move.from}, and the job history still counts them as exported. From now on, Ferry exports to ${move.to}; to have earlier hours there too, backfill them.`;
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
