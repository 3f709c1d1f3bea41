import { FerryError } from '../../../shared/api/errors';
import type { PushEvent } from '../../../shared/api/events';
import type { Dataset } from '../../../shared/model/fields';
import type { Job } from '../../../shared/model/jobs';
import type { RunOptions, Trigger } from '../jobs/export-service';
import type { PgJobHistory } from '../store/postgres/jobs';
import { setTimeout as wait } from 'node:timers/promises';
import type { HourQueue } from './hour-queue';

/** Queue priorities, as the laptop's queue has them: a person waiting first, backfills last. */
const PRIORITY: Record<Trigger, number> = { manual: 3, scheduled: 2, backfill: 1 };
/** How often a serve asks the queue whether a sent hour has ended. */
const POLL_MS = 1_000;

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
      throw new FerryError('conflict', `${hour} is queued or being exported by a worker right now`);
    const cancel = () => void queue.cancel(id).catch((error: unknown) => this.deps.log?.(error));
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

  /** Stop waiting for sent hours (they go on in the queue). */
  stop(): void {
    this.stopping.abort();
  }

  /** Learn the jobs workers wrote since the last look. */
  readonly catchUp = async (): Promise<void> => {
    await this.deps.jobs.catchUp();
  };
}
