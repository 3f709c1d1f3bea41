import type { PushEvent } from '../../../shared/api/events';
import type { Job } from '../../../shared/model/jobs';
import type { Dataset } from '../../../shared/model/fields';
import type { ExportService, RunOptions, Trigger } from '../jobs/export-service';
import type { ScheduleRetryOptions } from '../jobs/retry';
import type { CancelOutcome } from '../jobs/run';
import type { Notifier } from '../notify/notifier';
import type { ConfigPort, JobHistoryPort } from '../store/ports';
import type { Timers } from '../time/timers';

/** What the schedule (Scheduler) works with: the engine's parts it is given at start. */
export interface SchedulerDeps {
  config: ConfigPort;
  jobs: JobHistoryPort;
  exports: ExportService;
  notifier: Notifier;
  timers: Timers;
  emit(event: PushEvent): void;
  log?(error: unknown): void;
  /** Exports running at once across all connections (default: the setting, else 2). */
  concurrency?: number;
  /** Backoff timing (tests shorten it and fix the jitter). */
  retry?: Partial<Omit<ScheduleRetryOptions, 'accessTries'>>;
  /**
   * Where hours run when not in this process (team mode's workers): the queue keeps them across
   * a restart of this one, so a start re-runs nothing itself. Default: `exports.runHour`.
   */
  elsewhere?: {
    run: HourRunner;
    /** Learn what the others wrote since (before each look at the schedule). */
    catchUp(): Promise<void>;
    /**
     * The hours of a connection in the queue (waiting or running), not ended: their uploads
     * are a worker's, so the sweep at start leaves them alone.
     */
    openHours?(connectionId: string): Promise<readonly string[]>;
    /** Ask the process running a job to cancel it, and its answer. */
    cancel?(job: Pick<Job, 'id' | 'connectionId' | 'hour'>): Promise<CancelOutcome>;
  };
}

/** Runs one hour of a connection and resolves with its jobs (see ExportService.runHour). */
export type HourRunner = (
  connectionId: string,
  hour: string,
  datasets: Dataset[],
  trigger: Trigger,
  options: RunOptions,
) => Promise<Job[]>;
