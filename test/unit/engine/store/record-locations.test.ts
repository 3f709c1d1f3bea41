import { describe, expect, it } from 'vitest';
import { lineRanges, snapshotRanges } from '../../../../electron/engine/store/record-locations';

const jobs = [
  { id: 'j_1', notes: ['a "quoted" note with } and { and ] inside', 'naïve — ünïcode ✓'] },
  { id: 'j_2', objects: [{ key: 'x', nested: { deep: [1, 2, { a: '}' }] } }] },
  { id: 'j_\u00e9\\"3', notes: [] },
];

describe('record locations', () => {
  it('finds each job of a snapshot, compact, one a line, or pretty-printed', () => {
    for (const text of [
      JSON.stringify({ schemaVersion: 1, jobs }),
      `{"schemaVersion":1,"jobs":[\n${jobs.map((j) => JSON.stringify(j)).join(',\n')}\n]}\n`,
      JSON.stringify({ schemaVersion: 1, jobs }, null, 2),
    ]) {
      const bytes = Buffer.from(text);
      const ranges = snapshotRanges(bytes);
      expect(ranges.map((r) => r.id)).toEqual(jobs.map((j) => j.id));
      for (const [i, r] of ranges.entries())
        expect(JSON.parse(bytes.toString('utf8', r.offset, r.offset + r.length))).toEqual(jobs[i]);
    }
  });

  it('splits a journal into lines by bytes, torn last line included', () => {
    const lines = jobs.map((j) => JSON.stringify(j));
    const bytes = Buffer.from(`${lines.join('\n')}\n\n{"id":"j_torn`);
    const ranges = lineRanges(bytes);
    expect(ranges.map((r) => bytes.toString('utf8', r.offset, r.offset + r.length))).toEqual([
      ...lines,
      '{"id":"j_torn',
    ]);
  });
});
