import { FerryError } from '../../shared/api/errors';
import type { PushEvent } from '../../shared/api/events';
import { jobEnded, type Job } from '../../shared/model/jobs';
import type { EngineClient } from './engine-client';

/** Exit codes of a command a signal ended (the shell's 128 + signal number convention). */
export const EXIT_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof EXIT_SIGNAL;

export interface FollowHooks {
  /** Whether a job update belongs to the command. */
  mine(job: Job): boolean;
  /** A job of ours changed (started, waits to retry, ended). */
  onJob(job: Job): void;
  /** Any other push event (progress, a backfill's counters). */
  onEvent?(event: PushEvent): void;
  /** True once everything the command waits for has ended. */
  isDone(): boolean;
  /** A stop signal: cancel (Ctrl-C) or stop (SIGTERM) what runs; the jobs running are given. */
  onSignal(signal: StopSignal, running: Job[]): Promise<void>;
}

/**
 * Follow what a command started through the API until it has ended — retries included — with
 * the process kept alive meanwhile: the engine's timers never hold a process open by themselves,
 * so without this a retry's wait would let the command exit 0 with the hour unexported.
 *
 * Ctrl-C or SIGTERM goes to `onSignal`; the wait then goes on until what ran has ended (as
 * cancelled), so nothing is left half-written when the command returns. Resolves with the signal
 * that ended it, or null; rejects with the reason when Ferry reports it can not go on (an error
 * notice: its history can not be written, or its data folder was taken over).
 */
export function followJobs(
  engine: EngineClient,
  hooks: FollowHooks,
  start: () => Promise<void>,
): Promise<StopSignal | null> {
  return new Promise<StopSignal | null>((resolve, reject) => {
    let fatal: string | null = null;
    const running = new Map<string, Job>();
    let stoppedBy: StopSignal | null = null;
    let started = false;
    let settled = false;
    const keepAlive = setInterval(() => {}, 1 << 30);
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      clearInterval(keepAlive);
      unsubscribe();
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (error) reject(error);
      else if (fatal) reject(new FerryError('internal', fatal));
      else resolve(stoppedBy);
    };
    const check = () => {
      if (started && hooks.isDone()) finish();
    };
    const unsubscribe = engine.subscribe((event) => {
      if (event.type === 'job.updated' && hooks.mine(event.job)) {
        if (jobEnded(event.job.status)) running.delete(event.job.id);
        else running.set(event.job.id, event.job);
        hooks.onJob(event.job);
      } else if (event.type === 'notice' && event.notice.level === 'error') {
        // Ferry itself can not go on (its history can not be written, its lock was taken):
        // waiting longer would wait forever.
        fatal = event.notice.message;
        finish();
        return;
      } else hooks.onEvent?.(event);
      check();
    });
    const stop = (signal: StopSignal) => {
      if (stoppedBy) return;
      stoppedBy = signal;
      // SIGTERM stops this process. What a running Ferry runs for it goes on there (it is that
      // Ferry's to stop): nothing here is left to wait for.
      const letGo = signal === 'SIGTERM' && engine.via !== null;
      hooks.onSignal(signal, [...running.values()]).then(letGo ? () => finish() : check, finish);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    // Listening before starting: a running Ferry's stream is open before the first call.
    engine
      .opened()
      .then(start)
      .then(() => {
        started = true;
        check();
      }, finish);
  });
}

/** "30 s", "4 min", "1 h 5 min": how long until a retry, for a person. */
export function inWords(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 90) return `${min} min`;
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}

/** The retry line of a job waiting to try again: `retrying in 30 s: …`. */
export function retryLine(job: Job): string | null {
  if (job.status !== 'queued' || !job.error || !job.retryAt) return null;
  const wait = Date.parse(job.retryAt) - Date.parse(job.updatedAt);
  return `${job.hour} ${job.dataset} try ${job.attempts} failed; retrying in ${inWords(wait)}: ${job.error.message}\n`;
}
