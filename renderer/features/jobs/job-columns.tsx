import Button from '@cloudscape-design/components/button';
import Link from '@cloudscape-design/components/link';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import type { TableProps } from '@cloudscape-design/components/table';
import { WholeWords } from '../../components/Breakable';
import { formatBytes } from '../../../shared/format';
import type { Job } from '../../../shared/model/jobs';
import { jobStatusWords } from '../../../shared/model/words';
import { JOB_LOOK } from '../common/status-look';
import { formatTime, hourLabel, otherZone } from '../common/time';
import { datasetLabel } from '../connections/labels';

/** The job table's columns; `withConnection` on the Jobs page, where rows mix connections. */
export function jobColumns({
  withConnection,
  nameOf,
  href,
  retry,
}: {
  withConnection: boolean;
  /** A connection's name (archived ones say so). */
  nameOf(connectionId: string): string;
  /** The address of a job's details (the split panel opens on it). */
  href(job: Job): string;
  retry(job: Job): Promise<unknown>;
}): TableProps.ColumnDefinition<Job>[] {
  return [
    {
      id: 'hour',
      header: 'Hour (UTC)',
      isRowHeader: true,
      cell: (j) => (
        <Link href={href(j)} data-testid={`job-${j.hour}-${j.dataset}`}>
          <span style={{ whiteSpace: 'nowrap' }}>{hourLabel(j.hour)}</span>
        </Link>
      ),
    },
    ...(!withConnection
      ? []
      : [
          {
            id: 'connection',
            header: 'Connection',
            cell: (j: Job) => nameOf(j.connectionId),
          },
        ]),
    { id: 'dataset', header: 'Data', cell: (j) => datasetLabel(j.dataset) },
    {
      id: 'status',
      header: 'Status',
      cell: (j) => (
        <StatusIndicator type={JOB_LOOK[j.status]}>
          <WholeWords text={jobStatusWords(j)} />
        </StatusIndicator>
      ),
    },
    { id: 'trigger', header: 'By', cell: (j) => j.trigger },
    {
      id: 'events',
      header: 'Events',
      cell: (j) => j.counts?.eventsOut.toLocaleString() ?? '—',
    },
    {
      id: 'size',
      header: 'Stored',
      cell: (j) => (j.bytes ? formatBytes(j.bytes.compressed) : '—'),
    },
    { id: 'attempts', header: 'Tries', cell: (j) => j.attempts },
    {
      id: 'updated',
      header: 'Updated',
      cell: (j) => <span title={otherZone(j.updatedAt)}>{formatTime(j.updatedAt)}</span>,
    },
    {
      id: 'actions',
      header: 'Actions',
      cell: (j) =>
        j.status === 'failed' || j.status === 'cancelled' ? (
          <Button variant="inline-link" onClick={() => void retry(j)}>
            Retry
          </Button>
        ) : null,
    },
  ];
}
