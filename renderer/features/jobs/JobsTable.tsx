import Header from '@cloudscape-design/components/header';
import Multiselect from '@cloudscape-design/components/multiselect';
import Pagination from '@cloudscape-design/components/pagination';
import StatusIndicator, {
  type StatusIndicatorProps,
} from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useEffect } from 'react';
import { JOB_STATUSES, type Job, type JobStatus } from '../../../shared/model/entities';
import { EmptyState } from '../../components/EmptyState';
import { useJobsStore } from './store';

const STATUS_LOOK: Record<JobStatus, StatusIndicatorProps.Type> = {
  queued: 'pending',
  running: 'in-progress',
  succeeded: 'success',
  failed: 'error',
  cancelled: 'stopped',
};

/** Job history, for one connection or all, with status filter and paging. */
export function JobsTable({
  connectionId,
  fullPage = false,
}: {
  connectionId?: string;
  fullPage?: boolean;
}) {
  const { items, total, status, query, setQuery } = useJobsStore();
  useEffect(() => {
    void setQuery({ offset: 0, limit: 50, connectionId });
  }, [connectionId, setQuery]);

  const limit = query.limit ?? 50;
  const page = Math.floor((query.offset ?? 0) / limit) + 1;
  const selected = query.status ?? [];

  return (
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
        <EmptyState title="No export jobs yet">
          Each hour a connection exports becomes a job here, with its files, counts and any error.
        </EmptyState>
      }
      columnDefinitions={[
        {
          id: 'hour',
          header: 'Hour (UTC)',
          cell: (j) => j.hour.replace('T', ' ') + ':00',
          isRowHeader: true,
        },
        { id: 'dataset', header: 'Data', cell: (j) => j.dataset },
        {
          id: 'status',
          header: 'Status',
          cell: (j) => <StatusIndicator type={STATUS_LOOK[j.status]}>{j.status}</StatusIndicator>,
        },
        {
          id: 'events',
          header: 'Events',
          cell: (j) => j.counts?.eventsOut.toLocaleString() ?? '—',
        },
        { id: 'attempts', header: 'Attempts', cell: (j) => j.attempts },
        { id: 'updated', header: 'Updated', cell: (j) => new Date(j.updatedAt).toLocaleString() },
      ]}
    />
  );
}
