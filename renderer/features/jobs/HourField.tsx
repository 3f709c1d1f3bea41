import DatePicker from '@cloudscape-design/components/date-picker';
import FormField from '@cloudscape-design/components/form-field';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { FIRST_HOUR } from '../../../shared/model/hours';

/** Ferry exports hours from 2010 on (shared/model/hours.ts); earlier days can not be picked. */
const FIRST_DAY = new Date(`${FIRST_HOUR.slice(0, 10)}T00:00:00`);

export const HOUR_OPTIONS = Array.from({ length: 24 }, (_, h) => ({
  value: String(h).padStart(2, '0'),
  label: `${String(h).padStart(2, '0')}:00–${String(h).padStart(2, '0')}:59 UTC`,
}));

/**
 * A UTC hour as a date and an hour of the day (`yyyy-MM-ddTHH`). Days in the future can not be
 * picked; the engine refuses hours that have not ended with a clear message.
 */
export function HourField({
  label,
  value,
  onChange,
  testId,
  errorText,
  description,
}: {
  label: string;
  value: string;
  onChange(hour: string): void;
  testId: string;
  errorText?: string;
  description?: string;
}) {
  const date = value.slice(0, 10);
  const hour = value.slice(11, 13) || '00';
  return (
    <FormField label={label} errorText={errorText} description={description}>
      <SpaceBetween direction="horizontal" size="xs">
        <DatePicker
          value={date}
          onChange={(e) => onChange(`${e.detail.value}T${hour}`)}
          placeholder="YYYY/MM/DD"
          isDateEnabled={(d) => d.getTime() <= Date.now() && d >= FIRST_DAY}
          data-testid={`${testId}-date`}
        />
        <Select
          selectedOption={HOUR_OPTIONS.find((h) => h.value === hour) ?? null}
          options={HOUR_OPTIONS}
          onChange={(e) => onChange(`${date}T${e.detail.selectedOption.value ?? '00'}`)}
          data-testid={`${testId}-hour`}
        />
      </SpaceBetween>
    </FormField>
  );
}
