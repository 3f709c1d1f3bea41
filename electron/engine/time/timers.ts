import type { Clock } from './clock';

/**
 * Time for the scheduler: what time it is, and a way to be called back later. Tests pass a fake
 * one (test/support/fake-clock.ts) and move it forward, so no test ever waits for an hour.
 */
export interface Timers extends Clock {
  /** Call `run` after `ms`; returns a function that cancels it. */
  setTimer(run: () => void, ms: number): () => void;
}

/** The real clock. Timers are unref'd: a pending retry never keeps a finished process alive. */
export const systemTimers: Timers = {
  now: () => new Date(),
  setTimer(run, ms) {
    // Node timers are limited to about 24.8 days; longer waits are re-armed in steps.
    const MAX = 2 ** 31 - 1;
    let handle: NodeJS.Timeout;
    const arm = (left: number) => {
      handle = setTimeout(() => (left > MAX ? arm(left - MAX) : run()), Math.min(left, MAX));
      handle.unref();
    };
    arm(Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};

/** Wait `ms` on the given timers; resolves early (without throwing) when `signal` aborts. */
export function sleep(timers: Timers, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const cancel = timers.setTimer(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * A clock that starts at `start` and runs `scale` times faster than real time: `ferry run` and
 * `ferry serve` use it when FERRY_CLOCK_START / FERRY_CLOCK_SCALE are set, to watch (or test)
 * many scheduled hours in seconds. Never set on a real install.
 */
export function scaledTimers(start: string, scale: number): Timers {
  const origin = Date.parse(start);
  const realOrigin = Date.now();
  return {
    now: () => new Date(origin + (Date.now() - realOrigin) * scale),
    setTimer: (run, ms) => systemTimers.setTimer(run, ms / scale),
  };
}

/** The timers the environment asks for (see `scaledTimers`), else the real ones. */
export function timersFromEnv(env: NodeJS.ProcessEnv = process.env): Timers {
  const start = env.FERRY_CLOCK_START;
  if (!start) return systemTimers;
  const scale = Number(env.FERRY_CLOCK_SCALE ?? '1');
  if (Number.isNaN(Date.parse(start)) || !(scale > 0))
    throw new Error(
      `FERRY_CLOCK_START must be an ISO time and FERRY_CLOCK_SCALE a positive number (got "${start}", "${env.FERRY_CLOCK_SCALE}")`,
    );
  return scaledTimers(start, scale);
}
