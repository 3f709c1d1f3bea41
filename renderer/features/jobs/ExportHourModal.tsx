import { hourText } from '../common/time';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import type { Connection } from '../../../shared/model/entities';
import type { Dataset } from '../../../shared/model/fields';
import { useAppStore } from '../app/store';
import { DatasetChecks } from './DatasetChecks';
import { HourField } from './HourField';
import { lastFullHour } from './hour-range';
import { useJobsStore } from './store';
import { useFreshError } from '../app/use-fresh-error';
import { fire } from '../common/action';

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
  const dismiss = useAppStore((s) => s.dismiss);
  const [hour, setHour] = useState(lastFullHour());
  const [datasets, setDatasets] = useState<Dataset[]>(connection.datasets);
  const [error, setError] = useFreshError();
  const [busy, setBusy] = useState(false);

  const start = async () => {
    setBusy(true);
    setError(null);
    const label = `${hourText(hour)} for "${connection.name}"`;
    // Said before asking, so a job that ends at once still finds its message; replaced by how
    // it went once its jobs end — never "Exporting…" after the fact.
    const said = flash('info', `Exporting ${label}. It appears in the history below as it runs.`, {
      watch: {
        connectionId: connection.id,
        hour,
        pending: [...datasets],
        succeeded: `Exported ${label}.`,
        failed: `The export of ${label} did not succeed: its row in the history says why.`,
      },
    });
    const result = await exportHour(connection.id, hour, datasets);
    setBusy(false);
    if (!result.ok) {
      dismiss(said);
      return setError(result.message);
    }
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
              disabled={datasets.length === 0 || hour.length !== 13}
              onClick={fire(start)}
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
        <HourField label="Hour (UTC)" value={hour} onChange={setHour} testId="export-at" />
        <DatasetChecks connection={connection} value={datasets} onChange={setDatasets} />
        {error && <Alert type="error">{error}</Alert>}
      </SpaceBetween>
    </Modal>
  );
}
