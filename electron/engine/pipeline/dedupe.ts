/**
 * De-duplication memory for one hour: a set of 64-bit fingerprints of `$insert_id` (else `uuid`).
 *
 * Why fingerprints: an hour may hold 10 million events, and keeping every id as a JS string
 * would take gigabytes. Each id is reduced to two independent 32-bit hashes stored in typed
 * arrays — 8 bytes per event at most 75% load, about 110 MB for 10 million events. The chance
 * that two different ids share a fingerprint is about n²/2⁶⁵: one in 370,000 hours at 10 million
 * events per hour (docs/pipeline.md). The set is split into 256 tables by the top hash bits so a
 * table grows alone, and growing never doubles the whole memory at once.
 */
const SHARDS = 256;
const INITIAL_SLOTS = 1024;

export class FingerprintSet {
  private readonly tables: Uint32Array[] = [];
  private readonly counts = new Int32Array(SHARDS);
  size = 0;

  constructor() {
    for (let i = 0; i < SHARDS; i++) this.tables.push(new Uint32Array(INITIAL_SLOTS * 2));
  }

  /** Add a fingerprint; returns false when it was already there (a duplicate). */
  add(lo: number, hi: number): boolean {
    lo = lo >>> 0 || 1; // (0, 0) marks an empty slot
    hi = hi >>> 0;
    const shard = hi >>> 24;
    let table = this.tables[shard]!;
    if ((this.counts[shard]! + 1) * 4 > (table.length >> 1) * 3) table = this.grow(shard);
    const mask = (table.length >> 1) - 1;
    let slot = lo & mask;
    for (;;) {
      const at = slot << 1;
      const a = table[at]!;
      if (a === 0 && table[at + 1] === 0) {
        table[at] = lo;
        table[at + 1] = hi;
        this.counts[shard]!++;
        this.size++;
        return true;
      }
      if (a === lo && table[at + 1] === hi) return false;
      slot = (slot + 1) & mask;
    }
  }

  /** Bytes held, for memory figures. */
  get bytes(): number {
    return this.tables.reduce((sum, t) => sum + t.byteLength, 0);
  }

  private grow(shard: number): Uint32Array {
    const old = this.tables[shard]!;
    const next = new Uint32Array(old.length * 2);
    const mask = (next.length >> 1) - 1;
    for (let at = 0; at < old.length; at += 2) {
      const lo = old[at]!;
      const hi = old[at + 1]!;
      if (lo === 0 && hi === 0) continue;
      let slot = lo & mask;
      while (next[slot << 1] !== 0 || next[(slot << 1) + 1] !== 0) slot = (slot + 1) & mask;
      next[slot << 1] = lo;
      next[(slot << 1) + 1] = hi;
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
