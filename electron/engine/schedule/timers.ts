import type { Clock } from '../catalog';

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
