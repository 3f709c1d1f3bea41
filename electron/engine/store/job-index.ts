import {
  CANCEL_REASONS,
  ERROR_KINDS,
  JOB_STATUSES,
  JOB_TRIGGERS,
  type Job,
} from '../../../shared/model/jobs';
import { hourIndex, hourString } from '../../../shared/model/export-format';
import { DATASETS } from '../../../shared/model/fields';
import { IdColumn } from './id-column';
import { IdTable } from './id-table';
import { Columns, Order } from './index-columns';
import { type Row } from './index-row';

/** What every job is found, sorted, counted and charted by, without reading its month. */
export interface IndexEntry {
  id: string;
  connectionId: string;
  dataset: Job['dataset'];
  hour: string;
  status: Job['status'];
  trigger: Job['trigger'];
  /** Who or what stopped a cancelled job (a shutdown's run again at the next start). */
  cancelledBy: Job['cancelledBy'];
  /** The kind of a failed job's error (an access error makes a connection failing at once). */
  errorKind: NonNullable<Job['error']>['kind'] | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** Events written (`counts.eventsOut`) and stored bytes, for the charts. */
  events: number | null;
  bytes: number | null;
  month: string;
}

const NO_EVENTS = 0xffffffff;

export const STATUS_CODE = Object.fromEntries(JOB_STATUSES.map((s, i) => [s, i])) as Record<
  Job['status'],
  number
>;

/** What a page or a listing asks the index for. */
export interface IndexFilter {
  connectionId?: string;
  statuses?: ReadonlySet<Job['status']> | null;
  dataset?: Job['dataset'];
  hourFrom?: string;
  hourTo?: string;
  /**
   * Only the latest job of each (connection, dataset, hour): an hour tried again is one row.
   * The other filters then apply to that job (a failed hour retried with success is not failed).
   */
  latestOnly?: boolean;
}

/** What the index is asked for a page of the history (`jobs.list`), from the API's query. */
export function indexFilterOf(q: {
  connectionId?: string;
  status?: readonly Job['status'][];
  dataset?: Job['dataset'];
  hourFrom?: string;
  hourTo?: string;
  latestOnly?: boolean;
}): IndexFilter {
  return {
    connectionId: q.connectionId,
    statuses: q.status?.length ? new Set(q.status) : null,
    dataset: q.dataset,
    hourFrom: q.hourFrom,
    hourTo: q.hourTo,
    latestOnly: q.latestOnly,
  };
}

/** The latest job of each (dataset, hour) of a connection over a range, and any success. */
export interface HourSlots {
  from: number;
  to: number;
  /** Per dataset (in DATASETS order) × hour: the latest job's row, or -1. */
  latest: Int32Array;
  /** The same cells: 1 when any job of it succeeded. */
  succeeded: Uint8Array;
}

/**
 * Every job's index fields, in columns: about 75 bytes a job, its id 24 more (id-column.ts), so a
 * million jobs take ~100 MB (98 MB measured, docs/performance.md) where objects of strings took
 * over 500 MB. The store of record stays the month files; this is what pages, filters, the
 * schedule, statuses and charts are answered from.
 */
export class JobIndex {
  private readonly cols = new Columns();
  private readonly ids = new IdColumn();
  private readonly rowById = new IdTable(this.ids);
  private readonly connections: string[] = [];
  private readonly connectionCode = new Map<string, number>();
  /** Rows no longer used (a job moved out by a month re-read); reused by the next insert. */
  private readonly free: number[] = [];
  private readonly all: Order;
  private readonly byConnection: Order[] = [];
  private readonly hourStrings = new Map<number, string>();
  /** Jobs per status, of all connections and of each (a status filter's total without a scan). */
  private readonly statusCounts = new Int32Array(JOB_STATUSES.length);
  private readonly statusCountsBy: Int32Array[] = [];
  private readonly before = (a: number, b: number): boolean => {
    const c = this.cols;
    if (c.hour[a] !== c.hour[b]) return c.hour[a]! < c.hour[b]!;
    if (c.created[a] !== c.created[b]) return c.created[a]! < c.created[b]!;
    return a < b;
  };

  constructor() {
    this.all = new Order(this.before);
  }

  get size(): number {
    return this.rowById.size;
  }

  /** Make room for about `n` jobs (before loading a known number). */
  reserve(n: number): void {
    this.rowById.reserve(n);
    this.ids.reserve(n);
    this.cols.ensure(n);
  }

  /** Insert or replace a job's row. */
  set(row: Row): void {
    const existing = this.rowById.get(row.id);
    if (existing !== undefined) this.unlink(existing);
    const at = existing ?? this.free.pop() ?? this.ids.length;
    this.ids.set(at, row.id);
    this.cols.ensure(this.ids.length);
    const c = this.cols;
    const connection = this.code(row.connection);
    c.connection[at] = connection;
    c.dataset[at] = row.dataset;
    c.hour[at] = row.hour;
    c.status[at] = row.status;
    c.trigger[at] = row.trigger;
    c.cancelledBy[at] = row.cancelledBy;
    c.errorKind[at] = row.errorKind;
    c.created[at] = row.created;
    c.updated[at] = row.updated;
    c.finished[at] = row.finished;
    c.events[at] = Number.isNaN(row.events) ? NO_EVENTS : Math.min(row.events, NO_EVENTS - 1);
    c.bytes[at] = row.bytes;
    c.where[at] = row.where;
    c.offset[at] = row.offset;
    c.length[at] = row.length;
    this.rowById.set(row.id, at);
    this.all.insert(at);
    this.byConnection[connection]!.insert(at);
    this.statusCounts[row.status]!++;
    this.statusCountsBy[connection]![row.status]!++;
  }

  delete(id: string): void {
    const at = this.rowById.get(id);
    if (at === undefined) return;
    this.unlink(at);
    this.rowById.delete(id);
    this.ids.set(at, '');
    this.free.push(at);
  }

  /** Ids of every job of a month (`yyyy-MM`). */
  idsOfMonth(month: string): string[] {
    const from = hourIndex(`${month}-01T00`);
    const next = new Date(`${month}-01T00:00:00Z`);
    next.setUTCMonth(next.getUTCMonth() + 1);
    const [start, end] = this.all.span(this.cols.hour, from, next.getTime() / 3_600_000 - 1);
    const ids: string[] = [];
    for (let i = start; i < end; i++) ids.push(this.ids.get(this.all.rows[i]!));
    return ids;
  }

  /** The month (`yyyy-MM`) of a job's hour: which month's files hold its record. */
  month(id: string): string | null {
    const at = this.rowById.get(id);
    return at === undefined ? null : this.hourString(this.cols.hour[at]!).slice(0, 7);
  }

  entryAt(at: number): IndexEntry {
    const c = this.cols;
    const hour = this.hourString(c.hour[at]!);
    const time = (ms: number) => new Date(ms).toISOString();
    return {
      id: this.ids.get(at),
      connectionId: this.connections[c.connection[at]!]!,
      dataset: DATASETS[c.dataset[at]!]!,
      hour,
      status: JOB_STATUSES[c.status[at]!]!,
      trigger: JOB_TRIGGERS[c.trigger[at]!]!,
      cancelledBy: c.cancelledBy[at] ? CANCEL_REASONS[c.cancelledBy[at]! - 1]! : null,
      errorKind: c.errorKind[at] ? ERROR_KINDS[c.errorKind[at]! - 1]! : null,
      createdAt: time(c.created[at]!),
      updatedAt: time(c.updated[at]!),
      finishedAt: Number.isNaN(c.finished[at]) ? null : time(c.finished[at]!),
      events: c.events[at] === NO_EVENTS ? null : c.events[at]!,
      bytes: Number.isNaN(c.bytes[at]) ? null : c.bytes[at]!,
      month: hour.slice(0, 7),
    };
  }

  rowAt(at: number): Row {
    const c = this.cols;
    return {
      id: this.ids.get(at),
      connection: this.connections[c.connection[at]!]!,
      dataset: c.dataset[at]!,
      hour: c.hour[at]!,
      status: c.status[at]!,
      trigger: c.trigger[at]!,
      cancelledBy: c.cancelledBy[at]!,
      errorKind: c.errorKind[at]!,
      created: c.created[at]!,
      updated: c.updated[at]!,
      finished: c.finished[at]!,
      events: c.events[at] === NO_EVENTS ? NaN : c.events[at]!,
      bytes: c.bytes[at]!,
      where: c.where[at]!,
      offset: c.offset[at]!,
      length: c.length[at]!,
    };
  }

  /** Where a job's latest full record is, or null when not known (its month must be read). */
  location(id: string): { where: number; offset: number; length: number } | null {
    const at = this.rowById.get(id);
    if (at === undefined || this.cols.where[at] === 0) return null;
    return {
      where: this.cols.where[at]!,
      offset: this.cols.offset[at]!,
      length: this.cols.length[at]!,
    };
  }

  setLocation(id: string, where: number, offset: number, length: number): void {
    const at = this.rowById.get(id);
    if (at === undefined) return;
    this.cols.where[at] = where;
    this.cols.offset[at] = offset;
    this.cols.length[at] = length;
  }

  /**
   * Re-point a month's records after its files changed: rows whose record is in file `from`
   * move to `to` (null: no longer known), `shift` bytes further on. Returns the ids changed.
   */
  moveLocations(month: string, from: readonly number[], to: number | null, shift = 0): string[] {
    const changed: string[] = [];
    for (const id of this.idsOfMonth(month)) {
      const at = this.rowById.get(id)!;
      if (!from.includes(this.cols.where[at]!)) continue;
      this.cols.where[at] = to ?? 0;
      this.cols.offset[at] = to === null ? 0 : this.cols.offset[at]! + shift;
      if (to === null) this.cols.length[at] = 0;
      changed.push(id);
    }
    return changed;
  }

  /** The index row of a job (for writing it to the index file). */
  row(id: string): Row | null {
    const at = this.rowById.get(id);
    return at === undefined ? null : this.rowAt(at);
  }

  /**
   * Rows matching a filter, newest first: `offset` skipped, at most `limit` returned, and how
   * many match in all. Columns only: a million rows scan in a few milliseconds.
   */
  page(filter: IndexFilter, offset: number, limit: number): { rows: number[]; total: number } {
    const order = this.orderOf(filter.connectionId);
    if (!order) return { rows: [], total: 0 };
    const c = this.cols;
    const [start, end] = order.span(
      c.hour,
      filter.hourFrom ? hourIndex(filter.hourFrom) : -Infinity,
      filter.hourTo ? hourIndex(filter.hourTo) : Infinity,
    );
    const statuses = filter.statuses?.size
      ? new Uint8Array(JOB_STATUSES.length).map((_, i) =>
          filter.statuses!.has(JOB_STATUSES[i]!) ? 1 : 0,
        )
      : null;
    const dataset = filter.dataset ? DATASETS.indexOf(filter.dataset) : -1;
    const list = order.rows;
    const rows: number[] = [];
    if (filter.latestOnly)
      return this.latestPage(list, start, end, statuses, dataset, offset, limit);
    if (!statuses && dataset < 0) {
      // Every row in the range matches: the page is a slice.
      for (let i = end - 1 - offset; i >= start && rows.length < limit; i--) rows.push(list[i]!);
      return { rows, total: end - start };
    }
    // A status filter over whole history: the total is counted as jobs change, so the scan
    // stops once the page is full.
    const counted = dataset < 0 && start === 0 && end === order.length && statuses;
    let total = 0;
    if (counted) {
      const counts =
        filter.connectionId === undefined
          ? this.statusCounts
          : this.statusCountsBy[this.connectionCode.get(filter.connectionId)!]!;
      for (let s = 0; s < statuses.length; s++) if (statuses[s]) total += counts[s]!;
    }
    let seen = 0;
    for (let i = end - 1; i >= start; i--) {
      const r = list[i]!;
      if (statuses && !statuses[c.status[r]!]) continue;
      if (dataset >= 0 && c.dataset[r] !== dataset) continue;
      if (seen >= offset && rows.length < limit) rows.push(r);
      seen++;
      if (counted && rows.length >= limit) break;
    }
    return { rows, total: counted ? total : seen };
  }

  /**
   * A page of only the latest job of each (connection, dataset, hour). The order puts an hour's
   * jobs together, oldest first: walking back, the first of a key within its hour is its latest.
   */
  private latestPage(
    list: Int32Array,
    start: number,
    end: number,
    statuses: Uint8Array | null,
    dataset: number,
    offset: number,
    limit: number,
  ): { rows: number[]; total: number } {
    const c = this.cols;
    const rows: number[] = [];
    // Which (connection, dataset) keys the current hour has shown: the hour's number in the
    // walk, per key. One array for the whole walk — a set cleared at each hour made garbage in
    // proportion to the history (a page of ten million jobs left tens of megabytes to collect).
    const seenInHour = new Int32Array(this.connections.length * DATASETS.length);
    let hourNumber = 0;
    let hour = Number.NaN;
    let total = 0;
    for (let i = end - 1; i >= start; i--) {
      const r = list[i]!;
      if (c.hour[r] !== hour) {
        hour = c.hour[r]!;
        hourNumber++;
      }
      const key = c.connection[r]! * DATASETS.length + c.dataset[r]!;
      if (seenInHour[key] === hourNumber) continue;
      seenInHour[key] = hourNumber;
      if (statuses && !statuses[c.status[r]!]) continue;
      if (dataset >= 0 && c.dataset[r] !== dataset) continue;
      if (total >= offset && rows.length < limit) rows.push(r);
      total++;
    }
    return { rows, total };
  }

  /** Index entries in an hour range (all when no range), newest first, matching `keep`. */
  entries(
    keep: (e: Readonly<IndexEntry>) => boolean,
    connectionId?: string,
    range?: { from?: string; to?: string },
  ): IndexEntry[] {
    const order = this.orderOf(connectionId);
    if (!order) return [];
    const [start, end] = order.span(
      this.cols.hour,
      range?.from ? hourIndex(range.from) : -Infinity,
      range?.to ? hourIndex(range.to) : Infinity,
    );
    const out: IndexEntry[] = [];
    for (let i = end - 1; i >= start; i--) {
      const e = this.entryAt(order.rows[i]!);
      if (keep(e)) out.push(e);
    }
    return out;
  }

  /**
   * Jobs a stop or a kill may have cut off — still queued or running, or cancelled by a
   * shutdown — with every other job of their hours, newest first per hour. Scans columns only.
   */
  interrupted(): IndexEntry[] {
    const c = this.cols;
    const queued = STATUS_CODE.queued;
    const running = STATUS_CODE.running;
    const cancelled = STATUS_CODE.cancelled;
    const shutdown = CANCEL_REASONS.indexOf('shutdown') + 1;
    const hours = new Map<string, { connection: string; hour: string }>();
    for (let i = 0; i < this.all.length; i++) {
      const r = this.all.rows[i]!;
      const s = c.status[r];
      if (s !== queued && s !== running && !(s === cancelled && c.cancelledBy[r] === shutdown))
        continue;
      const connection = this.connections[c.connection[r]!]!;
      const hour = this.hourString(c.hour[r]!);
      hours.set(`${connection}|${hour}`, { connection, hour });
    }
    const out: IndexEntry[] = [];
    for (const { connection, hour } of hours.values())
      out.push(...this.entries(() => true, connection, { from: hour, to: hour }));
    return out;
  }

  /** Rows of every job, by row number, in history order as it is now (for writing it out). */
  rowsInOrder(): Iterable<Row> {
    const order = this.all.rows.slice(0, this.all.length);
    const ids = this.ids;
    const rowAt = (at: number) => this.rowAt(at);
    return (function* () {
      for (const at of order) if (ids.used(at)) yield rowAt(at);
    })();
  }

  /**
   * The latest job of each (dataset, hour) of one connection between two hours, and whether
   * any of its jobs succeeded — what the schedule plans from, in one pass over the range.
   */
  slots(connectionId: string, from: number, to: number): HourSlots {
    const hours = Math.max(0, to - from + 1);
    const latest = new Int32Array(hours * DATASETS.length).fill(-1);
    const succeeded = new Uint8Array(hours * DATASETS.length);
    const order = this.orderOf(connectionId);
    if (order && hours > 0) {
      const c = this.cols;
      const ok = STATUS_CODE.succeeded;
      const [start, end] = order.span(c.hour, from, to);
      for (let i = start; i < end; i++) {
        const r = order.rows[i]!;
        const cell = c.dataset[r]! * hours + (c.hour[r]! - from);
        latest[cell] = r; // oldest first: the last one seen is the latest
        if (c.status[r] === ok) succeeded[cell] = 1;
      }
    }
    return { from, to, latest, succeeded };
  }

  /** The hours (numbers) a connection's jobs span, or null when it has none. */
  hourSpan(connectionId: string): { from: number; to: number } | null {
    const order = this.orderOf(connectionId);
    if (!order || order.length === 0) return null;
    return {
      from: this.cols.hour[order.rows[0]!]!,
      to: this.cols.hour[order.rows[order.length - 1]!]!,
    };
  }

  private orderOf(connectionId: string | undefined): Order | null {
    if (connectionId === undefined) return this.all;
    const code = this.connectionCode.get(connectionId);
    return code === undefined ? null : this.byConnection[code]!;
  }

  private unlink(at: number): void {
    const connection = this.cols.connection[at]!;
    this.all.remove(at);
    this.byConnection[connection]!.remove(at);
    this.statusCounts[this.cols.status[at]!]!--;
    this.statusCountsBy[connection]![this.cols.status[at]!]!--;
  }

  private code(connection: string): number {
    let code = this.connectionCode.get(connection);
    if (code === undefined) {
      code = this.connections.length;
      if (code > 0xffff) throw new Error('More than 65,536 connections in the job history');
      this.connections.push(connection);
      this.connectionCode.set(connection, code);
      this.byConnection.push(new Order(this.before));
      this.statusCountsBy.push(new Int32Array(JOB_STATUSES.length));
    }
    return code;
  }

  private hourString(hour: number): string {
    let text = this.hourStrings.get(hour);
    if (text === undefined) {
      text = hourString(hour);
      if (this.hourStrings.size > 200_000) this.hourStrings.clear();
      this.hourStrings.set(hour, text);
    }
    return text;
  }
}
