import { randomBytes } from 'node:crypto';
import { FerryError } from '../../../shared/api/errors';
import type { PushEvent } from '../../../shared/api/events';
import type { Connection } from '../../../shared/model/entities';
import type { Backfill, Job } from '../../../shared/model/jobs';
import { hourIndex, hourString } from '../../../shared/model/export-format';
import type { Dataset } from '../../../shared/model/fields';
import {
  LARGE_RANGE_HOURS,
  notEndedProblem,
  rangeHours,
  rangeOrderProblem,
} from '../../../shared/model/hours';
import type { BackfillHour, BackfillPreview } from '../../../shared/model/schedule';
import { checkDatasets } from '../jobs/run';
import type { StoredBackfill } from '../store/schema';
import {
  countSlots,
  decodeSlots,
  encodeSlots,
  nextOpen,
  openSlots,
  SLOT,
  slotCode,
  type SlotOutcome,
} from './backfill-slots';
import type { ExportQueue, Flight } from './queue';
import { previewRange } from './backfill-preview';
import type { Timers } from '../time/timers';
import type { ConfigPort, JobHistoryPort } from '../store/ports';

/** Backfill counters are written to config.json at most this often while it runs. */
const SAVE_EVERY_MS = 2_000;

export interface BackfillRangeInput {
  connectionId: string;
  from: string;
  to: string;
  datasets?: Dataset[];
  confirmLarge?: boolean;
}

export interface BackfillDeps {
  config: ConfigPort;
  jobs: JobHistoryPort;
  queue: ExportQueue;
  timers: Timers;
  emit(event: PushEvent): void;
  log?(error: unknown): void;
  resolve(connectionId: string): { connection: Connection };
  /** Queue one hour of a backfill as a run (null when that hour is in flight already). */
  enqueue(
    connection: Connection,
    hour: string,
    datasets: Dataset[],
    options: { signal: AbortSignal },
  ): Flight | null;
  /** How many hours a backfill keeps handed to the queue at once. */
  window(): number;
}

/** A backfill being worked on in this process. */
interface Live {
  record: StoredBackfill;
  connection: Connection;
  slots: Uint8Array;
  first: number;
  /** The next hour (offset from `from`) to hand to the queue. */
  cursor: number;
  /** Hours handed to the queue and not ended yet. */
  active: number;
  /** Their offsets: a cancel leaves them to settle from how their runs end. */
  inFlight: Set<number>;
  /** Resolves when `active` comes back to 0 (a cancel waits for it). */
  onIdle: (() => void) | null;
  controller: AbortController;
  savedAt: number;
}

/**
 * Backfills: a range of hours exported as runs at the lowest priority, so they never hold up
 * the schedule and still use every free slot.
 *
 * A backfill is stored as its range plus one compact slot per (hour, dataset); runs are created
 * as the queue drains — a few hours at a time, oldest first — never one queue entry or job per
 * hour up front, so a five-year backfill starts at once and its memory does not grow with its
 * range. An hour already queued or running elsewhere (the schedule, a manual export) is left to
 * that run, and its outcome counts. Backfills that were running when Ferry stopped resume with
 * their open slots.
 */
export class Backfills {
  private readonly live = new Map<string, Live>();
  private stopping = false;

  constructor(private readonly deps: BackfillDeps) {}

  /** How many hours a range is and which overlap earlier exports; changes nothing. */
  preview(input: BackfillRangeInput): BackfillPreview {
    const { connection, datasets } = this.checkRange(input);
    return previewRange(this.deps, connection, datasets, input);
  }

  async start(input: BackfillRangeInput): Promise<Backfill> {
    const { connection, datasets } = this.checkRange(input);
    const hours = rangeHours(input.from, input.to);
    if (hours > LARGE_RANGE_HOURS && !input.confirmLarge)
      throw new FerryError(
        'validation',
        `${input.from} to ${input.to} is ${hours.toLocaleString('en-US')} hours (${(hours / 8766).toFixed(1)} years). A backfill over two years starts only when you confirm it.`,
        'confirmLarge',
      );
    const slots = openSlots(hours * datasets.length);
    const record: StoredBackfill = {
      id: `bf_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`,
      connectionId: connection.id,
      from: input.from,
      to: input.to,
      datasets,
      status: 'running',
      createdAt: this.deps.timers.now().toISOString(),
      finishedAt: null,
      total: slots.length,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      slots: encodeSlots(slots),
    };
    await this.deps.config.update((data) => {
      data.backfills.push(record);
    });
    this.run(record, connection, slots);
    return this.get(record.id);
  }

  /** Resume backfills that were running when Ferry stopped: their open slots. */
  async resume(): Promise<void> {
    for (const stored of this.deps.config.data.backfills) {
      if (stored.status !== 'running' || this.live.has(stored.id)) continue;
      let connection: Connection;
      try {
        connection = this.deps.resolve(stored.connectionId).connection;
      } catch {
        await this.close(stored.id, 'cancelled', null);
        continue;
      }
      let slots: Uint8Array;
      try {
        slots = decodeSlots(stored.slots, stored.total);
      } catch {
        // No (or unreadable) per-hour state: export the whole range again; overlaps are safe.
        slots = openSlots(stored.total);
      }
      this.catchUp(stored, slots);
      this.run({ ...stored }, connection, slots);
    }
  }

  /**
   * Slots are saved every few seconds, so hours that ended just before Ferry stopped may still
   * be open in the record: take their outcome from the history instead of exporting them again.
   */
  private catchUp(stored: StoredBackfill, slots: Uint8Array): void {
    const first = hourIndex(stored.from);
    const nd = stored.datasets.length;
    for (const e of this.deps.jobs.entries(
      (e) =>
        e.trigger === 'backfill' &&
        e.createdAt >= stored.createdAt &&
        e.hour >= stored.from &&
        e.hour <= stored.to,
      stored.connectionId,
      { from: stored.from, to: stored.to },
    )) {
      const d = stored.datasets.indexOf(e.dataset);
      const at = (hourIndex(e.hour) - first) * nd + d;
      if (d < 0 || slots[at] !== SLOT.open) continue;
      if (e.status === 'succeeded' || e.status === 'failed') slots[at] = slotCode(e.status);
    }
  }

  /** Stop handing hours to the queue (Ferry is stopping); open slots resume at the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.live.values()].map((live) => this.persist(live)));
  }

  list(connectionId?: string): Backfill[] {
    return this.deps.config.data.backfills
      .filter((b) => !connectionId || b.connectionId === connectionId)
      .map((b) => this.view(this.live.get(b.id)?.record ?? b))
      .reverse();
  }

  get(id: string): Backfill {
    const found =
      this.live.get(id)?.record ?? this.deps.config.data.backfills.find((b) => b.id === id);
    if (!found) throw new FerryError('not_found', `There is no backfill ${id}`, 'id');
    return this.view(found);
  }

  /**
   * Cancel a backfill: hours not started are cancelled; running ones stop — and count as how
   * they end: one already being made visible ends exported, and is counted so. Answers once
   * every running hour has ended, so its counts are the outcomes of its hours' jobs.
   */
  async cancel(id: string): Promise<Backfill> {
    const found = this.get(id);
    if (found.status !== 'running') return found;
    const live = this.live.get(id);
    if (live) {
      const nd = live.record.datasets.length;
      for (let i = 0; i < live.slots.length; i++)
        if (live.slots[i] === SLOT.open && !live.inFlight.has(Math.floor(i / nd)))
          live.slots[i] = SLOT.cancelled;
      live.controller.abort(new Error('The backfill was cancelled'));
      this.count(live);
      this.deps.emit({ type: 'backfill.updated', backfill: this.view(live.record) });
      if (live.active > 0) await new Promise<void>((resolve) => (live.onIdle = resolve));
      // What a run left unsettled (dropped from the queue before it started) was cancelled.
      for (let i = 0; i < live.slots.length; i++)
        if (live.slots[i] === SLOT.open) live.slots[i] = SLOT.cancelled;
      this.count(live);
    }
    await this.close(id, 'cancelled', live ?? null);
    return this.get(id);
  }

  /**
   * Hours of a connection's running backfills still to be exported and not handed to the
   * queue yet: the queue holds a few at a time, the rest wait here (and count as waiting).
   */
  waiting(connectionId: string): number {
    let hours = 0;
    for (const live of this.live.values()) {
      if (live.connection.id !== connectionId || live.record.status !== 'running') continue;
      const nd = live.record.datasets.length;
      const open = countSlots(live.slots).open;
      hours += Math.max(0, Math.ceil(open / nd) - live.inFlight.size);
    }
    return hours;
  }

  /** Cancel the backfills of a deleted connection. */
  async forget(connectionId: string): Promise<void> {
    for (const b of this.deps.config.data.backfills)
      if (b.connectionId === connectionId && b.status === 'running') await this.cancel(b.id);
  }

  /**
   * Each slot (hour, dataset) of a backfill and where it is — queued or running now, how it
   * ended, or waiting — for the first `limit` slots, oldest first.
   */
  hours(id: string, limit = 1000): { items: BackfillHour[]; total: number } {
    const b = this.get(id);
    const live = this.live.get(id);
    const stored = this.deps.config.data.backfills.find((x) => x.id === id);
    let slots: Uint8Array | null = live?.slots ?? null;
    if (!slots && stored)
      try {
        slots = decodeSlots(stored.slots, stored.total);
      } catch {
        slots = null;
      }
    const nd = b.datasets.length;
    const shown = Math.min(limit, b.total);
    const lastHour = hourString(hourIndex(b.from) + Math.ceil(shown / nd) - 1);
    const jobIds = new Map<string, string>();
    for (const e of this.deps.jobs.entries(
      (e) => e.hour >= b.from && e.hour <= lastHour && e.createdAt >= b.createdAt,
      b.connectionId,
      { from: b.from, to: lastHour },
    ))
      if (!jobIds.has(`${e.dataset}|${e.hour}`)) jobIds.set(`${e.dataset}|${e.hour}`, e.id);
    const items: BackfillHour[] = [];
    for (let i = 0; i < shown; i++) {
      const hour = hourString(hourIndex(b.from) + Math.floor(i / nd));
      const dataset = b.datasets[i % nd]!;
      const flight = this.deps.queue.flight(b.connectionId, hour);
      const code = slots?.[i] ?? SLOT.open;
      const status: BackfillHour['status'] =
        flight && flight.datasets.includes(dataset) && code === SLOT.open
          ? flight.state
          : code === SLOT.succeeded
            ? 'succeeded'
            : code === SLOT.failed
              ? 'failed'
              : code === SLOT.cancelled || b.status !== 'running'
                ? 'cancelled'
                : 'waiting';
      items.push({ hour, dataset, status, jobId: jobIds.get(`${dataset}|${hour}`) ?? null });
    }
    return { items, total: b.total };
  }

  // -- running -----------------------------------------------------------------------------------

  private run(record: StoredBackfill, connection: Connection, slots: Uint8Array): void {
    const live: Live = {
      record,
      connection,
      slots,
      first: hourIndex(record.from),
      cursor: 0,
      active: 0,
      inFlight: new Set(),
      onIdle: null,
      controller: new AbortController(),
      savedAt: Date.now(),
    };
    this.live.set(record.id, live);
    this.count(live);
    this.pump(live);
  }

  /** Hand the next open hours to the queue, keeping a few at a time there. */
  private pump(live: Live): void {
    const nd = live.record.datasets.length;
    const hours = live.slots.length / nd;
    while (
      !this.stopping &&
      !live.controller.signal.aborted &&
      live.active < this.deps.window() &&
      live.cursor < hours
    ) {
      const next = nextOpen(live.slots, live.cursor * nd);
      if (next < 0) {
        live.cursor = hours;
        break;
      }
      const offset = Math.floor(next / nd);
      live.cursor = offset + 1;
      const datasets = live.record.datasets.filter(
        (_, d) => live.slots[offset * nd + d] === SLOT.open,
      );
      live.active++;
      live.inFlight.add(offset);
      void this.runHour(live, offset, datasets)
        .catch((error: unknown) => this.deps.log?.(error))
        .finally(() => {
          live.active--;
          live.inFlight.delete(offset);
          if (live.active === 0) live.onIdle?.();
          this.pump(live);
          if (live.active === 0) void this.finishIfDone(live);
        });
    }
    if (live.active === 0) void this.finishIfDone(live);
  }

  private async runHour(live: Live, offset: number, datasets: Dataset[]): Promise<void> {
    const hour = hourString(live.first + offset);
    let remaining = datasets;
    const signal = live.controller.signal;
    for (;;) {
      // Queued or running elsewhere (the schedule, a manual export): that run's outcome counts
      // — unless the backfill is cancelled meanwhile: then its slot is cancelled, not waited for.
      const other = this.deps.queue.flight(live.connection.id, hour);
      if (!other) break;
      const jobs = await untilAborted(
        other.done.catch(() => [] as Job[]),
        signal,
        [] as Job[],
      );
      remaining = this.settleJobs(live, offset, remaining, jobs);
      if (remaining.length === 0 || signal.aborted || this.stopping) return;
    }
    if (signal.aborted || this.stopping) return;
    const flight = this.deps.enqueue(live.connection, hour, remaining, { signal });
    if (!flight) return;
    const jobs = await flight.done.catch(() => [] as Job[]);
    const left = this.settleJobs(live, offset, remaining, jobs);
    // A run that never started, or was dropped because the connection is gone: cancelled —
    // unless Ferry is stopping, when the slot stays open and resumes at the next start.
    if (left.length > 0 && !this.stopping && !signal.aborted)
      for (const dataset of left) this.settle(live, offset, dataset, 'cancelled');
  }

  /** Record the outcome of the jobs a run ended with; returns the datasets it did not settle. */
  private settleJobs(live: Live, offset: number, datasets: Dataset[], jobs: Job[]): Dataset[] {
    const left: Dataset[] = [];
    for (const dataset of datasets) {
      const job = jobs.find((j) => j.dataset === dataset);
      const outcome = job ? outcomeOf(job) : null;
      if (outcome) this.settle(live, offset, dataset, outcome);
      else left.push(dataset);
    }
    return left;
  }

  private settle(live: Live, offset: number, dataset: Dataset, outcome: SlotOutcome): void {
    const at = offset * live.record.datasets.length + live.record.datasets.indexOf(dataset);
    if (live.slots[at] !== SLOT.open) return;
    live.slots[at] = slotCode(outcome);
    this.count(live);
    this.deps.emit({ type: 'backfill.updated', backfill: this.view(live.record) });
    if (Date.now() - live.savedAt >= SAVE_EVERY_MS) void this.persist(live);
  }

  private async finishIfDone(live: Live): Promise<void> {
    if (live.record.status !== 'running' || this.stopping) return;
    const counts = countSlots(live.slots);
    if (counts.open > 0) return;
    await this.close(
      live.record.id,
      counts.failed > 0 ? 'failed' : counts.cancelled > 0 ? 'cancelled' : 'succeeded',
      live,
    );
  }

  private async close(id: string, status: Backfill['status'], live: Live | null): Promise<void> {
    const record = live?.record ?? this.deps.config.data.backfills.find((b) => b.id === id);
    if (!record || record.status !== 'running') return;
    const closed = { ...record, status, finishedAt: this.deps.timers.now().toISOString() };
    if (live) {
      live.record = closed;
      await this.persist(live);
      this.live.delete(id);
    } else await this.save(closed);
    this.deps.emit({ type: 'backfill.updated', backfill: this.view(closed) });
  }

  private count(live: Live): void {
    const c = countSlots(live.slots);
    live.record = {
      ...live.record,
      succeeded: c.succeeded,
      failed: c.failed,
      cancelled: c.cancelled,
    };
  }

  private async persist(live: Live): Promise<void> {
    live.savedAt = Date.now();
    live.record = { ...live.record, slots: encodeSlots(live.slots) };
    await this.save(live.record).catch((error: unknown) => this.deps.log?.(error));
  }

  private async save(record: StoredBackfill): Promise<void> {
    const copy = { ...record };
    await this.deps.config.update((data) => {
      const at = data.backfills.findIndex((x) => x.id === copy.id);
      if (at >= 0) data.backfills[at] = copy;
    });
  }

  private view(record: StoredBackfill): Backfill {
    const { slots, ...backfill } = record;
    void slots;
    return backfill;
  }

  /** The range rules shared by preview and start: ordered, ended, the connection's datasets. */
  private checkRange(input: BackfillRangeInput): { connection: Connection; datasets: Dataset[] } {
    const { connection } = this.deps.resolve(input.connectionId);
    const problem =
      rangeOrderProblem(input.from, input.to) ??
      notEndedProblem(input.to, this.deps.timers.now().getTime());
    if (problem) throw new FerryError('validation', problem, 'to');
    return { connection, datasets: checkDatasets(connection, input.datasets) };
  }
}

/** A slot's outcome from its job; null when it should run again (Ferry was stopping). */
function outcomeOf(job: Job): SlotOutcome | null {
  if (job.status === 'succeeded' || job.status === 'failed') return job.status;
  if (job.status === 'cancelled') return job.cancelledBy === 'shutdown' ? null : 'cancelled';
  return null;
}

/** `work`'s value, or `instead` as soon as the signal aborts; the listener never outlives it. */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal, instead: T): Promise<T> {
  if (signal.aborted) return instead;
  let stop = () => {};
  const stopped = new Promise<T>((resolve) => (stop = () => resolve(instead)));
  signal.addEventListener('abort', stop, { once: true });
  try {
    return await Promise.race([work, stopped]);
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
