import { Breakable } from '../../components/Breakable';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useState } from 'react';
import type { Connection } from '../../../shared/model/entities';
import type { ReconcileItem, ReconcileReport } from '../../../shared/model/schedule';
import { api } from '../../api/client';
import { attempt, fire } from '../common/action';
import { datasetLabel } from '../connections/labels';
import { hourText } from '../common/time';
import { HourField } from './HourField';
import { lastFullHour } from './hour-range';
import { plural } from '../../../shared/format';
import { elsewhereSentences } from '../../../shared/model/places';

type Difference = ReconcileItem & { kind: 'Missing' | 'Extra' | 'Changed' };

/**
 * Compare what the destination holds with what the job history says was written, for a range
 * of hours: objects missing, extra (not written by Ferry's last export of the hour) or changed
 * since. The same check as `ferry reconcile`; it reads, never writes.
 */
export function ReconcileModal({
  connection,
  onClose,
}: {
  connection: Connection;
  onClose(): void;
}) {
  const [from, setFrom] = useState(lastFullHour(23));
  const [to, setTo] = useState(lastFullHour());
  const [report, setReport] = useState<ReconcileReport | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const check = async () => {
    setBusy(true);
    setError(null);
    setErrors({});
    const result = await attempt(() =>
      api().jobs.reconcile({ connectionId: connection.id, from, to }),
    );
    setBusy(false);
    if (result.ok) return setReport(result.value);
    setReport(null);
    setErrors(result.fields);
    if (Object.keys(result.fields).length === 0) setError(result.message);
  };

  return (
    <Modal
      visible
      onDismiss={onClose}
      size="large"
      header={`Check ${connection.name} against its destination`}
      data-testid="reconcile-modal"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Close
            </Button>
            <Button
              variant="primary"
              loading={busy}
              onClick={fire(check)}
              data-testid="start-reconcile"
            >
              Check
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <Box variant="p">
          Lists every object of these hours in the destination and compares it with what the job
          history says the last export of each hour wrote. It only reads: nothing is changed.
        </Box>
        <SpaceBetween direction="horizontal" size="l">
          <HourField
            label="From (UTC)"
            value={from}
            onChange={setFrom}
            testId="reconcile-from"
            errorText={errors.from}
          />
          <HourField
            label="To (UTC, included)"
            value={to}
            onChange={setTo}
            testId="reconcile-to"
            errorText={errors.to}
          />
        </SpaceBetween>
        {error && <Alert type="error">{error}</Alert>}
        {report && <ReconcileResult report={report} />}
      </SpaceBetween>
    </Modal>
  );
}

/** The outcome in a sentence, and each object that differs with why. */
function ReconcileResult({ report }: { report: ReconcileReport }) {
  const differences: Difference[] = [
    ...report.missing.map((item) => ({ ...item, kind: 'Missing' as const })),
    ...report.extra.map((item) => ({ ...item, kind: 'Extra' as const })),
    ...report.changed.map((item) => ({ ...item, kind: 'Changed' as const })),
  ];
  const hours = plural(report.hours, 'hour');
  const matching = report.matching === 1 ? '1 object matches' : `${report.matching} objects match`;
  const notExported =
    report.notExported.length > 0
      ? ` ${report.notExported.length} hour${report.notExported.length === 1 ? ' was' : 's were'} never exported (nothing expected, nothing found).`
      : '';
  return (
    <SpaceBetween size="s">
      <Alert
        type={differences.length === 0 ? 'success' : 'warning'}
        data-testid="reconcile-result"
        header={
          differences.length === 0
            ? 'The destination matches the job history'
            : differences.length === 1
              ? '1 object differs from the job history'
              : `${differences.length} objects differ from the job history`
        }
      >
        {hours} checked: {matching} what was exported.{notExported}
        {elsewhereSentences(report.elsewhere, hourText).map((sentence) => (
          <Box key={sentence} margin={{ top: 'xs' }}>
            <Breakable text={sentence} />
          </Box>
        ))}
      </Alert>
      {differences.length > 0 && (
        <Table<Difference>
          variant="embedded"
          data-testid="reconcile-differences"
          items={differences}
          trackBy={(d) => `${d.kind}:${d.key}`}
          wrapLines
          columnDefinitions={[
            { id: 'kind', header: 'What', cell: (d) => d.kind, width: 100 },
            { id: 'hour', header: 'Hour', cell: (d) => hourText(d.hour), width: 170 },
            { id: 'data', header: 'Data', cell: (d) => datasetLabel(d.dataset), width: 120 },
            {
              id: 'key',
              header: 'Object',
              minWidth: 260,
              cell: (d) => <Breakable text={d.key} />,
            },
            { id: 'reason', header: 'Why', cell: (d) => d.reason },
          ]}
        />
      )}
    </SpaceBetween>
  );
}
