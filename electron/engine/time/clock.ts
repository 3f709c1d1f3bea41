/** What tells the engine the time: the system's, or a test's or the scaled clock's (timers.ts). */
export interface Clock {
  now(): Date;
}
