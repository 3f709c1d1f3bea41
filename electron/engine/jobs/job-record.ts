import { randomBytes } from 'node:crypto';
import type { Job } from '../../../shared/model/jobs';
import type { Dataset } from '../../../shared/model/fields';

/** A new job, `running` from `started`, before its first try. */
export function newJob(
  connectionId: string,
  dataset: Dataset,
  hour: string,
  trigger: Job['trigger'],
  started: Date,
  notes: string[],
): Job {
  return {
    id: newJobId(started),
    connectionId,
    dataset,
    hour,
    trigger,
    status: 'running',
    attempts: 0,
    createdAt: started.toISOString(),
    updatedAt: started.toISOString(),
    startedAt: started.toISOString(),
    finishedAt: null,
    durationMs: null,
    counts: null,
    bytes: null,
    objects: [],
    queryObjects: [],
    writtenTo: null,
    removed: [],
    notes: [...notes],
    error: null,
    retryAt: null,
    cancelledBy: null,
  };
}

/** Time-ordered job ids: `j_<time base36>_<random>`. */
export function newJobId(now: Date): string {
  return `j_${now.getTime().toString(36).padStart(9, '0')}_${randomBytes(4).toString('hex')}`;
}

/** A job record with the ETag each of its objects got when it was made visible. */
export function withEtags(job: Job, etags: Map<string, string | null>): Job {
  const tagged = (o: Job['objects'][number]) => ({ ...o, etag: etags.get(o.key) ?? null });
  return { ...job, objects: job.objects.map(tagged), queryObjects: job.queryObjects.map(tagged) };
}

/** A job a stop, a kill or a silent worker cut off, closed as cancelled by a shutdown, with why. */
export function closedByShutdown(job: Job, now: string, note: string): Job {
  return {
    ...job,
    status: 'cancelled',
    cancelledBy: 'shutdown',
    updatedAt: now,
    finishedAt: now,
    notes: [...job.notes, note],
  };
}
