import { describe, expect, it } from 'vitest';
import { hashOf, IdColumn } from '../../../../electron/engine/store/id-column';

describe('the id column', () => {
  const kinds = {
    ferry: 'j_mioz1x2y3_0a1b2c3d',
    longest: 'x'.repeat(IdColumn.SLOT - 1),
    tooLong: 'x'.repeat(IdColumn.SLOT),
    notAscii: 'j_ünïcode',
    empty: '',
  };

  it('gives back every kind of id, in a slot or beside it', () => {
    const ids = new IdColumn();
    for (const id of Object.values(kinds)) ids.set(ids.length, id);
    expect(Object.values(kinds).map((_, at) => ids.get(at))).toEqual(Object.values(kinds));
    expect(Object.values(kinds).map((_, at) => ids.used(at))).toEqual([
      true,
      true,
      true,
      true,
      false,
    ]);
    expect(ids.used(99)).toBe(false);
  });

  it('matches and hashes an id as its string does', () => {
    const ids = new IdColumn();
    for (const id of Object.values(kinds)) ids.set(ids.length, id);
    Object.values(kinds).forEach((id, at) => {
      expect(ids.matches(at, id)).toBe(true);
      expect(ids.matches(at, `${id}x`)).toBe(false);
      expect(ids.hashAt(at)).toBe(hashOf(id));
    });
    // The same length, one character apart.
    expect(ids.matches(0, 'j_mioz1x2y3_0a1b2c3e')).toBe(false);
  });

  it('replaces a row of one kind by another, and keeps rows across growth', () => {
    const ids = new IdColumn();
    for (let i = 0; i < 5000; i++)
      ids.set(ids.length, i % 3 ? `j_${i}` : `${'long-'.repeat(6)}${i}`);
    expect(ids.length).toBe(5000);
    ids.set(0, 'short');
    ids.set(1, kinds.tooLong);
    expect([ids.get(0), ids.get(1), ids.get(3), ids.get(4999)]).toEqual([
      'short',
      kinds.tooLong,
      `${'long-'.repeat(6)}3`,
      'j_4999',
    ]);
    expect(ids.matches(0, `${'long-'.repeat(6)}0`)).toBe(false);
    expect(() => ids.set(5001, 'gap')).toThrow(RangeError);
  });
});
