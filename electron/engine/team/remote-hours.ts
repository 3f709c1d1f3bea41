import { hourText } from '../../../shared/model/hours';
import { FerryError } from '../../../shared/api/errors';
import type { PushEvent } from '../../../shared/api/events';
import type { Dataset } from '../../../shared/model/fields';
import type { Job } from '../../../shared/model/jobs';
import type { RunOptions, Trigger } from '../jobs/export-service';
import type { CancelOutcome } from '../jobs/run';
import type { PgJobHistory } from '../store/postgres/jobs';
import { setTimeout as wait } from 'node:timers/promises';
import type { CancelOnWorker } from '../store/postgres/hour-cancel';
import type { HourKey } from '../store/postgres/leases';
import type { HourQueue } from './hour-queue';

/** Queue priorities, as the laptop's queue has them: a person waiting first, backfills last. */
const PRIORITY: Record<Trigger, number> = { manual: 3, scheduled: 2, backfill: 1 };
/** How often a serve asks the queue whether a sent hour has ended. */
const POLL_MS = 1_000;
/** How long the serve waits for a worker to answer a cancel. */
const CANCEL_ANSWER_MS = 10_000;
/** A queue job's states once it has ended. */
const ENDED = new Set(['completed', 'failed', 'cancelled']);

/**
 * The serve's side of team mode's workers: an hour its schedule (or a person, or a backfill)
 * wants exported is sent to the queue, and its flight waits until a worker has ended it; then the
 * hour's jobs are read from PostgreSQL, taken into the schedule's index and pushed to the
 * consoles, as if this process had run them.
 */
export class RemoteHours {
  private readonly stopping = new AbortController();

  constructor(
    private readonly deps: {
      queue: HourQueue;
      jobs: PgJobHistory;
      emit(event: PushEvent): void;
      log?(error: unknown): void;
      /** Ask the worker that runs an hour to cancel it (on the hour's lease). */
      cancelOnWorker?: CancelOnWorker | null;
    },
  ) {}

  readonly run = async (
    connectionId: string,
    hour: string,
    datasets: Dataset[],
    trigger: Trigger,
    options: RunOptions,
  ): Promise<Job[]> => {
    const { queue } = this.deps;
    // Already in the queue (sent before this serve restarted, or by another way): its outcome
    // is this run's.
    const id =
      (await queue.send(
        { connectionId, hour, datasets, trigger, notes: options.notes ?? [] },
        PRIORITY[trigger],
      )) ?? (await queue.open(connectionId, hour));
    if (!id)
      throw new FerryError(
        'conflict',
        `${hourText(hour)} is queued or being exported by a worker right now`,
      );
    const cancel = () =>
      void this.cancel(id, { connectionId, hour }).catch((error: unknown) =>
        this.deps.log?.(error),
      );
    options.signal?.addEventListener('abort', cancel, { once: true });
    try {
      for (;;) {
        const now = await queue.state(id);
        if (!now || now.state === 'cancelled') return [];
        if (now.state === 'failed') {
          this.deps.log?.(new Error(`The queue gave up on ${hour} of ${connectionId}`));
          return [];
        }
        if (now.state === 'completed') {
          const jobs = await this.deps.jobs.learn(now.output?.jobIds ?? []);
          for (const job of jobs) this.deps.emit({ type: 'job.updated', job });
          return jobs;
        }
        // Stopping: the hour goes on in the queue; the next start learns how it ended.
        if (this.stopping.signal.aborted) return [];
        await wait(POLL_MS, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    } finally {
      options.signal?.removeEventListener('abort', cancel);
    }
  };

  /**
   * A person cancels a job a worker runs: that worker is asked on the hour's lease, and its
   * answer is this one. A worker that does not answer in time is refused with what happens next.
   */
  readonly cancelJob = async (
    job: Pick<Job, 'id' | 'connectionId' | 'hour'>,
  ): Promise<CancelOutcome> => {
    const answer = await this.deps.cancelOnWorker?.(job, { jobId: job.id }, CANCEL_ANSWER_MS);
    if (answer === undefined) return 'not-running';
    if (answer === null)
      throw new FerryError(
        'conflict',
        `Asked the worker running job ${job.id} to cancel it, and it has not answered in ${CANCEL_ANSWER_MS / 1000} s: it may be stopped or cut off. If it is, the queue gives ${hourText(job.hour)} to another worker once its heartbeat lapses, and that one closes this job. Look again in a minute.`,
      );
    return answer;
  };

  /**
   * Cancel a sent hour (its backfill was cancelled): taken back from the queue while it waits
   * there; while a worker runs it, that worker is asked to cancel it (on the hour's lease) and
   * ends it itself — cancelled, or whole if it was already being made visible — so the run
   * still learns how the hour ended. Until the worker has claimed the hour, asked again.
   */
  private async cancel(id: string, key: HourKey): Promise<void> {
    const { queue, cancelOnWorker } = this.deps;
    for (;;) {
      const now = await queue.state(id);
      if (!now || ENDED.has(now.state)) return;
      if (now.state !== 'active' || !cancelOnWorker) return queue.cancel(id);
      const answer = await cancelOnWorker(key, { queueJob: id }, 0);
      if (answer !== 'not-running' || this.stopping.signal.aborted) return;
      await wait(POLL_MS, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }

  /** Stop waiting for sent hours (they go on in the queue). */
  stop(): void {
    this.stopping.abort();
  }

  /** Learn the jobs workers wrote since the last look. */
  readonly catchUp = async (): Promise<void> => {
    await this.deps.jobs.catchUp();
  };
}
