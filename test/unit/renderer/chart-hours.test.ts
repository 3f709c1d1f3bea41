import { describe, expect, it } from 'vitest';
import { chartHours } from '../../../renderer/features/schedule/chart-hours';

const stat = (
  hour: string,
  over: Partial<{
    events: number;
    bytes: number;
    failed: number;
    exported: number;
    waiting: number;
    lagMinutes: number | null;
  }>,
) => ({
  hour,
  events: 0,
  bytes: 0,
  lagMinutes: null,
  failed: 0,
  exported: 0,
  waiting: 0,
  ...over,
});

describe('the chart’s hours', () => {
  it('span the whole window, hours without data as gaps and failed hours marked', () => {
    const w = chartHours(
      [
        stat('2026-11-28T18', { events: 120, bytes: 2_097_152, exported: 2, lagMinutes: 14 }),
        stat('2026-11-28T20', { failed: 1 }),
        stat('2026-11-28T21', { exported: 1 }), // an hour with no events, exported
      ],
      '2026-11-28T17',
      '2026-11-28T22',
    );
    expect(w.hours.map((h) => h.hour)).toEqual([
      '2026-11-28T17',
      '2026-11-28T18',
      '2026-11-28T19',
      '2026-11-28T20',
      '2026-11-28T21',
      '2026-11-28T22',
    ]);
    expect(w.hours.map((h) => h.events)).toEqual([null, 120, null, null, 0, null]);
    expect(w.hours.map((h) => h.failedMark)).toEqual([null, null, null, 1, null, null]);
    expect(w.hours[1]!.megabytes).toBe(2);
    expect(w.hours[1]!.label).toBe('2026-11-28 18:00');
    expect([w.exported, w.failed, w.withLag]).toEqual([2, 1, 1]);
  });

  it('a single exported hour in 48 is one bar of 48, not the whole width', () => {
    const w = chartHours(
      [stat('2026-11-30T06', { events: 5, exported: 1 })],
      '2026-11-28T07',
      '2026-11-30T06',
    );
    expect(w.hours).toHaveLength(48);
    expect(w.hours.filter((h) => h.events !== null)).toHaveLength(1);
  });

  it('marks hours waiting to be tried again, unless an export of them is there', () => {
    const w = chartHours(
      [
        stat('2026-11-30T04', { waiting: 1 }),
        stat('2026-11-30T05', { waiting: 1, exported: 1 }), // exported before, tried again now
      ],
      '2026-11-30T03',
      '2026-11-30T05',
    );
    expect(w.hours.map((h) => h.waitingMark)).toEqual([null, 1, null]);
    expect([w.exported, w.failed, w.waiting]).toEqual([1, 0, 1]);
  });
});
