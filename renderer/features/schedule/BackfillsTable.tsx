import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import Table from '@cloudscape-design/components/table';
import type { Backfill } from '../../../shared/model/jobs';
import { formatTime, hourText } from '../common/time';
import { useScheduleStore } from './store';

/** How far a backfill is: jobs ended of all, with failures and cancellations named. */
export function BackfillProgress({ backfill }: { backfill: Backfill }) {
  const ended = backfill.succeeded + backfill.failed + backfill.cancelled;
  const value = backfill.total === 0 ? 100 : Math.round((ended / backfill.total) * 100);
  const parts = [
    `${backfill.succeeded} of ${backfill.total} exported`,
    backfill.failed ? `${backfill.failed} failed` : '',
    backfill.cancelled ? `${backfill.cancelled} cancelled` : '',
  ].filter(Boolean);
  // A cancel is what the admin asked for: stopped, not an error in red.
  if (backfill.status === 'cancelled')
    return (
      <div data-testid={`backfill-${backfill.id}`} data-backfill-status={backfill.status}>
        <StatusIndicator type="stopped">Cancelled: {parts.join(', ')}</StatusIndicator>
      </div>
    );
  return (
    <div data-testid={`backfill-${backfill.id}`} data-backfill-status={backfill.status}>
      <ProgressBar
        value={value}
        status={
          backfill.status === 'running'
            ? 'in-progress'
            : backfill.status === 'succeeded'
              ? 'success'
              : 'error'
        }
        resultText={
          backfill.status === 'succeeded'
            ? `Done: ${parts.join(', ')}`
            : `Finished with failures: ${parts.join(', ')} — retry them from the history`
        }
        additionalInfo={backfill.status === 'running' ? parts.join(', ') : undefined}
      />
    </div>
  );
}

/** A connection's backfills with their progress; running ones can be cancelled. */
export function BackfillsTable({
  connectionId,
  onShowHistory,
}: {
  connectionId: string;
  onShowHistory(range: { from: string; to: string }): void;
}) {
  const backfills = useScheduleStore((s) => s.backfills).filter(
    (b) => b.connectionId === connectionId,
  );
  const cancel = useScheduleStore((s) => s.cancelBackfill);
  if (backfills.length === 0) return null;
  return (
    <Table<Backfill>
      data-testid="backfills-table"
      variant="container"
      header={
        <Header variant="h2" counter={`(${backfills.length})`}>
          Backfills
        </Header>
      }
      items={backfills.slice(0, 10)}
      trackBy="id"
      columnDefinitions={[
        {
          id: 'range',
          header: 'Hours',
          isRowHeader: true,
          cell: (b) => `${hourText(b.from)} → ${hourText(b.to)}`,
        },
        { id: 'progress', header: 'Progress', cell: (b) => <BackfillProgress backfill={b} /> },
        { id: 'started', header: 'Started', cell: (b) => formatTime(b.createdAt) },
        {
          id: 'actions',
          header: '',
          cell: (b) =>
            b.status === 'running' ? (
              <Button variant="inline-link" onClick={() => void cancel(b.id)}>
                Cancel
              </Button>
            ) : (
              <Button
                variant="inline-link"
                onClick={() => onShowHistory({ from: b.from, to: b.to })}
              >
                Show jobs
              </Button>
            ),
        },
      ]}
    />
  );
}
