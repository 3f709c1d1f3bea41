import { randomBytes } from 'node:crypto';
import PQueue from 'p-queue';
import { FerryError } from '../../../shared/api/errors';
import type { PushEvent } from '../../../shared/api/events';
import {
  appSettings,
  type Backfill,
  type Connection,
  type Job,
} from '../../../shared/model/entities';
import { hourIndex, hoursBetween, hourString } from '../../../shared/model/export-format';
import type { Dataset } from '../../../shared/model/fields';
import type {
  BackfillHour,
  BackfillPreview,
  ConnectionStatus,
  HourStat,
} from '../../../shared/model/schedule';
import { checkDatasets, type ExportService, type Trigger } from '../jobs/export-service';
import type { Notifier } from '../notify/notifier';
import type { ConfigStore } from '../store/config-store';
import type { IndexEntry, JobsStore } from '../store/jobs-store';
import { HOUR_MS, hourRecords, planConnection, type Plan } from './plan';
import { scheduleRetryPolicy, type ScheduleRetryOptions } from './retry';
import { sleep, type Timers } from './timers';

/** Queue priorities: a person waiting first, then the hourly schedule, then backfills. */
const PRIORITY = { manual: 3, scheduled: 2, backfill: 1 } as const;
/** The schedule looks again at least this often, even with nothing due. */
const RECHECK_MS = 15 * 60_000;
/** Backfill counters are written to config.json at most this often while it runs. */
const BACKFILL_SAVE_MS = 2_000;

export interface SchedulerDeps {
  config: ConfigStore;
  jobs: JobsStore;
  exports: ExportService;
  notifier: Notifier;
  timers: Timers;
  emit(event: PushEvent): void;
  log?(error: unknown): void;
  /** Exports running at once across all connections (default: the setting, else 2). */
  concurrency?: number;
  /** Backoff timing (tests shorten it and fix the jitter). */
  retry?: Partial<Omit<ScheduleRetryOptions, 'accessTries'>>;
}

interface InFlight {
  connectionId: string;
  state: 'queued' | 'running';
}

/**
 * The hourly schedule: every enabled connection's hours are exported after they settle, missed
 * hours are caught up within the lookback, failures are retried and then reported, backfills
 * share the queue at a lower priority. All timing comes from `timers`, so tests move a fake clock.
 *
 * Jobs run in one global queue (p-queue) with a concurrency limit; a job waiting to retry gives
 * its slot back, so one failing connection never holds up the others.
 */
export class Scheduler {
  private readonly queue: PQueue;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly backfillControllers = new Map<string, AbortController>();
  private readonly backfillSaved = new Map<string, number>();
  /** Counters of running backfills (config.json is written from these, throttled). */
  private readonly live = new Map<string, Backfill>();
  /** When the admin last resumed a connection: its failed hours are retried at once. */
  private readonly resumedAt = new Map<string, number>();
  private cancelTimer: (() => void) | null = null;
  private running = false;
  private ticking: Promise<void> | null = null;
  private tickAgain = false;

  constructor(private readonly deps: SchedulerDeps) {
    const concurrency =
      deps.concurrency ??
      // A hand-edited settings block must not stop the schedule: fall back to the default.
      appSettings.safeParse(deps.config.data.settings).data?.concurrency ??
      appSettings.parse({}).concurrency;
    this.queue = new PQueue({ concurrency });
  }

  /** Start the schedule: re-run jobs a crash interrupted, resume backfills, then tick. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.rerunInterrupted();
    await this.resumeBackfills();
    await this.tick();
  }

  /** Look again now (power resume, a connection enabled, a policy fixed). */
  wake(): Promise<void> {
    return this.tick();
  }

  /** Stop scheduling; queued jobs are dropped, running ones are left to ExportService.close(). */
  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.queue.clear();
    for (const controller of this.backfillControllers.values()) controller.abort();
    await this.ticking;
  }

  /** Wait until nothing is queued or running (tests and `ferry run --until-idle`). */
  async idle(): Promise<void> {
    while (this.queue.size > 0 || this.queue.pending > 0 || this.ticking) {
      await this.ticking;
      await this.queue.onIdle();
    }
  }

  setConcurrency(concurrency: number): void {
    this.queue.concurrency = concurrency;
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
    const now = this.deps.timers.now().getTime();
    let next = now + RECHECK_MS;
    for (const connection of this.deps.config.data.connections) {
      const plan = this.plan(connection, now);
      if (!plan) continue;
      if (connection.enabled && !this.stopped(connection.id)) {
        for (const { hour, dataset } of plan.due)
          this.enqueue(connection, dataset, hour, 'scheduled');
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
    const records = hourRecords(this.deps.jobs.entries((e) => e.connectionId === connection.id));
    return planConnection(
      connection,
      project,
      records,
      now,
      (dataset, hour) => this.inFlight.has(key(connection.id, dataset, hour)),
      this.resumedAt.get(connection.id),
    );
  }

  private stopped(connectionId: string): boolean {
    return this.deps.config.data.alerts[connectionId]?.stopped ?? false;
  }

  // -- status --------------------------------------------------------------------------------------

  statuses(): ConnectionStatus[] {
    const now = this.deps.timers.now().getTime();
    return this.deps.config.data.connections.flatMap((c) => {
      const plan = this.plan(c, now);
      return plan ? [this.statusFrom(c, plan)] : [];
    });
  }

  status(connectionId: string): ConnectionStatus {
    const { connection } = this.deps.exports.resolve(connectionId);
    const plan = this.plan(connection, this.deps.timers.now().getTime());
    if (!plan) throw new FerryError('not_found', `The project of "${connection.name}" is gone`);
    return this.statusFrom(connection, plan);
  }

  private statusFrom(connection: Connection, plan: Plan): ConnectionStatus {
    let queued = 0;
    let running = 0;
    for (const f of this.inFlight.values())
      if (f.connectionId !== connection.id) continue;
      else if (f.state === 'running') running++;
      else queued++;
    const alert = this.deps.config.data.alerts[connection.id];
    const failed = plan.failedHours[0];
    const base = {
      connectionId: connection.id,
      stopped: alert?.stopped ?? false,
      lastExportedHour: plan.lastExportedHour,
      pendingHours: plan.pendingHours,
      queued,
      running,
      gap: plan.gap,
      nextHour: connection.enabled ? plan.nextHour : null,
      nextRunAt: connection.enabled ? new Date(plan.nextAt).toISOString() : null,
    };
    if (!connection.enabled) return { ...base, state: 'disabled', reason: null, fix: null };
    if (alert || failed) {
      const error = alert?.error ?? null;
      const hour = alert?.hour ?? failed?.hour ?? '';
      const dataset = alert?.dataset ?? failed?.dataset;
      return {
        ...base,
        state: 'failing',
        reason: `${hour.replace('T', ' ')}:00 UTC${dataset ? ` (${dataset})` : ''} failed: ${error?.message ?? 'see the job'}${alert?.stopped ? ' Exports are stopped until this is fixed and retried.' : ''}`,
        fix: error?.fix ?? null,
      };
    }
    if (plan.pendingHours > 1)
      return {
        ...base,
        state: 'catching-up',
        reason: `${plan.pendingHours} hours to export`,
        fix: null,
      };
    return { ...base, state: 'healthy', reason: null, fix: null };
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

  // -- the queue -----------------------------------------------------------------------------------

  /**
   * Queue one export unless the same (connection, dataset, hour) is already queued or running.
   * Returns the promise of its job, or null when it was already in flight.
   */
  enqueue(
    connection: Connection,
    dataset: Dataset,
    hour: string,
    trigger: Trigger,
    options: { backfill?: Backfill; notes?: string[] } = {},
  ): Promise<Job | null> | null {
    const k = key(connection.id, dataset, hour);
    if (this.inFlight.has(k) || this.deps.exports.isRunning(connection.id, dataset, hour))
      return null;
    const flight: InFlight = { connectionId: connection.id, state: 'queued' };
    this.inFlight.set(k, flight);
    const priority = PRIORITY[trigger];
    return this.withSlot(priority, async (slot) => {
      try {
        const current = this.deps.config.data.connections.find((c) => c.id === connection.id);
        // Disabling (or a stop) takes effect at once for what has not started yet.
        if (current && trigger === 'scheduled' && (!current.enabled || this.stopped(current.id)))
          return null;
        const controller = options.backfill
          ? this.backfillControllers.get(options.backfill.id)
          : undefined;
        if (!current || (options.backfill && (!controller || controller.signal.aborted))) {
          // The connection is gone, or the backfill was cancelled: count the hour as cancelled.
          if (options.backfill) await this.backfillDone(options.backfill.id, 'cancelled');
          return null;
        }
        flight.state = 'running';
        this.emitStatus(current);
        const job = await this.deps.exports.exportHour(current.id, dataset, hour, trigger, {
          signal: controller?.signal,
          notes: options.notes,
          retry: scheduleRetryPolicy({
            ...this.deps.retry,
            accessTries: current.schedule.accessTries,
          }),
          wait: async (ms, signal) => {
            // Give the slot back while waiting, so other connections keep exporting.
            slot.release();
            await sleep(this.deps.timers, ms, signal);
            await slot.acquire();
          },
        });
        await this.afterJob(current, job, options.backfill?.id ?? null);
        return job;
      } catch (error) {
        if (!(error instanceof FerryError && error.code === 'conflict')) this.deps.log?.(error);
        if (options.backfill) await this.backfillDone(options.backfill.id, 'failed');
        return null;
      } finally {
        this.inFlight.delete(k);
        // A running schedule's tick reports every connection's status; otherwise report this one.
        const current = this.deps.config.data.connections.find((c) => c.id === connection.id);
        if (this.running) void this.tick();
        else if (current) this.emitStatus(current);
      }
    });
  }

  /** Run `task` holding one queue slot; the task may hand the slot back and take it again. */
  private async withSlot<T>(
    priority: number,
    task: (slot: { release(): void; acquire(): Promise<void> }) => Promise<T>,
  ): Promise<T> {
    let release: (() => void) | null = null;
    const acquire = () =>
      new Promise<void>((granted, refused) => {
        this.queue
          .add(() => new Promise<void>((done) => ((release = done), granted())), { priority })
          .catch(refused);
      });
    const slot = {
      release: () => {
        release?.();
        release = null;
      },
      acquire,
    };
    await acquire();
    try {
      return await task(slot);
    } finally {
      slot.release();
    }
  }

  private async afterJob(connection: Connection, job: Job, backfillId: string | null) {
    if (backfillId)
      await this.backfillDone(
        backfillId,
        job.status === 'succeeded' ? 'succeeded' : job.status === 'failed' ? 'failed' : 'cancelled',
      );
    if (job.trigger === 'manual' && job.status !== 'succeeded') return;
    const resolved = this.safeResolve(connection.id);
    if (!resolved) return;
    const subject = { ...resolved, job };
    try {
      if (job.status === 'failed')
        await this.deps.notifier.failure(subject, { stopped: job.error?.kind === 'access' });
      else if (job.status === 'succeeded') await this.deps.notifier.recovery(subject);
    } catch (error) {
      this.deps.log?.(error);
    }
  }

  private safeResolve(connectionId: string) {
    try {
      return this.deps.exports.resolve(connectionId);
    } catch {
      return null;
    }
  }

  private emitStatus(connection: Connection): void {
    const plan = this.plan(connection, this.deps.timers.now().getTime());
    if (plan)
      this.deps.emit({ type: 'schedule.status', status: this.statusFrom(connection, plan) });
  }

  /** Jobs found running (or waiting to retry) at start were cut off by a crash: run them again. */
  private async rerunInterrupted(): Promise<void> {
    const stale = this.deps.jobs.entries((e) => e.status === 'running' || e.status === 'queued');
    for (const entry of stale) {
      const job = await this.deps.jobs.get(entry.id);
      if (!job) continue;
      const connection = this.deps.config.data.connections.find((c) => c.id === job.connectionId);
      const rerun =
        !!connection &&
        connection.datasets.includes(job.dataset) &&
        (job.trigger !== 'scheduled' || connection.enabled);
      const now = this.deps.timers.now().toISOString();
      await this.deps.jobs.put({
        ...job,
        status: 'cancelled',
        updatedAt: now,
        finishedAt: now,
        notes: [
          ...job.notes,
          `Interrupted: Ferry stopped while this job ran.${rerun ? ' It was run again.' : ''}`,
        ],
      });
      // A backfill's own hours are resumed with their backfill.
      if (!connection || !rerun || job.trigger === 'backfill') continue;
      void this.enqueue(connection, job.dataset, job.hour, job.trigger, {
        notes: [`Re-runs job ${job.id}, which Ferry stopping interrupted.`],
      });
    }
  }

  // -- retries -------------------------------------------------------------------------------------

  /** Retry one job now: a new job for the same hour (also starts a stopped connection again). */
  async retryJob(id: string): Promise<number> {
    const job = await this.deps.jobs.get(id);
    if (!job) throw new FerryError('not_found', `There is no job ${id}`, 'id');
    const { connection } = this.deps.exports.resolve(job.connectionId);
    await this.deps.notifier.unstop(connection.id);
    const started = this.enqueue(connection, job.dataset, job.hour, 'manual', {
      notes: [`Retry of job ${job.id}.`],
    });
    if (!started)
      throw new FerryError(
        'conflict',
        `${job.hour} (${job.dataset}) of "${connection.name}" is already queued or running`,
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
      const records = hourRecords(this.deps.jobs.entries((e) => e.connectionId === connection.id));
      for (const record of records.values()) {
        if (record.succeeded || record.latest.status !== 'failed') continue;
        if (!connection.datasets.includes(record.latest.dataset)) continue;
        const started = this.enqueue(
          connection,
          record.latest.dataset,
          record.latest.hour,
          'manual',
          {
            notes: [`Retry of failed job ${record.latest.id}.`],
          },
        );
        if (started) queued++;
      }
    }
    return queued;
  }

  // -- backfills -----------------------------------------------------------------------------------

  /** How many hours a range is and which overlap earlier exports; changes nothing. */
  preview(input: {
    connectionId: string;
    from: string;
    to: string;
    datasets?: Dataset[];
  }): BackfillPreview {
    const { connection, hours, datasets } = this.checkRange(input);
    const records = hourRecords(this.deps.jobs.entries((e) => e.connectionId === connection.id));
    let overlaps = 0;
    let inFlight = 0;
    const overlapSample: BackfillPreview['overlapSample'] = [];
    for (const hour of hours)
      for (const dataset of datasets) {
        if (this.inFlight.has(key(connection.id, dataset, hour))) inFlight++;
        if (!records.get(`${dataset}|${hour}`)?.succeeded) continue;
        overlaps++;
        if (overlapSample.length < 10) overlapSample.push({ hour, dataset });
      }
    return {
      connectionId: connection.id,
      from: input.from,
      to: input.to,
      hours: hours.length,
      datasets,
      jobs: hours.length * datasets.length,
      overlaps,
      overlapSample,
      inFlight,
    };
  }

  async startBackfill(input: {
    connectionId: string;
    from: string;
    to: string;
    datasets?: Dataset[];
  }): Promise<Backfill> {
    const { connection, hours, datasets } = this.checkRange(input);
    const backfill: Backfill = {
      id: `bf_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`,
      connectionId: connection.id,
      from: input.from,
      to: input.to,
      datasets,
      status: 'running',
      createdAt: this.deps.timers.now().toISOString(),
      finishedAt: null,
      total: hours.length * datasets.length,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
    };
    await this.deps.config.update((data) => {
      data.backfills.push(backfill);
    });
    this.runBackfill(connection, backfill, hours);
    return this.backfill(backfill.id);
  }

  listBackfills(connectionId?: string): Backfill[] {
    return this.deps.config.data.backfills
      .map((b) => ({ ...(this.live.get(b.id) ?? b) }))
      .filter((b) => !connectionId || b.connectionId === connectionId)
      .slice()
      .reverse();
  }

  backfill(id: string): Backfill {
    const found = this.live.get(id) ?? this.deps.config.data.backfills.find((b) => b.id === id);
    if (!found) throw new FerryError('not_found', `There is no backfill ${id}`, 'id');
    return { ...found };
  }

  /**
   * Each hour (per dataset) of a backfill and where it is: queued or running now, or how the
   * latest job started since the backfill began ended; `waiting` when none has yet.
   */
  backfillHours(id: string, limit = 1000): { items: BackfillHour[]; total: number } {
    const b = this.backfill(id);
    const records = new Map<string, Readonly<IndexEntry>>();
    for (const e of this.deps.jobs.entries(
      (e) =>
        e.connectionId === b.connectionId &&
        e.hour >= b.from &&
        e.hour <= b.to &&
        e.createdAt >= b.createdAt,
    ))
      if (!records.has(`${e.dataset}|${e.hour}`)) records.set(`${e.dataset}|${e.hour}`, e);
    const hours = hoursBetween(b.from, b.to);
    const items: BackfillHour[] = [];
    for (const hour of hours.slice(0, Math.ceil(limit / b.datasets.length)))
      for (const dataset of b.datasets) {
        const flight = this.inFlight.get(key(b.connectionId, dataset, hour));
        const latest = records.get(`${dataset}|${hour}`);
        const status: BackfillHour['status'] =
          flight?.state ??
          (latest
            ? latest.status === 'queued' || latest.status === 'running'
              ? 'running'
              : latest.status
            : b.status === 'running'
              ? 'waiting'
              : 'cancelled');
        items.push({ hour, dataset, status, jobId: latest?.id ?? null });
      }
    return { items: items.slice(0, limit), total: hours.length * b.datasets.length };
  }

  /** Cancel a backfill: queued hours are dropped, running ones stop and end as cancelled. */
  async cancelBackfill(id: string): Promise<Backfill> {
    const found = this.backfill(id);
    if (found.status !== 'running') return found;
    this.backfillControllers.get(id)?.abort(new Error('The backfill was cancelled'));
    this.backfillControllers.delete(id);
    await this.saveBackfill(id, (b) => {
      b.status = 'cancelled';
      b.finishedAt = this.deps.timers.now().toISOString();
    });
    return this.backfill(id);
  }

  private runBackfill(connection: Connection, backfill: Backfill, hours: string[]): void {
    this.backfillControllers.set(backfill.id, new AbortController());
    let skipped = 0;
    for (const hour of hours)
      for (const dataset of backfill.datasets) {
        const started = this.enqueue(connection, dataset, hour, 'backfill', { backfill });
        // Already queued or running (the schedule, another backfill): that run covers it.
        if (!started) skipped++;
      }
    if (skipped > 0)
      void this.saveBackfill(backfill.id, (b) => {
        b.total -= skipped;
      }).then(() => this.backfillDone(backfill.id, null));
  }

  /** Resume backfills that were running when Ferry stopped: the hours not exported since. */
  private async resumeBackfills(): Promise<void> {
    for (const backfill of this.deps.config.data.backfills) {
      if (backfill.status !== 'running') continue;
      const connection = this.deps.config.data.connections.find(
        (c) => c.id === backfill.connectionId,
      );
      if (!connection) {
        await this.saveBackfill(backfill.id, (b) => {
          b.status = 'cancelled';
          b.finishedAt = this.deps.timers.now().toISOString();
        });
        continue;
      }
      const doneSince = new Set(
        this.deps.jobs
          .entries(
            (e) =>
              e.connectionId === connection.id &&
              e.status === 'succeeded' &&
              e.createdAt >= backfill.createdAt &&
              e.hour >= backfill.from &&
              e.hour <= backfill.to,
          )
          .map((e) => `${e.dataset}|${e.hour}`),
      );
      const remaining = hoursBetween(backfill.from, backfill.to).filter((hour) =>
        backfill.datasets.some((d) => !doneSince.has(`${d}|${hour}`)),
      );
      await this.saveBackfill(backfill.id, (b) => {
        b.succeeded = b.total - remaining.length * b.datasets.length;
        b.failed = 0;
        b.cancelled = 0;
      });
      this.runBackfill(connection, this.backfill(backfill.id), remaining);
      if (remaining.length === 0) await this.backfillDone(backfill.id, null);
    }
  }

  /**
   * Count one finished job of a backfill (null: just re-check); close it when every job ended.
   * Counters live in memory while it runs and are written to config.json at most every 2 s
   * and when it ends, so a long backfill does not rewrite the config per hour.
   */
  private async backfillDone(
    id: string,
    outcome: 'succeeded' | 'failed' | 'cancelled' | null,
  ): Promise<void> {
    const b = this.liveBackfill(id);
    if (!b) return;
    if (outcome) b[outcome]++;
    if (b.status === 'running' && b.succeeded + b.failed + b.cancelled >= b.total) {
      b.status = b.failed > 0 ? 'failed' : b.cancelled > 0 ? 'cancelled' : 'succeeded';
      b.finishedAt = this.deps.timers.now().toISOString();
      this.backfillControllers.delete(id);
    }
    this.deps.emit({ type: 'backfill.updated', backfill: { ...b } });
    const nowMs = Date.now();
    if (b.status === 'running' && nowMs - (this.backfillSaved.get(id) ?? 0) < BACKFILL_SAVE_MS)
      return;
    this.backfillSaved.set(id, nowMs);
    if (b.status !== 'running') this.live.delete(id);
    await this.persistBackfill(b);
  }

  /** The in-memory counters of a backfill (loaded from config.json the first time). */
  private liveBackfill(id: string): Backfill | null {
    let b = this.live.get(id);
    if (b) return b;
    const stored = this.deps.config.data.backfills.find((x) => x.id === id);
    if (!stored) return null;
    b = { ...stored };
    this.live.set(id, b);
    return b;
  }

  private async persistBackfill(b: Backfill): Promise<void> {
    const copy = { ...b };
    await this.deps.config.update((data) => {
      const at = data.backfills.findIndex((x) => x.id === copy.id);
      if (at >= 0) data.backfills[at] = copy;
    });
  }

  /** Change a backfill now (counters and file), and tell the consoles. */
  private async saveBackfill(id: string, change: (b: Backfill) => void): Promise<void> {
    const b = this.liveBackfill(id);
    if (!b) return;
    change(b);
    this.deps.emit({ type: 'backfill.updated', backfill: { ...b } });
    if (b.status !== 'running') this.live.delete(id);
    await this.persistBackfill(b);
  }

  private checkRange(input: {
    connectionId: string;
    from: string;
    to: string;
    datasets?: Dataset[];
  }): { connection: Connection; hours: string[]; datasets: Dataset[] } {
    const { connection } = this.deps.exports.resolve(input.connectionId);
    if (input.from > input.to)
      throw new FerryError('validation', 'The range must start before it ends (from ≤ to)', 'to');
    const current = hourString(Math.floor(this.deps.timers.now().getTime() / HOUR_MS));
    if (input.to >= current)
      throw new FerryError(
        'validation',
        `${input.to} has not ended yet; a backfill can reach up to ${hourString(hourIndex(current) - 1)}`,
        'to',
      );
    const datasets = checkDatasets(connection, input.datasets);
    return { connection, hours: hoursBetween(input.from, input.to), datasets };
  }

  // -- the chart -----------------------------------------------------------------------------------

  /** Events, bytes and lag per hour from the latest successful job of each hour. */
  async stats(query: { connectionId?: string; hourFrom: string; hourTo: string }) {
    const entries = this.deps.jobs.entries(
      (e) =>
        (!query.connectionId || e.connectionId === query.connectionId) &&
        e.hour >= query.hourFrom &&
        e.hour <= query.hourTo,
    );
    const byHour = new Map<string, HourStat>();
    const seen = new Set<string>();
    for (const e of entries) {
      const stat = byHour.get(e.hour) ?? {
        hour: e.hour,
        events: 0,
        bytes: 0,
        lagMinutes: null,
        failed: 0,
      };
      byHour.set(e.hour, stat);
      const k = `${e.connectionId}|${e.dataset}|${e.hour}`;
      if (seen.has(k)) continue;
      seen.add(k);
      if (e.status === 'failed') stat.failed++;
      if (e.status !== 'succeeded') continue;
      const job = await this.deps.jobs.get(e.id);
      if (!job) continue;
      if (job.dataset === 'events') stat.events += job.counts?.eventsOut ?? 0;
      stat.bytes += job.bytes?.compressed ?? 0;
      if (job.trigger === 'scheduled' && job.finishedAt) {
        const lag = (Date.parse(job.finishedAt) - (hourIndex(job.hour) + 1) * HOUR_MS) / 60_000;
        stat.lagMinutes = Math.max(stat.lagMinutes ?? 0, Math.round(lag));
      }
    }
    return [...byHour.values()].sort((a, b) => a.hour.localeCompare(b.hour));
  }
}

function key(connectionId: string, dataset: string, hour: string): string {
  return `${connectionId}|${dataset}|${hour}`;
}
