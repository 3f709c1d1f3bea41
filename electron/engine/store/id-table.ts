import { hashOf, type IdColumn } from './id-column';

/**
 * Job ids → row numbers: open addressing (linear probing) over an Int32Array, keyed by the ids
 * already kept in `ids`. A Map of a million strings took ~50 MB and most of a second to build.
 */
export class IdTable {
  private slots = new Int32Array(1 << 12);
  private count = 0;

  constructor(private readonly ids: IdColumn) {}

  get size(): number {
    return this.count;
  }

  /** Make room for `n` ids at once (no growing while a known number of rows is loaded). */
  reserve(n: number): void {
    let size = this.slots.length;
    while (size < n * 2) size *= 2;
    if (size !== this.slots.length) this.rehash(size);
  }

  get(id: string): number | undefined {
    const mask = this.slots.length - 1;
    for (let i = hashOf(id) & mask; ; i = (i + 1) & mask) {
      const slot = this.slots[i]!;
      if (slot === 0) return undefined;
      if (this.ids.matches(slot - 1, id)) return slot - 1;
    }
  }

  /** Map `id` (already at `ids[row]`) to `row`. */
  set(id: string, row: number): void {
    if ((this.count + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let i = hashOf(id) & mask; ; i = (i + 1) & mask) {
      const slot = this.slots[i]!;
      if (slot === 0) {
        this.slots[i] = row + 1;
        this.count++;
        return;
      }
      if (this.ids.matches(slot - 1, id)) {
        this.slots[i] = row + 1;
        return;
      }
    }
  }

  /** Remove `id` (while `ids` still holds it), shifting later probes back into the gap. */
  delete(id: string): void {
    const mask = this.slots.length - 1;
    let i = hashOf(id) & mask;
    for (; ; i = (i + 1) & mask) {
      const slot = this.slots[i]!;
      if (slot === 0) return;
      if (this.ids.matches(slot - 1, id)) break;
    }
    this.count--;
    for (let j = (i + 1) & mask; this.slots[j] !== 0; j = (j + 1) & mask) {
      const home = this.ids.hashAt(this.slots[j]! - 1) & mask;
      // Move j into the gap at i unless its home lies (cyclically) in (i, j].
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        this.slots[i] = this.slots[j]!;
        i = j;
      }
    }
    this.slots[i] = 0;
  }

  private rehash(size: number): void {
    const old = this.slots;
    this.slots = new Int32Array(size);
    const mask = size - 1;
    for (const slot of old) {
      if (slot === 0) continue;
      let i = this.ids.hashAt(slot - 1) & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = slot;
    }
  }
}
