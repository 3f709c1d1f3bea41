import { describe, expect, it } from 'vitest';
import { IdColumn } from '../../../../electron/engine/store/id-column';
import { IdTable } from '../../../../electron/engine/store/id-table';

describe('the id table', () => {
  it('agrees with a Map through inserts, replacements, deletes and growth', () => {
    const ids = new IdColumn();
    const table = new IdTable(ids);
    const truth = new Map<string, number>();
    const free: number[] = [];
    let seed = 42;
    const random = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
    for (let step = 0; step < 50_000; step++) {
      // Ids of every kind a slot holds or not: short, too long for one, and not ASCII.
      const n = random(3000);
      const id =
        n % 7 === 0 ? `job-${n}-`.repeat(4) : n % 11 === 0 ? `j_é${n}` : `j_${n.toString(36)}`;
      if (random(3) === 0 && truth.has(id)) {
        const row = truth.get(id)!;
        table.delete(id); // while ids[row] still names it, as the index does
        ids.set(row, '');
        free.push(row);
        truth.delete(id);
      } else if (!truth.has(id)) {
        const row = free.pop() ?? ids.length;
        ids.set(row, id);
        table.set(id, row);
        truth.set(id, row);
      }
      if (step % 997 === 0) {
        expect(table.size).toBe(truth.size);
        for (const [key, row] of truth) {
          expect(table.get(key)).toBe(row);
          expect(ids.get(row)).toBe(key);
        }
        expect(table.get('j_missing')).toBeUndefined();
      }
    }
    table.reserve(100_000);
    for (const [key, row] of truth) expect(table.get(key)).toBe(row);
  });
});
