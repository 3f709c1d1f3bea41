/**
 * Answers to list queries, kept while nothing changed: each is tagged with the history's
 * generation when it was asked, and reused only at the same generation. The least recently asked
 * go first beyond `capacity`; a failed answer is never kept.
 */
export class ListingCache<T> {
  private readonly kept = new Map<string, { generation: number; page: Promise<T> }>();

  constructor(private readonly capacity: number) {}

  page(key: string, generation: number, make: () => Promise<T>): Promise<T> {
    const known = this.kept.get(key);
    if (known?.generation === generation) return known.page;
    const page = make();
    const entry = { generation, page };
    this.kept.delete(key);
    this.kept.set(key, entry);
    if (this.kept.size > this.capacity) this.kept.delete(this.kept.keys().next().value!);
    page.catch(() => {
      if (this.kept.get(key) === entry) this.kept.delete(key);
    });
    return page;
  }
}
