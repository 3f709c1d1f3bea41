import type { JobError } from '../jobs/errors';
import { FerryError } from '../../../shared/api/errors';
import { type Connection } from '../../../shared/model/entities';
import { appSettings } from '../../../shared/model/settings';
import { type Job } from '../../../shared/model/jobs';
import type { Dataset } from '../../../shared/model/fields';
import { hourText, notEndedProblem } from '../../../shared/model/hours';
import { hourIndex } from '../../../shared/model/export-format';
import type { ConnectionStatus } from '../../../shared/model/schedule';
import type { RunOptions, Trigger } from '../jobs/export-service';
import { checkDatasets, type CancelOutcome } from '../jobs/run';
import { Backfills } from './backfills';
import { byHour, latestDueHour, planConnection, type Plan } from './plan';
import { ExportQueue, type Flight } from './queue';
import { failedHours, recoverInterrupted } from './recovery';
import { fromHistory } from './status-history';
import { scheduleRetryPolicy } from '../jobs/retry';
import { hourStats } from './stats';
import { afterRun } from './after-run';
import { connectionStatus } from './status';
import { sleep } from '../time/timers';
import type { HourRunner, SchedulerDeps } from './scheduler-deps';

export type { HourRunner, SchedulerDeps } from './scheduler-deps';

/** Queue priorities: a person waiting first, then the hourly schedule, then backfills. */
const PRIORITY = { manual: 3, scheduled: 2, backfill: 1 } as const;
/** Hours a serve keeps sent to its workers' queue at once (each flight only waits there). */
const HOURS_SENT_AT_ONCE = 64;
/** The schedule looks again at least this often, even with nothing due. */
const RECHECK_MS = 15 * 60_000;

/**
 * The hourly schedule: every enabled connection's hours are exported after they settle, missed
 * hours are caught up within the lookback, failures are retried and then reported, backfills
 * share the queue at a lower priority. All timing comes from `timers`, so tests move a fake
 * clock.
 *
 * The pieces live beside it: the queue (`queue.ts`), what is due (`plan.ts`), how a connection
 * is doing (`status.ts`), backfills (`backfills.ts`), retries (`retry.ts`) and what a stop left
 * behind (`recovery.ts`); this class ties them to the engine's clock and push stream.
 */
export class Scheduler {
  readonly backfills: Backfills;
  private readonly queue: ExportQueue;
  private concurrency: number;
  /** When the admin last resumed a connection: its failed hours are retried at once. */
  private readonly resumedAt = new Map<string, number>();
  private cancelTimer: (() => void) | null = null;
  private running = false;
  private ticking: Promise<void> | null = null;
  private tickAgain = false;

  /**
   * The error of each failed hour seen since start (any trigger), so a status names the cause
   * of a failure no alert recorded (a manual export, a backfill); an export that succeeds later
   * takes it out.
   */
  private readonly errors = new Map<string, JobError>();
  /** Hourly exports held back by the admin (the tray); see setPaused. */
  paused = false;

  constructor(private readonly deps: SchedulerDeps) {
    this.concurrency =
      deps.concurrency ??
      (deps.elsewhere ? HOURS_SENT_AT_ONCE : undefined) ??
      // A hand-edited settings block must not stop the schedule: fall back to the default.
      appSettings.safeParse(deps.config.data.settings).data?.concurrency ??
      appSettings.parse({}).concurrency;
    this.queue = new ExportQueue(this.concurrency);
    this.backfills = new Backfills({
      config: deps.config,
      jobs: deps.jobs,
      queue: this.queue,
      timers: deps.timers,
      emit: deps.emit,
      log: deps.log,
      resolve: (id) => deps.exports.resolve(id),
      enqueue: (connection, hour, datasets, options) =>
        this.enqueue(connection, hour, datasets, 'backfill', options),
      // A backfill keeps a few more hours queued than can run, so no slot idles between them.
      window: () => this.concurrency + 2,
    });
  }

  /** Start the schedule: re-run jobs a stop or kill interrupted, resume backfills, then tick. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // Jobs a kill left open are closed; the hours a stop or kill interrupted run again. (Hours
    // run elsewhere are the queue's: it gives a silent worker's hour to another.)
    if (!this.deps.elsewhere)
      await recoverInterrupted(this.deps, (connection, hour, datasets, trigger, options) =>
        this.enqueue(connection, hour, datasets, trigger, options),
      );
    await this.backfills.resume();
    await this.tick();
    // Uploads a kill left unfinished cost storage until aborted: look once, in the background.
    void this.deps.exports.sweepLeftovers({ busyHours: this.deps.elsewhere?.openHours }).then(
      (said) => {
        for (const message of said)
          this.deps.emit({ type: 'notice', notice: { level: 'info', message } });
      },
      (error: unknown) => this.deps.log?.(error),
    );
  }

  /**
   * Pause hourly exports (the desktop tray's "Pause"): no scheduled hour is queued while paused;
   * running exports finish, and manual exports and backfills still run. Resuming catches up at
   * once, as after a sleep. Lasts until resumed or the process ends.
   */
  setPaused(paused: boolean): Promise<void> {
    this.paused = paused;
    return this.tick();
  }

  /** Look again now (power resume, a connection enabled, a policy fixed). */
  wake(): Promise<void> {
    return this.tick();
  }

  /**
   * Stop taking work: no more ticks, queued runs are dropped and backfills stop feeding the
   * queue (they resume at the next start). Running runs are left to `ExportService.close()`.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.queue.stop();
    await this.backfills.stop();
    await this.ticking;
  }

  /** Wait until nothing is queued or running; runs waiting to retry may remain (tests). */
  async idle(): Promise<void> {
    do {
      await this.ticking;
      await this.queue.idle();
    } while (this.ticking);
  }

  /** Wait until every run has ended, retries included (`ferry run --once`). */
  async drained(): Promise<void> {
    do {
      await this.ticking;
      await this.queue.drained();
    } while (this.ticking || this.queue.all().length > 0);
  }

  /** A connection's runs queued or running now (a migration waits for them). */
  flights(connectionId: string): Flight[] {
    return this.queue.all().filter((f) => f.connectionId === connectionId);
  }

  setConcurrency(concurrency: number): void {
    // Hours run by workers: how many run at once is how many workers there are.
    if (this.deps.elsewhere) return;
    this.concurrency = concurrency;
    this.queue.setConcurrency(concurrency);
  }

  // -- the schedule ------------------------------------------------------------------------------

  /** One look at every connection: queue what is due, report status, arm the next look. */
  tick(): Promise<void> {
    if (this.ticking) {
      this.tickAgain = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      do {
        this.tickAgain = false;
        await this.tickOnce().catch((error: unknown) => this.deps.log?.(error));
      } while (this.tickAgain);
    })().finally(() => (this.ticking = null));
    return this.ticking;
  }

  private async tickOnce(): Promise<void> {
    if (!this.running) return;
    await this.deps.elsewhere?.catchUp();
    const now = this.deps.timers.now().getTime();
    let next = now + RECHECK_MS;
    const connections = this.deps.config.data.connections;
    // Runs and backfills of a connection that was deleted stop now.
    for (const flight of this.queue.all())
      if (!connections.some((c) => c.id === flight.connectionId))
        this.deps.exports.cancelConnection(flight.connectionId, 'deleted');
    for (const b of this.deps.config.data.backfills)
      if (b.status === 'running' && !connections.some((c) => c.id === b.connectionId))
        await this.backfills.forget(b.connectionId);
    for (const connection of connections) {
      // One connection's plan at a time: requests are answered between them.
      await nextTurn();
      const plan = this.plan(connection, now);
      if (!plan) continue;
      if (connection.enabled && !this.stopped(connection.id) && !this.paused) {
        for (const [hour, datasets] of byHour(plan.due))
          this.enqueue(connection, hour, datasets, 'scheduled');
        next = Math.min(next, plan.nextAt, plan.retryAt ?? Infinity);
      }
      this.deps.emit({ type: 'schedule.status', status: this.statusFrom(connection, plan) });
    }
    this.cancelTimer?.();
    this.cancelTimer = this.deps.timers.setTimer(() => void this.tick(), Math.max(0, next - now));
  }

  private plan(connection: Connection, now: number): Plan | null {
    const project = this.deps.config.data.projects.find((p) => p.id === connection.projectId);
    if (!project) return null;
    const records = this.deps.jobs.hourRecords(connection.id);
    return planConnection(
      connection,
      project,
      records,
      now,
      (_dataset, hour) => !!this.queue.flight(connection.id, hour),
      this.resumedAt.get(connection.id),
    );
  }

  /** Whether a scheduled hour is due by the (corrected) clock now. */
  private due(connection: Connection, hour: string): boolean {
    const project = this.deps.config.data.projects.find((p) => p.id === connection.projectId);
    if (!project) return false;
    const now = this.deps.timers.now().getTime();
    return hourIndex(hour) <= latestDueHour(connection, project, now);
  }

  private stopped(connectionId: string): boolean {
    return this.deps.config.data.alerts[connectionId]?.stopped ?? false;
  }

  // -- status --------------------------------------------------------------------------------------

  /**
   * Every connection's status, complete when another process (`ferry serve`) runs the exports:
   * the failed hour's error and the hours waiting to retry are read from the history.
   */
  async statuses(): Promise<ConnectionStatus[]> {
    const now = this.deps.timers.now().getTime();
    const out: ConnectionStatus[] = [];
    for (const c of this.deps.config.data.connections) {
      await nextTurn();
      const plan = this.plan(c, now);
      if (plan)
        out.push(this.statusFrom(c, plan, await fromHistory(this.deps, this.errors, c, plan)));
    }
    return out;
  }

  /** Older missed hours of a connection (the schedule's gap), or null. */
  gap(connectionId: string): ConnectionStatus['gap'] {
    const { connection } = this.deps.exports.resolve(connectionId);
    return this.plan(connection, this.deps.timers.now().getTime())?.gap ?? null;
  }

  async status(connectionId: string): Promise<ConnectionStatus> {
    const { connection } = this.deps.exports.resolve(connectionId);
    const plan = this.plan(connection, this.deps.timers.now().getTime());
    if (!plan) throw new FerryError('not_found', `The project of "${connection.name}" is gone`);
    return this.statusFrom(
      connection,
      plan,
      await fromHistory(this.deps, this.errors, connection, plan),
    );
  }

  private statusFrom(
    connection: Connection,
    plan: Plan,
    retrying = this.deps.exports.retrying(connection.id),
  ): ConnectionStatus {
    const errorOf = (dataset: Dataset, hour: string) =>
      this.errors.get(`${connection.id}|${dataset}|${hour}`);
    const counts = this.queue.counts(connection.id);
    return connectionStatus(
      connection,
      plan,
      // Backfill hours not handed to the queue yet are waiting too.
      { ...counts, queued: counts.queued + this.backfills.waiting(connection.id) },
      this.deps.config.data.alerts[connection.id],
      retrying,
      errorOf,
      this.deps.exports
        .incompleteCommits(connection.id)
        .map(({ hour, job }) => ({ hour, error: errorOf(job.dataset, hour) })),
      this.deps.config.data.accessChecks[connection.id],
    );
  }

  /** Tell the consoles a connection's status now (its access was checked, say). */
  emitStatus(connectionId: string): void {
    const connection = this.deps.config.data.connections.find((c) => c.id === connectionId);
    const plan = connection && this.plan(connection, this.deps.timers.now().getTime());
    if (connection && plan)
      this.deps.emit({ type: 'schedule.status', status: this.statusFrom(connection, plan) });
  }

  /**
   * Start a stopped connection's queue again and retry its failed hours now: the admin fixed
   * the problem or wants a retry.
   */
  async resume(connectionId: string): Promise<ConnectionStatus> {
    const { connection } = this.deps.exports.resolve(connectionId);
    this.resumedAt.set(connection.id, this.deps.timers.now().getTime());
    await this.deps.notifier.unstop(connection.id);
    await this.tick();
    return this.status(connection.id);
  }

  /**
   * Take a connection's destination over from another Ferry, then try its failed hours again (the
   * claim was why they failed).
   */
  async takeOver(connectionId: string) {
    const taken = await this.deps.exports.takeOver(connectionId);
    await this.retryFailed(connectionId);
    return taken;
  }

  // -- runs ----------------------------------------------------------------------------------------

  /**
   * Export an hour now on a person's request (the console's "Export an hour", `ferry export`):
   * queued ahead of the schedule; refused when the hour has not ended or is in flight already.
   */
  exportNow(connectionId: string, hour: string, datasets?: Dataset[]): Flight {
    const problem = notEndedProblem(hour, this.deps.timers.now().getTime());
    if (problem) throw new FerryError('validation', problem, 'hour');
    const { connection } = this.deps.exports.resolve(connectionId);
    const flight = this.enqueue(connection, hour, checkDatasets(connection, datasets), 'manual');
    if (!flight)
      throw new FerryError(
        'conflict',
        `${hourText(hour)} of "${connection.name}" is already queued or being exported`,
        'hour',
      );
    return flight;
  }

  /** Cancel a queued-to-retry or running job on the admin's behalf (see ExportService). */
  /**
   * Cancel a running job: here, or (team mode) by asking the worker that runs it (refused with
   * a conflict when that worker does not answer).
   */
  async cancelJob(
    job: Pick<Job, 'id' | 'status' | 'connectionId' | 'hour'>,
  ): Promise<CancelOutcome> {
    const here = this.deps.exports.cancelJob(job.id, 'admin');
    const elsewhere = this.deps.elsewhere?.cancel;
    if (here !== 'not-running' || !elsewhere) return here;
    if (job.status !== 'running' && job.status !== 'queued') return 'not-running';
    return elsewhere({ id: job.id, connectionId: job.connectionId, hour: job.hour });
  }

  /**
   * Queue one hour of a connection (the datasets given) unless that hour is already queued or
   * running. Returns its flight, or null when it was in flight already.
   */
  enqueue(
    connection: Connection,
    hour: string,
    datasets: Dataset[],
    trigger: Trigger,
    options: { signal?: AbortSignal; notes?: string[]; resume?: RunOptions['resume'] } = {},
  ): Flight | null {
    const flight = this.queue.add(
      { connectionId: connection.id, hour, datasets, priority: PRIORITY[trigger] },
      async (slot) => {
        const current = this.deps.config.data.connections.find((c) => c.id === connection.id);
        if (!current) return [];
        // Disabling (or a stop) takes effect at once for what has not started yet; so does a
        // clock found ahead (S3 or Amplitude said so since the hour was planned).
        if (trigger === 'scheduled' && (!current.enabled || this.stopped(current.id))) return [];
        if (trigger === 'scheduled' && !this.due(current, hour)) return [];
        const run: HourRunner =
          this.deps.elsewhere?.run ?? ((...args) => this.deps.exports.runHour(...args));
        const jobs = await run(current.id, hour, datasets, trigger, {
          signal: options.signal,
          notes: options.notes,
          resume: options.resume,
          retry: scheduleRetryPolicy({
            ...this.deps.retry,
            accessTries: current.schedule.accessTries,
          }),
          wait: async (ms, signal) => {
            // Give the slot back while waiting, so other connections keep exporting; and say
            // so now — a refused hour makes the connection failing before its next try.
            slot.release();
            this.emitStatus(connection.id);
            await sleep(this.deps.timers, ms, signal);
            if (!signal.aborted) await slot.acquire();
          },
        });
        await afterRun(this.deps, this.errors, current, jobs);
        return jobs;
      },
      { signal: options.signal, onStart: () => this.emitStatus(connection.id) },
    );
    if (!flight) return null;
    flight.done
      .catch((error: unknown) => {
        if (!(error instanceof FerryError && error.code === 'conflict')) this.deps.log?.(error);
      })
      .finally(() => {
        // A running schedule's tick reports every connection's status; otherwise report this one.
        if (this.running) void this.tick();
        else this.emitStatus(connection.id);
      });
    return flight;
  }

  // -- retries -------------------------------------------------------------------------------------

  /** Retry one job now: a new job for the same hour (also starts a stopped connection again). */
  async retryJob(id: string): Promise<number> {
    const job = await this.deps.jobs.get(id);
    if (!job) throw new FerryError('not_found', `There is no job ${id}`, 'id');
    const { connection } = this.deps.exports.resolve(job.connectionId);
    await this.deps.notifier.unstop(connection.id);
    const started = this.enqueue(connection, job.hour, [job.dataset], 'manual', {
      notes: [`Retry of job ${job.id}.`],
    });
    if (!started)
      throw new FerryError(
        'conflict',
        `${hourText(job.hour)} (${job.dataset}) of "${connection.name}" is already queued or running`,
      );
    return 1;
  }

  /** Retry every hour whose latest job failed (of one connection, or of all). */
  async retryFailed(connectionId?: string): Promise<number> {
    const connections = connectionId
      ? [this.deps.exports.resolve(connectionId).connection]
      : this.deps.config.data.connections;
    let queued = 0;
    for (const connection of connections) {
      await this.deps.notifier.unstop(connection.id);
      const failed = failedHours(this.deps.jobs.hourRecords(connection.id), connection.datasets);
      for (const [hour, { datasets, ids }] of failed) {
        const started = this.enqueue(connection, hour, datasets.sort(), 'manual', {
          notes: [`Retry of failed job ${ids.join(', ')}.`],
        });
        if (started) queued += datasets.length;
      }
    }
    return queued;
  }

  // -- the chart -----------------------------------------------------------------------------------

  stats(query: { connectionId?: string; hourFrom: string; hourTo: string }) {
    return hourStats(this.deps.jobs, query);
  }
}

/** Let the event loop answer what waits (requests, timers) before going on. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
