import { describe, expect, it } from 'vitest';
import {
  countSlots,
  decodeSlots,
  encodeSlots,
  nextOpen,
  openSlots,
  slotCode,
} from '../../../../electron/engine/schedule/backfill-slots';

describe('backfill slots', () => {
  it('keeps five years of both datasets in a few bytes while it runs in order', () => {
    const slots = openSlots(5 * 365 * 24 * 2);
    slots.fill(slotCode('succeeded'), 0, 1200);
    slots[1200] = slotCode('failed');
    slots.fill(slotCode('succeeded'), 1201, 1300);
    const text = encodeSlots(slots);
    expect(text).toBe('1200s,1f,99s,86300.');
    expect(decodeSlots(text, slots.length)).toEqual(slots);
    expect(countSlots(slots)).toEqual({ succeeded: 1299, failed: 1, cancelled: 0, open: 86300 });
    expect(nextOpen(slots, 0)).toBe(1300);
  });

  it('refuses a record that does not fit its range, instead of guessing', () => {
    expect(() => decodeSlots('3s,2.', 4)).toThrow(/do not fit/);
    expect(() => decodeSlots('3s', 4)).toThrow(/cover 3 of 4/);
    expect(() => decodeSlots('3x', 3)).toThrow(/unreadable/);
    expect(decodeSlots('', 0)).toEqual(new Uint8Array(0));
  });
});
