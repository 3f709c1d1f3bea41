import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useState } from 'react';
import { type Connection } from '../../../shared/model/entities';
import { backfillRange } from '../../../shared/model/jobs';
import type { Dataset } from '../../../shared/model/fields';
import type { BackfillPreview } from '../../../shared/model/schedule';
import { fieldErrors, fire } from '../common/action';
import { DatasetChecks } from '../jobs/DatasetChecks';
import { HourField } from '../jobs/HourField';
import { lastFullHour } from '../jobs/hour-range';
import { BackfillHours } from './BackfillHours';
import { BackfillProgress } from './BackfillsTable';
import { hourLabel } from './ConnectionStatus';
import { overlapExamples } from './overlap-examples';
import { useScheduleStore } from './store';

/**
 * Backfill a range of hours: pick it, see how many hours it is and which overlap earlier
 * exports (rewritten, never doubled), start it, and watch it finish — or cancel it.
 */
export function BackfillModal({
  connection,
  initial,
  onClose,
  onShowHistory,
}: {
  connection: Connection;
  initial: { from: string; to: string } | null;
  onClose(): void;
  onShowHistory(range: { from: string; to: string }): void;
}) {
  const { preview, startBackfill, cancelBackfill } = useScheduleStore();
  const [from, setFrom] = useState(initial?.from ?? lastFullHour(23));
  const [to, setTo] = useState(initial?.to ?? lastFullHour());
  const [datasets, setDatasets] = useState<Dataset[]>(connection.datasets);
  const [answer, setPlan] = useState<BackfillPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [startedId, setStartedId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** Ranges over two years start only once the admin ticks the box (per range shown). */
  const [confirmed, setConfirmed] = useState<string | null>(null);
  const started = useScheduleStore((s) => s.backfills.find((b) => b.id === startedId) ?? null);

  const range = { connectionId: connection.id, from, to, datasets };
  const fields = fieldErrors(backfillRange, range);
  // A preview is only shown for the range as it is now, never one still answering for the last.
  const plan =
    !fields &&
    answer &&
    answer.from === from &&
    answer.to === to &&
    answer.datasets.join() === datasets.join()
      ? answer
      : null;
  const rangeKey = `${from}|${to}|${datasets.join(',')}`;
  const mustConfirm = plan?.needsConfirmation ?? false;
  const isConfirmed = !mustConfirm || confirmed === rangeKey;
  useEffect(() => {
    if (startedId) return;
    if (fieldErrors(backfillRange, { connectionId: connection.id, from, to, datasets })) return;
    let live = true;
    const timer = setTimeout(async () => {
      const result = await preview({ connectionId: connection.id, from, to, datasets });
      if (!live) return;
      setPlan(result.ok ? result.value : null);
      setError(result.ok ? null : result.message);
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [connection.id, from, to, datasets, preview, startedId]);

  const start = async () => {
    setBusy(true);
    const result = await startBackfill({ ...range, confirmLarge: mustConfirm && isConfirmed });
    setBusy(false);
    if (!result.ok) return setError(result.message);
    setStartedId(result.value.id);
  };

  const running = started?.status === 'running';
  return (
    <Modal
      visible
      onDismiss={onClose}
      size="medium"
      header={`Backfill ${connection.name}`}
      data-testid="backfill-modal"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            {started ? (
              <>
                {running && (
                  <Button
                    onClick={() => void cancelBackfill(started.id)}
                    data-testid="cancel-backfill"
                  >
                    Cancel backfill
                  </Button>
                )}
                <Button
                  onClick={() => {
                    onShowHistory({ from: started.from, to: started.to });
                    onClose();
                  }}
                  data-testid="show-backfill-history"
                >
                  Show in history
                </Button>
                <Button variant="primary" onClick={onClose} data-testid="close-backfill">
                  Close
                </Button>
              </>
            ) : (
              <>
                <Button variant="link" onClick={onClose}>
                  Cancel
                </Button>
                <Button
                  variant="primary"
                  loading={busy}
                  disabled={!plan || datasets.length === 0 || !isConfirmed}
                  onClick={fire(start)}
                  data-testid="start-backfill"
                >
                  {plan
                    ? `Backfill ${count(plan.hours)} hour${plan.hours === 1 ? '' : 's'}`
                    : 'Backfill'}
                </Button>
              </>
            )}
          </SpaceBetween>
        </Box>
      }
    >
      {started ? (
        <SpaceBetween size="m">
          <Box variant="p">
            {hourLabel(started.from)} to {hourLabel(started.to)} — {started.total} job
            {started.total === 1 ? '' : 's'}. Scheduled hours go first; the backfill uses the
            remaining export slots, and keeps running if you close this.
          </Box>
          <BackfillProgress backfill={started} />
          <BackfillHours backfill={started} />
        </SpaceBetween>
      ) : (
        <SpaceBetween size="m">
          <HourField
            label="From (UTC)"
            value={from}
            onChange={setFrom}
            testId="backfill-from"
            errorText={fields?.from}
          />
          <HourField
            label="To (UTC, included)"
            value={to}
            onChange={setTo}
            testId="backfill-to"
            errorText={fields?.to}
          />
          <DatasetChecks connection={connection} value={datasets} onChange={setDatasets} />
          {plan && (
            <Alert type="info" data-testid="backfill-preview">
              {count(plan.hours)} hour{plan.hours === 1 ? '' : 's'} × {plan.datasets.length} dataset
              {plan.datasets.length === 1 ? '' : 's'} = {count(plan.jobs)} job
              {plan.jobs === 1 ? '' : 's'}.{' '}
              {plan.overlaps > 0
                ? `${count(plan.overlaps)} of them were exported before (e.g. ${overlapExamples(
                    plan.overlapSample,
                  )}): each such hour is rewritten in place — its files are replaced, never duplicated.`
                : 'None of these hours was exported before.'}
              {plan.inFlight > 0 &&
                ` ${plan.inFlight} are being exported right now; the backfill leaves those to that run.`}
            </Alert>
          )}
          {plan && mustConfirm && (
            <Alert type="warning" data-testid="backfill-confirm">
              <SpaceBetween size="xs">
                <Box variant="p">
                  This range is {count(plan.hours)} hours — about {(plan.hours / 8766).toFixed(1)}{' '}
                  years. A backfill this long runs for a long time beside the hourly schedule and
                  writes {plan.jobs.toLocaleString('en-US')} jobs to the history.
                </Box>
                <Checkbox
                  checked={confirmed === rangeKey}
                  onChange={(e) => setConfirmed(e.detail.checked ? rangeKey : null)}
                  data-testid="backfill-confirm-check"
                >
                  Yes, backfill all {count(plan.hours)} hours
                </Checkbox>
              </SpaceBetween>
            </Alert>
          )}
          {error && <Alert type="error">{error}</Alert>}
        </SpaceBetween>
      )}
    </Modal>
  );
}

/** 35,064 — counts as people read them. */
const count = (n: number) => n.toLocaleString('en-US');
