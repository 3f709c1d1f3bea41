import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import Multiselect from '@cloudscape-design/components/multiselect';
import Pagination from '@cloudscape-design/components/pagination';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useEffect, useState } from 'react';
import { formatBytes } from '../../../shared/format';
import {
  JOB_STATUSES,
  type Connection,
  type Job,
  type JobStatus,
} from '../../../shared/model/entities';
import { EmptyState } from '../../components/EmptyState';
import { ExportHourModal } from './ExportHourModal';
import { JobDetailModal } from './JobDetailModal';
import { STATUS_LOOK } from './status';
import { useJobsStore } from './store';

/** Job history, for one connection or all, with a status filter, paging and each job's details. */
export function JobsTable({
  connection,
  fullPage = false,
}: {
  connection?: Connection;
  fullPage?: boolean;
}) {
  const { items, total, status, query, setQuery } = useJobsStore();
  const [exporting, setExporting] = useState(false);
  const [detail, setDetail] = useState<Job | null>(null);
  const connectionId = connection?.id;
  useEffect(() => {
    void setQuery({ offset: 0, limit: 50, connectionId });
  }, [connectionId, setQuery]);

  const limit = query.limit ?? 50;
  const page = Math.floor((query.offset ?? 0) / limit) + 1;
  const selected = query.status ?? [];
  const shownDetail = detail ? (items.find((j) => j.id === detail.id) ?? detail) : null;

  return (
    <>
      <Table<Job>
        data-testid="jobs-table"
        variant={fullPage ? 'full-page' : 'container'}
        loading={status === 'loading' && items.length === 0}
        loadingText="Loading jobs"
        items={items}
        trackBy="id"
        header={
          <Header
            variant={fullPage ? 'awsui-h1-sticky' : 'h2'}
            counter={`(${total})`}
            description="One job per connection, dataset and hour."
            actions={
              connection && (
                <Button onClick={() => setExporting(true)} data-testid="export-hour">
                  Export an hour now
                </Button>
              )
            }
          >
            {fullPage ? 'Jobs' : 'Export history'}
          </Header>
        }
        filter={
          <Multiselect
            selectedOptions={selected.map((s) => ({ value: s, label: s }))}
            options={JOB_STATUSES.map((s) => ({ value: s, label: s }))}
            placeholder="Filter by status"
            onChange={(e) =>
              void setQuery({
                ...query,
                offset: 0,
                status: e.detail.selectedOptions.map((o) => o.value as JobStatus),
              })
            }
          />
        }
        pagination={
          <Pagination
            currentPageIndex={page}
            pagesCount={Math.max(1, Math.ceil(total / limit))}
            onChange={(e) =>
              void setQuery({ ...query, offset: (e.detail.currentPageIndex - 1) * limit })
            }
          />
        }
        empty={
          <EmptyState
            title="No export jobs yet"
            action={
              connection && <Button onClick={() => setExporting(true)}>Export an hour now</Button>
            }
          >
            Each hour a connection exports becomes a job here, with its files, counts and any error.
          </EmptyState>
        }
        columnDefinitions={[
          {
            id: 'hour',
            header: 'Hour (UTC)',
            isRowHeader: true,
            cell: (j) => (
              <Link onFollow={() => setDetail(j)} data-testid={`job-${j.hour}-${j.dataset}`}>
                {j.hour.replace('T', ' ')}:00
              </Link>
            ),
          },
          { id: 'dataset', header: 'Data', cell: (j) => j.dataset },
          {
            id: 'status',
            header: 'Status',
            cell: (j) => (
              <StatusIndicator type={STATUS_LOOK[j.status]}>
                {j.status}
                {j.status === 'failed' && j.error ? ` (${j.error.kind})` : ''}
              </StatusIndicator>
            ),
          },
          {
            id: 'events',
            header: 'Events',
            cell: (j) => j.counts?.eventsOut.toLocaleString() ?? '—',
          },
          { id: 'files', header: 'Files', cell: (j) => j.objects.length },
          {
            id: 'size',
            header: 'Stored',
            cell: (j) => (j.bytes ? formatBytes(j.bytes.compressed) : '—'),
          },
          { id: 'attempts', header: 'Attempts', cell: (j) => j.attempts },
          { id: 'updated', header: 'Updated', cell: (j) => new Date(j.updatedAt).toLocaleString() },
        ]}
      />
      {connection && exporting && (
        <ExportHourModal
          connection={connection}
          visible={exporting}
          onClose={() => setExporting(false)}
        />
      )}
      <JobDetailModal job={shownDetail} onClose={() => setDetail(null)} />
    </>
  );
}
