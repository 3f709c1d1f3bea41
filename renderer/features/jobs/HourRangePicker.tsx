import DateRangePicker, {
  type DateRangePickerProps,
} from '@cloudscape-design/components/date-range-picker';
import { lastFullHour } from './HourField';

const RELATIVE: DateRangePickerProps.RelativeOption[] = [
  { key: 'last-24h', amount: 24, unit: 'hour', type: 'relative' },
  { key: 'last-48h', amount: 48, unit: 'hour', type: 'relative' },
  { key: 'last-7d', amount: 7, unit: 'day', type: 'relative' },
  { key: 'last-30d', amount: 30, unit: 'day', type: 'relative' },
];

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

/**
 * The hour range as a date-range picker (UTC, whole hours), beside the typed From/To fields:
 * the same range either way.
 */
export function HourRangePicker({
  from,
  to,
  onChange,
}: {
  from: string;
  to: string;
  onChange(range: { from: string; to: string } | null): void;
}) {
  const value: DateRangePickerProps.AbsoluteValue | null =
    from && to ? { type: 'absolute', startDate: `${from}:00:00Z`, endDate: `${to}:59:59Z` } : null;
  return (
    <DateRangePicker
      data-testid="filter-range"
      value={value}
      onChange={(e) => onChange(rangeHours(e.detail.value))}
      relativeOptions={RELATIVE}
      isValidRange={(range) => {
        if (range?.type === 'absolute') {
          if (!range.startDate || !range.endDate)
            return { valid: false, errorMessage: 'Choose a start and an end.' };
          if (Date.parse(range.startDate) > Date.parse(range.endDate))
            return { valid: false, errorMessage: 'The start must be before the end.' };
        }
        return { valid: true };
      }}
      getTimeOffset={() => 0}
      timeInputFormat="hh"
      absoluteFormat="long-localized"
      placeholder="Hours (UTC)"
      rangeSelectorMode="default"
      expandToViewport
    />
  );
}
