import { afterEach, describe, expect, it } from 'vitest';
import { formatTime, hourLabel, hourText } from '../../../renderer/features/common/time';

const tz = process.env.TZ;
afterEach(() => {
  process.env.TZ = tz;
});

describe('times in the console', () => {
  it('are yyyy-MM-dd HH:mm with their zone: UTC by default', () => {
    expect(formatTime('2026-12-03T14:05:09.123Z')).toBe('2026-12-03 14:05 UTC');
  });

  it("in this computer's time, say its offset", () => {
    process.env.TZ = 'Europe/Paris';
    expect(formatTime('2026-12-03T14:05:09.123Z', 'local')).toBe('2026-12-03 15:05 UTC+01:00');
    process.env.TZ = 'America/St_Johns';
    expect(formatTime('2026-07-01T02:00:00Z', 'local')).toBe('2026-06-30 23:30 UTC-02:30');
    process.env.TZ = 'UTC';
    expect(formatTime('2026-07-01T02:00:00Z', 'local')).toBe('2026-07-01 02:00 UTC');
  });

  it('show an export hour as its UTC hour, whatever the zone', () => {
    expect(hourText('2026-12-03T14')).toBe('2026-12-03 14:00 UTC');
    // Or an ISO time in it; without the zone where a heading says UTC.
    expect(hourText('2026-12-03T14:59:59.999Z')).toBe('2026-12-03 14:00 UTC');
    expect(hourLabel('2026-12-03T14')).toBe('2026-12-03 14:00');
  });
});
