import { describe, expect, it } from 'vitest';
import { backfillRange } from '../../../shared/model/jobs';
import { hour } from '../../../shared/model/fields';
import {
  hourBoundsProblem,
  hourEnded,
  LARGE_RANGE_HOURS,
  lastEndedHour,
  needsConfirmation,
  notEndedProblem,
  rangeHours,
} from '../../../shared/model/hours';

const NOW = Date.parse('2026-11-30T09:41:00Z');

describe('the hour rules', () => {
  it('refuses hours before 2010 and hours that have not started, wherever an hour is parsed', () => {
    // Hours said as everywhere else: `yyyy-MM-dd HH:00 UTC`, not the flags' `yyyy-MM-ddTHH`.
    expect(hourBoundsProblem('0000-01-01T00', NOW)).toBe(
      '0000-01-01 00:00 UTC is before 2010-01-01 00:00 UTC; Ferry exports hours from 2010 on',
    );
    expect(hourBoundsProblem('2009-12-31T23', NOW)).toMatch(/before 2010/);
    expect(hourBoundsProblem('2010-01-01T00', NOW)).toBeNull();
    expect(hourBoundsProblem('2026-11-30T09', NOW)).toBeNull();
    expect(hourBoundsProblem('2026-11-30T10', NOW)).toBe(
      '2026-11-30 10:00 UTC is in the future (it is 2026-11-30 09:00 UTC now)',
    );
    // The schema every API method and CLI flag uses applies the same bounds.
    expect(hour.safeParse('0000-01-01T00').success).toBe(false);
    expect(hour.safeParse('2099-01-01T00').error?.issues[0]?.message).toMatch(/in the future/);
    expect(hour.safeParse('2020-02-30T00').error?.issues[0]?.message).toMatch(/calendar/);
    expect(hour.safeParse('2020-01-25T17').success).toBe(true);
  });

  it('says an hour has ended only after its last millisecond', () => {
    expect(hourEnded('2026-11-30T08', NOW)).toBe(true);
    expect(hourEnded('2026-11-30T09', NOW)).toBe(false);
    expect(lastEndedHour(NOW)).toBe('2026-11-30T08');
    expect(notEndedProblem('2026-11-30T09', NOW)).toBe(
      '2026-11-30 09:00 UTC has not ended yet; the newest hour that can be exported is 2026-11-30 08:00 UTC',
    );
    expect(notEndedProblem('2026-11-30T08', NOW)).toBeNull();
  });

  it('orders ranges and asks for a confirmation past two years', () => {
    const range = { connectionId: 'cn_1', from: '2020-01-02T00', to: '2020-01-01T00' };
    expect(backfillRange.safeParse(range).error?.issues[0]).toMatchObject({
      path: ['to'],
      message:
        'The range must start before it ends (2020-01-02 00:00 UTC is after 2020-01-01 00:00 UTC)',
    });
    expect(rangeHours('2020-01-01T00', '2020-01-01T23')).toBe(24);
    expect(LARGE_RANGE_HOURS).toBe(17_544);
    expect(needsConfirmation('2020-01-01T00', '2021-12-31T23')).toBe(false);
    expect(needsConfirmation('2020-01-01T00', '2022-01-01T00')).toBe(true);
    expect(needsConfirmation('2021-01-01T00', '2022-12-31T23')).toBe(false);
  });
});
