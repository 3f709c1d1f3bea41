import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import DatePicker from '@cloudscape-design/components/date-picker';
import FormField from '@cloudscape-design/components/form-field';
import Modal from '@cloudscape-design/components/modal';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import type { Connection } from '../../../shared/model/entities';
import type { Dataset } from '../../../shared/model/fields';
import { datasetLabel } from '../connections/labels';
import { useAppStore } from '../app/store';
import { useJobsStore } from './store';

const HOURS = Array.from({ length: 24 }, (_, h) => ({
  value: String(h).padStart(2, '0'),
  label: `${String(h).padStart(2, '0')}:00–${String(h).padStart(2, '0')}:59 UTC`,
}));

/** The last hour that has ended, in UTC: the natural default. */
function lastFullHour(): { date: string; hour: string } {
  const iso = new Date(Date.now() - 3_600_000).toISOString();
  return { date: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

/** Export one hour of a connection now: pick a UTC date and hour, and which data. */
export function ExportHourModal({
  connection,
  visible,
  onClose,
}: {
  connection: Connection;
  visible: boolean;
  onClose(): void;
}) {
  const exportHour = useJobsStore((s) => s.exportHour);
  const flash = useAppStore((s) => s.flash);
  const initial = lastFullHour();
  const [date, setDate] = useState(initial.date);
  const [hour, setHour] = useState(initial.hour);
  const [datasets, setDatasets] = useState<Dataset[]>(connection.datasets);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const start = async () => {
    setBusy(true);
    setError(null);
    const result = await exportHour(connection.id, `${date}T${hour}`, datasets);
    setBusy(false);
    if (!result.ok) return setError(result.message);
    flash(
      'info',
      `Exporting ${date} ${hour}:00 UTC for "${connection.name}". It appears in the history below as it runs.`,
    );
    onClose();
  };

  return (
    <Modal
      visible={visible}
      onDismiss={onClose}
      header="Export an hour now"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button
              variant="primary"
              loading={busy}
              disabled={datasets.length === 0 || !date}
              onClick={start}
              data-testid="start-export"
            >
              Export
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <Box variant="p">
          The hour is rewritten whole: exporting it again replaces its files, it never duplicates
          them.
        </Box>
        <FormField label="Date (UTC)">
          <DatePicker
            value={date}
            onChange={(e) => setDate(e.detail.value)}
            placeholder="YYYY/MM/DD"
            isDateEnabled={(d) => d.getTime() <= Date.now()}
            data-testid="export-date"
          />
        </FormField>
        <FormField label="Hour (UTC)">
          <Select
            selectedOption={HOURS.find((h) => h.value === hour) ?? null}
            options={HOURS}
            onChange={(e) => setHour(e.detail.selectedOption.value ?? '00')}
            data-testid="export-hour"
          />
        </FormField>
        <FormField label="Data">
          <SpaceBetween size="xs">
            {connection.datasets.map((d) => (
              <Checkbox
                key={d}
                checked={datasets.includes(d)}
                onChange={(e) =>
                  setDatasets(
                    e.detail.checked
                      ? connection.datasets.filter((x) => x === d || datasets.includes(x))
                      : datasets.filter((x) => x !== d),
                  )
                }
              >
                {datasetLabel(d)}
              </Checkbox>
            ))}
          </SpaceBetween>
        </FormField>
        {error && <Alert type="error">{error}</Alert>}
      </SpaceBetween>
    </Modal>
  );
}
