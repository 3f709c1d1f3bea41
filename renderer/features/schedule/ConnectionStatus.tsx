import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useState } from 'react';
import { WholeWords } from '../../components/Breakable';
import type { Connection } from '../../../shared/model/entities';
import type { ConnectionStatus } from '../../../shared/model/schedule';
import { ConfirmAction } from '../../components/Confirm';
import { CONNECTION_STATE_WORDS } from '../../../shared/model/words';
import { useAppStore } from '../app/store';
import { CONNECTION_LOOK } from '../common/status-look';
import { useScheduleStore } from './store';
import { fire } from '../common/action';
import { hourText } from '../common/time';
import { plural } from '../../../shared/format';

/** `2026-03-01T05` → `2026-03-01 05:00 UTC`. */

/** The state at a glance: healthy, catching up, failing, disabled. */
export function StatusBadge({ status }: { status: ConnectionStatus | undefined }) {
  if (!status) return <StatusIndicator type="loading">Checking</StatusIndicator>;
  const pending = status.state === 'catching-up' ? ` (${status.pendingHours} h)` : '';
  return (
    <span data-testid={`status-${status.connectionId}`}>
      <StatusIndicator type={CONNECTION_LOOK[status.state]}>
        <WholeWords text={CONNECTION_STATE_WORDS[status.state] + pending} />
      </StatusIndicator>
    </span>
  );
}

/**
 * What the admin must know and can do about a connection's schedule: why it fails and the fix,
 * a start-again button when an access error stopped it, and older missed hours (the gap) with a
 * one-click backfill.
 */
export function StatusAlerts({
  status,
  connection,
  onBackfill,
}: {
  status: ConnectionStatus | undefined;
  connection: Connection;
  onBackfill(range: { from: string; to: string }): void;
}) {
  if (!status) return null;
  return (
    <>
      {status.state === 'failing' && <FailingAlert status={status} />}
      {status.state === 'not-verified' && (
        <NotVerifiedAlert status={status} connection={connection} />
      )}
      {status.gap && <GapAlert gap={status.gap} onBackfill={onBackfill} />}
    </>
  );
}

/** The reason a connection is not exporting, and the fix in words when Ferry knows it. */
function ReasonAndFix({ status }: { status: ConnectionStatus }) {
  return (
    <>
      {status.reason}
      {status.fix && (
        <Box variant="p" padding={{ top: 'xs' }}>
          <b>How to fix:</b> <span style={{ wordBreak: 'break-word' }}>{status.fix}</span>
        </Box>
      )}
    </>
  );
}

/**
 * Exports failing: retry now, start again once an access error is fixed, or take the
 * destination over from another Ferry (asked first: two writers duplicate events).
 */
function FailingAlert({ status }: { status: ConnectionStatus }) {
  const resume = useScheduleStore((s) => s.resume);
  const takeOver = useScheduleStore((s) => s.takeOver);
  const flash = useAppStore((s) => s.flash);
  const [confirmTakeOver, setConfirmTakeOver] = useState(false);
  const claimed = status.cause === 'destination-claimed';
  return (
    <>
      <Alert
        type="error"
        header={
          claimed
            ? 'Another Ferry exports to this destination'
            : status.stopped
              ? 'Exports are stopped'
              : 'Exports are failing'
        }
        data-testid="failing-alert"
        action={
          claimed ? (
            <Button onClick={() => setConfirmTakeOver(true)} data-testid="take-over">
              Take over destination…
            </Button>
          ) : (
            <Button
              onClick={fire(async () => {
                const result = await resume(status.connectionId);
                flash(
                  result.ok ? 'info' : 'error',
                  result.ok ? 'Trying the failed hours again now.' : result.message,
                );
              })}
              data-testid="resume"
            >
              {status.stopped ? 'I fixed it — start again' : 'Retry now'}
            </Button>
          )
        }
      >
        <ReasonAndFix status={status} />
      </Alert>
      <ConfirmAction
        visible={confirmTakeOver}
        title="Take this destination over?"
        action="Take over"
        testId="confirm-take-over"
        onCancel={() => setConfirmTakeOver(false)}
        onConfirm={async () => {
          const result = await takeOver(status.connectionId);
          if (result.ok) {
            setConfirmTakeOver(false);
            flash(
              'success',
              'This Ferry now exports to the destination; its failed hours are tried again.',
            );
          }
          return result;
        }}
      >
        Do this only once the other Ferry no longer exports here — it was stopped, or its connection
        removed. Two Ferrys writing the same hours leave duplicate events. From now on the other one
        is refused, naming this one.
      </ConfirmAction>
    </>
  );
}

/** Access never checked for this connection: check it now. */
function NotVerifiedAlert({
  status,
  connection,
}: {
  status: ConnectionStatus;
  connection: Connection;
}) {
  const verify = useScheduleStore((s) => s.verify);
  const flash = useAppStore((s) => s.flash);
  const [verifying, setVerifying] = useState(false);
  return (
    <Alert
      type="warning"
      header="Access not verified"
      data-testid="not-verified-alert"
      action={
        <Button
          loading={verifying}
          data-testid="verify-access"
          onClick={fire(async () => {
            setVerifying(true);
            const result = await verify(connection);
            setVerifying(false);
            if (!result.ok) flash('error', result.message);
            else if (result.value.ok) flash('success', 'Access works: every check passed.');
            else flash('error', 'The access check failed: the alert says what to grant.');
          })}
        >
          Verify access
        </Button>
      }
    >
      <ReasonAndFix status={status} />
    </Alert>
  );
}

/** Missed hours older than the catch-up window: never exported by themselves, so offered here. */
function GapAlert({
  gap,
  onBackfill,
}: {
  gap: NonNullable<ConnectionStatus['gap']>;
  onBackfill(range: { from: string; to: string }): void;
}) {
  return (
    <Alert
      type="warning"
      header={`${plural(gap.hours, 'missed hour')} older than the catch-up window`}
      data-testid="gap-alert"
      action={
        <Button
          onClick={() => onBackfill({ from: gap.from, to: gap.to })}
          data-testid="backfill-gap"
        >
          Backfill {plural(gap.hours, 'hour')}
        </Button>
      }
    >
      {hourText(gap.from)} to {hourText(gap.to)} were not exported while Ferry was off or the
      connection was disabled. Hours within the catch-up window are exported by themselves; these
      are not, so nothing is ever skipped silently.
    </Alert>
  );
}
