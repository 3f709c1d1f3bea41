import type { IndexEntry } from './jobs-store';

/**
 * Index entries kept in history order — newest hour first, then newest created — and kept in
 * order as jobs change, by binary search rather than re-sorting.
 */
export class SortedEntries {
  constructor(readonly list: IndexEntry[] = []) {}

  static of(entries: Iterable<IndexEntry>): SortedEntries {
    return new SortedEntries([...entries].sort(newestFirst));
  }

  /** Put a job's entry in place of its `previous` one (same job), or insert it. */
  set(entry: IndexEntry, previous?: IndexEntry): void {
    if (previous && previous.hour === entry.hour && previous.createdAt === entry.createdAt) {
      const at = this.position(previous);
      if (at >= 0) {
        this.list[at] = entry;
        return;
      }
    }
    if (previous) this.remove(previous);
    this.list.splice(insertionPoint(this.list, entry), 0, entry);
  }

  remove(entry: IndexEntry): void {
    const at = this.position(entry);
    if (at >= 0) this.list.splice(at, 1);
  }

  private position(entry: IndexEntry): number {
    let at = insertionPoint(this.list, entry);
    // Entries that sort equal sit together; find this id among them.
    while (at > 0 && newestFirst(this.list[at - 1]!, entry) === 0) at--;
    for (; at < this.list.length && newestFirst(this.list[at]!, entry) === 0; at++)
      if (this.list[at]!.id === entry.id) return at;
    return this.list.findIndex((e) => e.id === entry.id);
  }
}

export function newestFirst(a: IndexEntry, b: IndexEntry): number {
  if (a.hour !== b.hour) return a.hour < b.hour ? 1 : -1;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return 0;
}

/** Where an entry goes in the sorted list (after any equal ones). */
function insertionPoint(sorted: IndexEntry[], entry: IndexEntry): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (newestFirst(sorted[mid]!, entry) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
