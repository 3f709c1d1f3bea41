import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useState } from 'react';
import { type Connection } from '../../../shared/model/entities';
import { backfillRange, type Backfill } from '../../../shared/model/jobs';
import type { Dataset } from '../../../shared/model/fields';
import type { BackfillPreview } from '../../../shared/model/schedule';
import { fieldErrors, fire } from '../common/action';
import { DatasetChecks } from '../jobs/DatasetChecks';
import { HourField } from '../jobs/HourField';
import { lastFullHour } from '../jobs/hour-range';
import { BackfillHours } from './BackfillHours';
import { BackfillProgress } from './BackfillsTable';
import { hourText } from '../common/time';
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
  const { startBackfill, cancelBackfill } = useScheduleStore();
  const [from, setFrom] = useState(initial?.from ?? lastFullHour(23));
  const [to, setTo] = useState(initial?.to ?? lastFullHour());
  const [datasets, setDatasets] = useState<Dataset[]>(connection.datasets);
  const [startedId, setStartedId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  /** Ranges over two years start only once the admin ticks the box (per range shown). */
  const [confirmed, setConfirmed] = useState<string | null>(null);
  const started = useScheduleStore((s) => s.backfills.find((b) => b.id === startedId) ?? null);

  const range = { connectionId: connection.id, from, to, datasets };
  const fields = fieldErrors(backfillRange, range);
  const { plan, error, setError } = usePreview(range, !!fields || startedId !== null);
  const rangeKey = `${from}|${to}|${datasets.join(',')}`;
  const mustConfirm = plan?.needsConfirmation ?? false;
  const isConfirmed = !mustConfirm || confirmed === rangeKey;
  const start = async () => {
    setBusy(true);
    const result = await startBackfill({ ...range, confirmLarge: mustConfirm && isConfirmed });
    setBusy(false);
    if (!result.ok) return setError(result.message);
    setStartedId(result.value.id);
  };

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
              <StartedActions
                backfill={started}
                onCancel={() => void cancelBackfill(started.id)}
                onShowHistory={() => {
                  onShowHistory({ from: started.from, to: started.to });
                  onClose();
                }}
                onClose={onClose}
              />
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
        <BackfillStarted backfill={started} />
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
          {plan && <PlanSummary plan={plan} />}
          {plan && mustConfirm && (
            <LargeRangeConfirm
              plan={plan}
              checked={confirmed === rangeKey}
              onChange={(checked) => setConfirmed(checked ? rangeKey : null)}
            />
          )}
          {error && <Alert type="error">{error}</Alert>}
        </SpaceBetween>
      )}
    </Modal>
  );
}

/** 35,064 — counts as people read them. */
const count = (n: number) => n.toLocaleString('en-US');

/**
 * The plan for a range as it is now: asked 200 ms after the last change, and never one still
 * answering for an earlier range. `skip` while the range is invalid or a backfill has started.
 */
function usePreview(
  range: { connectionId: string; from: string; to: string; datasets: Dataset[] },
  skip: boolean,
) {
  const preview = useScheduleStore((s) => s.preview);
  const [answer, setAnswer] = useState<BackfillPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { connectionId, from, to, datasets } = range;
  useEffect(() => {
    if (skip) return;
    let live = true;
    const timer = setTimeout(async () => {
      const result = await preview({ connectionId, from, to, datasets });
      if (!live) return;
      setAnswer(result.ok ? result.value : null);
      setError(result.ok ? null : result.message);
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [connectionId, from, to, datasets, preview, skip]);
  const plan =
    !skip &&
    answer &&
    answer.from === from &&
    answer.to === to &&
    answer.datasets.join() === datasets.join()
      ? answer
      : null;
  return { plan, error, setError };
}

/** A started backfill: its range, progress and hours; it goes on if the dialog is closed. */
function BackfillStarted({ backfill }: { backfill: Backfill }) {
  return (
    <SpaceBetween size="m">
      <Box variant="p">
        {hourText(backfill.from)} to {hourText(backfill.to)} — {backfill.total} job
        {backfill.total === 1 ? '' : 's'}. Scheduled hours go first; the backfill uses the remaining
        export slots, and keeps running if you close this.
      </Box>
      <BackfillProgress backfill={backfill} />
      <BackfillHours backfill={backfill} />
    </SpaceBetween>
  );
}

/** A started backfill's buttons: cancel it while it runs, see its hours, close. */
function StartedActions({
  backfill,
  onCancel,
  onShowHistory,
  onClose,
}: {
  backfill: Backfill;
  onCancel(): void;
  onShowHistory(): void;
  onClose(): void;
}) {
  return (
    <>
      {backfill.status === 'running' && (
        <Button onClick={onCancel} data-testid="cancel-backfill">
          Cancel backfill
        </Button>
      )}
      <Button onClick={onShowHistory} data-testid="show-backfill-history">
        Show in history
      </Button>
      <Button variant="primary" onClick={onClose} data-testid="close-backfill">
        Close
      </Button>
    </>
  );
}

/** How many jobs the range makes, and which hours were exported before (rewritten, not doubled). */
function PlanSummary({ plan }: { plan: BackfillPreview }) {
  return (
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
  );
}

/** A range over two years starts only once the admin ticks this. */
function LargeRangeConfirm({
  plan,
  checked,
  onChange,
}: {
  plan: BackfillPreview;
  checked: boolean;
  onChange(checked: boolean): void;
}) {
  return (
    <Alert type="warning" data-testid="backfill-confirm">
      <SpaceBetween size="xs">
        <Box variant="p">
          This range is {count(plan.hours)} hours — about {(plan.hours / 8766).toFixed(1)} years. A
          backfill this long runs for a long time beside the hourly schedule and writes{' '}
          {plan.jobs.toLocaleString('en-US')} jobs to the history.
        </Box>
        <Checkbox
          checked={checked}
          onChange={(e) => onChange(e.detail.checked)}
          data-testid="backfill-confirm-check"
        >
          Yes, backfill all {count(plan.hours)} hours
        </Checkbox>
      </SpaceBetween>
    </Alert>
  );
}
