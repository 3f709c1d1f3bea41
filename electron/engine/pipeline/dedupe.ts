/**
 * De-duplication memory for one hour: a set of 64-bit fingerprints of `$insert_id` (else `uuid`).
 *
 * Why fingerprints: an hour may hold 10 million events, and keeping every id as a JS string
 * would take gigabytes. Each id is reduced to two independent 32-bit hashes (`lo`, `hi`) kept in
 * typed arrays. The set is split into 256 tables by the top 8 bits of `hi`, so a table stores
 * only the other 56 bits — 7 bytes per slot — and each table grows alone, by 15%, when it is 92%
 * full (slots stay 80–92% used): about 8 bytes per event, ~80 MB for 10 million — or starts at
 * its share of a count the source gives, and never grows. The chance that two different ids
 * share a fingerprint is about n²/2⁶⁵: once in 370,000 hours at 10 million events per hour
 * (docs/pipeline.md).
 *
 * Each table is one resizable ArrayBuffer, never resized: V8 maps that memory from the OS and
 * unmaps it when the table is collected. A plain one comes from malloc, whose heap the ~28
 * growths of each of 256 tables leave full of holes it never gives back: 16 MB more at the peak
 * of a 10-million-event hour (docs/performance.md).
 */
const SHARDS = 256;
const INITIAL_SLOTS = 1024;
const MAX_LOAD = 0.92;
/** Growth factor: small steps keep slots 80–92% used (linear probing stays short enough). */
const GROWTH = 1.15;
/** The most an expected count sizes the tables for (~130 MB); beyond it, tables grow as usual. */
const MAX_EXPECTED = 16_000_000;
/**
 * A table's share of an expected count, with room for chance: fingerprints spread over the 256
 * tables by hash, so each gets its mean share give or take its square root; four of those over
 * the mean leaves no table of an hour's 256 to grow.
 */
const shareOf = (expected: number) => {
  const mean = Math.min(expected, MAX_EXPECTED) / SHARDS;
  return Math.ceil((mean + 4 * Math.sqrt(mean) + 8) / MAX_LOAD);
};

/** One table: `lo` (never 0, so 0 marks an empty slot), then `hi` bits 0–15 and 16–23. */
interface Table {
  lo: Uint32Array;
  mid: Uint16Array;
  top: Uint8Array;
}

const table = (slots: number): Table => {
  const memory = mappedMemory(slots * 7);
  return {
    lo: new Uint32Array(memory, 0, slots),
    mid: new Uint16Array(memory, slots * 4, slots),
    top: new Uint8Array(memory, slots * 6, slots),
  };
};

export class FingerprintSet {
  private readonly tables: Table[] = [];
  private readonly counts = new Int32Array(SHARDS);
  size = 0;

  /**
   * `expected`: how many fingerprints the hour may bring, when its source knows (a files index
   * counts each hour's lines). Each table then starts at its share of them, so none is grown —
   * rehashed — on the way; more than expected still grow as usual.
   */
  constructor(expected = 0) {
    const slots = expected > 0 ? Math.max(INITIAL_SLOTS, shareOf(expected)) : INITIAL_SLOTS;
    for (let i = 0; i < SHARDS; i++) this.tables.push(table(slots));
  }

  /** Add a fingerprint; returns false when it was already there (a duplicate). */
  add(lo: number, hi: number): boolean {
    lo = lo >>> 0 || 1;
    const shard = hi >>> 24;
    const mid = hi & 0xffff;
    const top = (hi >>> 16) & 0xff;
    let t = this.tables[shard]!;
    if (this.counts[shard]! + 1 > t.lo.length * MAX_LOAD) t = this.grow(shard);
    const slots = t.lo.length;
    let slot = lo % slots;
    for (;;) {
      const a = t.lo[slot]!;
      if (a === 0) {
        t.lo[slot] = lo;
        t.mid[slot] = mid;
        t.top[slot] = top;
        this.counts[shard]!++;
        this.size++;
        return true;
      }
      if (a === lo && t.mid[slot] === mid && t.top[slot] === top) return false;
      slot = slot + 1 === slots ? 0 : slot + 1;
    }
  }

  /** Bytes held, for memory figures. */
  get bytes(): number {
    return this.tables.reduce(
      (sum, t) => sum + t.lo.byteLength + t.mid.byteLength + t.top.byteLength,
      0,
    );
  }

  private grow(shard: number): Table {
    const old = this.tables[shard]!;
    const slots = Math.ceil(old.lo.length * GROWTH);
    const next = table(slots);
    for (let i = 0; i < old.lo.length; i++) {
      const lo = old.lo[i]!;
      if (lo === 0) continue;
      let slot = lo % slots;
      while (next.lo[slot] !== 0) slot = slot + 1 === slots ? 0 : slot + 1;
      next.lo[slot] = lo;
      next.mid[slot] = old.mid[i]!;
      next.top[slot] = old.top[i]!;
    }
    this.tables[shard] = next;
    return next;
  }
}

/** MurmurHash3 (x86, 32-bit) of `buf[start, end)`. */
export function murmur3(buf: Uint8Array, start: number, end: number, seed: number): number {
  let h = seed >>> 0;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    let k = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = end - i;
  if (rest > 0) {
    let k = buf[i]!;
    if (rest > 1) k ^= buf[i + 1]! << 8;
    if (rest > 2) k ^= buf[i + 2]! << 16;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= end - start;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Zeroed memory V8 maps from the OS itself, not from malloc's heap. */
function mappedMemory(bytes: number): ArrayBuffer {
  return new ArrayBuffer(bytes, { maxByteLength: bytes });
}
