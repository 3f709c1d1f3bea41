import { sql, type Kysely } from 'kysely';
import { setTimeout as wait } from 'node:timers/promises';
import { queueJobSuffix, type HourKey } from './leases';
import type { Database } from './schema';

/** What a worker made of a cancel (its export service's CancelOutcome). */
export type WorkerCancelAnswer = 'cancelled' | 'committing' | 'not-running';

/** The job a person cancels, or the queue job (an hour sent) a backfill's cancel stops. */
export type CancelTarget = { jobId: string } | { queueJob: string };

/** askWorkerToCancel with its database given. */
export type CancelOnWorker = (
  key: HourKey,
  target: CancelTarget,
  waitMs: number,
) => Promise<WorkerCancelAnswer | null>;

/** How often the serve looks for the worker's answer. */
const LOOK_MS = 200;

/**
 * Ask the worker that runs a job to cancel it (team mode), on the job's hour lease, and wait
 * for its answer — what its own export service made of the cancel: `cancelled`, `committing`
 * (too late: the hour is being made visible) or `not-running`. `not-running` at once when no
 * current attempt of the hour names the job; null when the worker did not answer in time (it
 * may be stopped or cut off: the queue then gives the hour to another, which closes the job).
 */
export async function askWorkerToCancel(
  db: Kysely<Database>,
  key: HourKey,
  target: CancelTarget,
  waitMs: number,
): Promise<WorkerCancelAnswer | null> {
  const suffix = 'queueJob' in target ? queueJobSuffix(target.queueJob) : '';
  const asked = await db
    .updateTable('ferry.hour_leases')
    .set({ cancel_asked_at: sql`now()`, cancel_answer: null })
    .where('connection_id', '=', key.connectionId)
    .where('hour', '=', key.hour)
    .where(
      'jobId' in target
        ? sql<boolean>`job_ids @> jsonb_build_array(${target.jobId}::text)`
        : sql<boolean>`right(holder, ${suffix.length}) = ${suffix}`,
    )
    .returning('attempt')
    .executeTakeFirst();
  if (!asked) return 'not-running';
  // A monotonic clock: a wall clock set back or forward does not change how long this waits.
  const deadline = performance.now() + waitMs;
  for (;;) {
    const row = await db
      .selectFrom('ferry.hour_leases')
      .select(['attempt', 'cancel_answer'])
      .where('connection_id', '=', key.connectionId)
      .where('hour', '=', key.hour)
      .executeTakeFirst();
    // Another worker took the hour since: the job asked about is not the one running.
    if (!row || String(row.attempt) !== String(asked.attempt)) return 'not-running';
    if (row.cancel_answer !== null) return row.cancel_answer as WorkerCancelAnswer;
    if (performance.now() >= deadline) return null;
    // The hour ended before its worker looked (a worker looks only while it runs the hour).
    if ('jobId' in target) {
      const job = await db
        .selectFrom('ferry.jobs')
        .select('status')
        .where('id', '=', target.jobId)
        .executeTakeFirst();
      if (job?.status !== 'running' && job?.status !== 'queued') return 'not-running';
    }
    await wait(LOOK_MS);
  }
}
