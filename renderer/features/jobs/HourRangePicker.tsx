import DateRangePicker, {
  type DateRangePickerProps,
} from '@cloudscape-design/components/date-range-picker';
import { RELATIVE, rangeHours } from './hour-range';

/**
 * The hour range as a date-range picker (UTC, whole hours), shown as ISO hours like the rest of
 * the console.
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
      absoluteFormat="iso"
      hideTimeOffset
      placeholder="Hours (UTC)"
      rangeSelectorMode="default"
      expandToViewport
    />
  );
}
