import { expect, it } from 'vitest';
import { rangeHours } from '../../../renderer/features/jobs/hour-range';

it('reads a picked range as whole UTC hours, both ends included', () => {
  expect(
    rangeHours({
      type: 'absolute',
      startDate: '2026-03-01T05:00:00+00:00',
      endDate: '2026-03-01T10:59:59+00:00',
    }),
  ).toEqual({ from: '2026-03-01T05', to: '2026-03-01T10' });
  const day = rangeHours({ type: 'relative', amount: 24, unit: 'hour' })!;
  expect(Date.parse(`${day.to}:00:00Z`) - Date.parse(`${day.from}:00:00Z`)).toBe(23 * 3_600_000);
  expect(rangeHours(null)).toBeNull();
});
