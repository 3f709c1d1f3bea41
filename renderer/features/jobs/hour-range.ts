import type { DateRangePickerProps } from '@cloudscape-design/components/date-range-picker';
import { HOUR_MS, lastEndedHour } from '../../../shared/model/hours';

export const RELATIVE: DateRangePickerProps.RelativeOption[] = [
  { key: 'last-24h', amount: 24, unit: 'hour', type: 'relative' },
  { key: 'last-48h', amount: 48, unit: 'hour', type: 'relative' },
  { key: 'last-7d', amount: 7, unit: 'day', type: 'relative' },
  { key: 'last-30d', amount: 30, unit: 'day', type: 'relative' },
];

/** The last hour that has ended, in UTC (`yyyy-MM-ddTHH`), optionally `back` hours earlier. */
export function lastFullHour(back = 0): string {
  return lastEndedHour(Date.now() - back * HOUR_MS);
}

const hourOf = (iso: string) => new Date(iso).toISOString().slice(0, 13);

/** A picked range as UTC hours (`yyyy-MM-ddTHH`, both included); null when cleared. */
export function rangeHours(
  value: DateRangePickerProps.Value | null,
): { from: string; to: string } | null {
  if (!value) return null;
  if (value.type === 'absolute')
    return { from: hourOf(value.startDate), to: hourOf(value.endDate) };
  const hours = value.unit === 'day' ? value.amount * 24 : value.unit === 'hour' ? value.amount : 0;
  if (hours <= 0) return null;
  return { from: lastFullHour(hours - 1), to: lastFullHour() };
}
