import type { JobError } from './errors';

/**
 * When to try a failed export again: the delay before the next try, or null to give up.
 * `attempt` is the number of tries made so far (1 after the first failure).
 */
export type RetryPolicy = (problem: JobError, attempt: number, elapsedMs: number) => number | null;

export interface ScheduleRetryOptions {
  /** Tries of an access error before the hour fails and the connection stops (default 5). */
  accessTries: number;
  /** First delay after a transient failure (doubled each try, up to `maxDelayMs`). */
  transientBaseMs?: number;
  maxDelayMs?: number;
  /** How long transient failures of one hour keep being retried (default: one hour). */
  budgetMs?: number;
  /** First delay after an access failure; 4 min doubling gives 5 tries over about an hour. */
  accessBaseMs?: number;
  /** 0..1, for jitter; tests pass a fixed one. */
  random?: () => number;
}

const MINUTE = 60_000;

/**
 * The scheduler's policy: exponential backoff with jitter. Transient errors (throttling, 5xx,
 * network) keep being retried while the hour's budget lasts; access errors a few times (the admin
 * may be fixing a policy right now), then the hour fails; source and settings errors at once.
 *
 * A damaged download (`corrupt`) is tried once more: it may have been damaged on the way.
 *
 * Jitter is "equal jitter": half the delay fixed, half random, so connections that failed
 * together do not all come back at the same second, and a delay is never below half its step.
 */
export function scheduleRetryPolicy(options: ScheduleRetryOptions): RetryPolicy {
  const random = options.random ?? Math.random;
  const transientBase = options.transientBaseMs ?? 30_000;
  const maxDelay = options.maxDelayMs ?? 10 * MINUTE;
  const budget = options.budgetMs ?? 60 * MINUTE;
  const accessBase = options.accessBaseMs ?? 4 * MINUTE;
  const jitter = (ms: number) => Math.round(ms / 2 + (random() * ms) / 2);
  return (problem, attempt, elapsedMs) => {
    if (problem.code === 'corrupt') return attempt < 2 ? jitter(transientBase) : null;
    if (problem.kind === 'transient') {
      const delay = jitter(Math.min(transientBase * 2 ** (attempt - 1), maxDelay));
      return elapsedMs + delay <= budget ? delay : null;
    }
    if (problem.kind === 'access') {
      if (attempt >= options.accessTries) return null;
      return jitter(Math.min(accessBase * 2 ** (attempt - 1), 4 * maxDelay));
    }
    return null;
  };
}

/** A few quick retries of transient errors (and one of a damaged download), nothing else. */
export function quickRetryPolicy(attempts: number, baseMs: number): RetryPolicy {
  return (problem, attempt) =>
    (problem.kind === 'transient' || (problem.code === 'corrupt' && attempt < 2)) &&
    attempt < attempts
      ? baseMs * 2 ** (attempt - 1)
      : null;
}
