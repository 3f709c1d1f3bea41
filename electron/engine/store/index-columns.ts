/**
 * The job index's storage: typed columns, one slot per job, that grow by doubling (Columns), and
 * per connection the slots in hour order (Order), so a page or a range needs no scan.
 */

/** Typed columns that grow by doubling. */
export class Columns {
  capacity = 0;
  connection = new Uint16Array(0);
  dataset = new Uint8Array(0);
  hour = new Int32Array(0);
  status = new Uint8Array(0);
  trigger = new Uint8Array(0);
  cancelledBy = new Uint8Array(0);
  errorKind = new Uint8Array(0);
  created = new Float64Array(0);
  updated = new Float64Array(0);
  finished = new Float64Array(0);
  /** Events written; 0xffffffff for none (a count above 4,294,967,294 is kept as that). */
  events = new Uint32Array(0);
  bytes = new Float64Array(0);
  where = new Uint8Array(0);
  offset = new Float64Array(0);
  length = new Uint32Array(0);

  ensure(size: number): void {
    if (size <= this.capacity) return;
    const capacity = Math.max(1024, this.capacity * 2, size);
    const grow = <T extends Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array>(
      old: T,
      make: (n: number) => T,
    ): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.connection = grow(this.connection, (n) => new Uint16Array(n));
    this.dataset = grow(this.dataset, (n) => new Uint8Array(n));
    this.hour = grow(this.hour, (n) => new Int32Array(n));
    this.status = grow(this.status, (n) => new Uint8Array(n));
    this.trigger = grow(this.trigger, (n) => new Uint8Array(n));
    this.cancelledBy = grow(this.cancelledBy, (n) => new Uint8Array(n));
    this.errorKind = grow(this.errorKind, (n) => new Uint8Array(n));
    this.created = grow(this.created, (n) => new Float64Array(n));
    this.updated = grow(this.updated, (n) => new Float64Array(n));
    this.finished = grow(this.finished, (n) => new Float64Array(n));
    this.events = grow(this.events, (n) => new Uint32Array(n));
    this.bytes = grow(this.bytes, (n) => new Float64Array(n));
    this.where = grow(this.where, (n) => new Uint8Array(n));
    this.offset = grow(this.offset, (n) => new Float64Array(n));
    this.length = grow(this.length, (n) => new Uint32Array(n));
    this.capacity = capacity;
  }
}

/**
 * Row numbers kept in history order, oldest hour first (then oldest created, then row): new
 * jobs are mostly of the newest hour, so they land at the end; readers walk it backwards for
 * "newest first".
 */
export class Order {
  rows = new Int32Array(0);
  length = 0;

  constructor(private readonly before: (a: number, b: number) => boolean) {}

  insert(row: number): void {
    // Most jobs are of the newest hour: they go at the end without a search.
    const at =
      this.length === 0 || this.before(this.rows[this.length - 1]!, row)
        ? this.length
        : this.point(row);
    if (this.length === this.rows.length) {
      const next = new Int32Array(Math.max(256, this.rows.length * 2));
      next.set(this.rows.subarray(0, this.length));
      this.rows = next;
    }
    this.rows.copyWithin(at + 1, at, this.length);
    this.rows[at] = row;
    this.length++;
  }

  /** Remove a row; `before` must still order it as when it was inserted. */
  remove(row: number): void {
    let at = this.point(row) - 1;
    if (at < 0 || this.rows[at] !== row) at = this.rows.subarray(0, this.length).indexOf(row);
    if (at < 0) return;
    this.rows.copyWithin(at, at + 1, this.length);
    this.length--;
  }

  /** Positions of rows whose hour is within [from, to] (hour numbers): [start, end). */
  span(hourOf: Int32Array, from: number, to: number): [number, number] {
    return [this.firstAtLeast(hourOf, from), this.firstAtLeast(hourOf, to + 1)];
  }

  private firstAtLeast(hourOf: Int32Array, hour: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hourOf[this.rows[mid]!]! < hour) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Where a row goes: after every row that sorts before it. */
  private point(row: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.before(this.rows[mid]!, row) || this.rows[mid] === row) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
