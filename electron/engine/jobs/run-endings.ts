import type { Dataset } from '../../../shared/model/fields';
import type { Job } from '../../../shared/model/jobs';
import type { Clock } from '../time/clock';
import type { JobError } from './errors';
import type { Run, TryState } from './run';

/**
 * Runs a stop cancelled while they waited to retry, by connection: still failing for what
 * this process says until it ends (the next start reads them from the history).
 */
export type StoppedRetrying = Map<
  string,
  { hour: string; dataset: Dataset; error: JobError; attempts: number }[]
>;

/** What the endings record with: the clock, the history write, the stopped-while-retrying list. */
interface EndingDeps {
  clock: Clock;
  record(jobs: Job[]): Promise<Job[]>;
  stoppedRetrying: StoppedRetrying;
}

/** The run that ends, its jobs as they stand now, when it started, and its try's state. */
interface EndingOf {
  run: Run;
  current: () => Job[];
  started: Date;
  state: TryState;
}

/** How a run ends: its current jobs recorded finished, failed or cancelled. */
export function runEndings(service: EndingDeps, of: EndingOf) {
  const { clock, stoppedRetrying } = service;
  const { run, current, started, state } = of;
  const finish = (status: Job['status'], changes: (job: Job) => Partial<Job>) => {
    const now = clock.now();
    return service.record(
      current().map((job) => ({
        ...job,
        status,
        retryAt: null,
        ...changes(job),
        finishedAt: now.toISOString(),
        durationMs: now.getTime() - started.getTime(),
      })),
    );
  };
  /** Said on a run that ends while its hour is part-way visible. */
  const unfinished = (job: Job) =>
    state.pending
      ? [
          ...job.notes,
          'The hour was already being made visible; Ferry finishes that before it exports another hour of this connection, and at its next start.',
        ]
      : job.notes;
  const cancelled = () => {
    const reason = run.reason ?? 'shutdown';
    // A stop keeps where the run stood: the tries that ended (not one it cut short) and the
    // error of the last, so a restart goes on counting and says the same until it tries again.
    const last = reason === 'shutdown' ? run.retryingAfter : null;
    if (last) {
      const stopped = stoppedRetrying.get(run.connectionId) ?? [];
      stoppedRetrying.set(run.connectionId, [...stopped, { hour: run.hour, ...last }]);
    }
    return finish('cancelled', (job) => ({
      error: last?.error ?? null,
      attempts: last ? last.attempts : job.attempts,
      // Stopped while waiting: when its next try was due, for the run at the next start.
      retryAt: last ? job.retryAt : null,
      cancelledBy: reason,
      notes: unfinished(job),
    }));
  };
  return { finish, unfinished, cancelled };
}
