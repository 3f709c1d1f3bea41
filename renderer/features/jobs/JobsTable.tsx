import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Link from '@cloudscape-design/components/link';
import Pagination from '@cloudscape-design/components/pagination';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useEffect, useLayoutEffect, useState } from 'react';
import { formatBytes } from '../../../shared/format';
import type { Connection, Job } from '../../../shared/model/entities';
import { hour } from '../../../shared/model/fields';
import { EmptyState } from '../../components/EmptyState';
import { useAppStore } from '../app/store';
import { datasetLabel } from '../connections/labels';
import { useArchivedConnections, useConnectionsStore } from '../connections/store';
import { useScheduleStore } from '../schedule/store';
import { ExportHourModal } from './ExportHourModal';
import { HourRangePicker } from './HourRangePicker';
import { JobsFilter } from './JobsFilter';
import { jobsCounter } from './job-filter';
import { useRetryJob } from './JobDetailPanel';
import { jobStatusWords } from '../../../shared/model/words';
import { localLabel } from '../common/time';
import { JOB_LOOK } from '../common/status-look';
import { savedPageSize, useJobsStore } from './store';
import { useTablePrefs } from '../common/table-preferences';
import { InfoLink } from '../help/InfoLink';

/** The filter row: the property filter takes the room left by the hour fields. */
const FILTER_ROW = { display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'flex-start' } as const;

const COLUMNS = [
  { id: 'hour', label: 'Hour (UTC)', alwaysVisible: true },
  { id: 'connection', label: 'Connection' },
  { id: 'dataset', label: 'Data' },
  { id: 'status', label: 'Status' },
  { id: 'trigger', label: 'Started by' },
  { id: 'events', label: 'Events' },
  { id: 'size', label: 'Stored' },
  { id: 'attempts', label: 'Tries' },
  { id: 'updated', label: 'Updated' },
  { id: 'actions', label: 'Actions' },
];

/** A filter hour as typed: empty, or `yyyy-MM-ddTHH`. */
const hourProblem = (v: string) =>
  v === '' || hour.safeParse(v).success ? undefined : 'Write yyyy-MM-ddTHH, e.g. 2026-03-01T05';

/**
 * Job history, for one connection or all: filter by status, data, hour range (and connection
 * on the global page); page through 100,000 jobs 50 at a time (the engine pages from an index);
 * open a job's details; retry one job or every failed hour.
 */
export function JobsTable({
  connection,
  fullPage = false,
}: {
  connection?: Connection;
  fullPage?: boolean;
}) {
  const { items, total, status, error, query, setQuery, select } = useJobsStore();
  const connections = useConnectionsStore((s) => s.items);
  const archived = useArchivedConnections();
  const retryFailed = useScheduleStore((s) => s.retryFailed);
  const retry = useRetryJob();
  const flash = useAppStore((s) => s.flash);
  const [exporting, setExporting] = useState(false);
  // What is typed in the hour filters, until it is applied (then the query holds it).
  const [typed, setTyped] = useState<{ from?: string; to?: string }>({});
  const hourFrom = typed.from ?? query.hourFrom ?? '';
  const hourTo = typed.to ?? query.hourTo ?? '';
  const connectionId = connection?.id;
  const { tableProps, preferences } = useTablePrefs(
    'jobs',
    connection ? COLUMNS.filter((c) => c.id !== 'connection') : COLUMNS,
    { hidden: ['trigger', 'size', 'updated'] },
    (next) => void setQuery({ ...useJobsStore.getState().query, offset: 0, limit: next.pageSize }),
  );
  // Before paint: the request leaves a frame earlier than with useEffect.
  useLayoutEffect(() => {
    void setQuery({ offset: 0, limit: savedPageSize(), connectionId, latestOnly: true });
  }, [connectionId, setQuery]);

  const limit = query.limit ?? savedPageSize();
  const page = Math.floor((query.offset ?? 0) / limit) + 1;
  const filtered = !!(
    query.status?.length ||
    query.dataset ||
    query.hourFrom ||
    query.hourTo ||
    (!connection && query.connectionId)
  );
  const loadArchived = archived.load;
  useEffect(() => void loadArchived(), [loadArchived]);
  const nameOf = (id: string) => {
    const live = connections.find((c) => c.id === id);
    if (live) return live.name;
    const gone = archived.items.find((c) => c.id === id);
    return gone ? `${gone.name} (archived)` : id;
  };

  const applyHours = (from: string, to: string) => {
    if (hourProblem(from) || hourProblem(to)) return;
    setTyped({});
    void setQuery({ ...query, offset: 0, hourFrom: from || undefined, hourTo: to || undefined });
  };
  const retryAll = async () => {
    const result = await retryFailed(connectionId);
    if (!result.ok) return flash('error', result.message);
    flash(
      'info',
      result.value.queued > 0
        ? `Retrying ${result.value.queued} failed hour${result.value.queued === 1 ? '' : 's'}.`
        : 'No failed hours to retry: every failed hour has succeeded since.',
    );
  };

  return (
    <>
      <Table<Job>
        data-testid="jobs-table"
        variant={fullPage ? 'full-page' : 'container'}
        {...tableProps}
        loading={status === 'loading' && items.length === 0}
        loadingText="Loading jobs"
        items={items}
        trackBy="id"
        header={
          <Header
            variant={fullPage ? 'awsui-h1-sticky' : 'h2'}
            info={fullPage ? <InfoLink /> : undefined}
            counter={jobsCounter(status, total, items.length)}
            description="One row per connection, data set and hour: an hour tried again stays one row, with its tries in its details."
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button onClick={retryAll} data-testid="retry-failed">
                  Retry failed
                </Button>
                {connection && (
                  <Button onClick={() => setExporting(true)} data-testid="export-hour">
                    Export an hour now
                  </Button>
                )}
              </SpaceBetween>
            }
          >
            {fullPage ? 'Jobs' : 'Export history'}
          </Header>
        }
        filter={
          <div style={FILTER_ROW}>
            <div style={{ flex: '1 1 320px' }}>
              <JobsFilter
                query={query}
                withConnection={!connection}
                connections={[
                  ...connections.map((c) => ({ id: c.id, name: c.name })),
                  ...archived.items.map((c) => ({ id: c.id, name: `${c.name} (archived)` })),
                ]}
                onChange={(filter) =>
                  void setQuery({
                    ...query,
                    offset: 0,
                    connectionId: connection ? query.connectionId : filter.connectionId,
                    status: filter.status,
                    dataset: filter.dataset,
                  })
                }
              />
            </div>
            <FormField errorText={hourProblem(hourFrom)}>
              <Input
                data-testid="filter-from"
                value={hourFrom}
                placeholder="From hour (yyyy-MM-ddTHH)"
                onChange={(e) => setTyped({ ...typed, from: e.detail.value })}
                onBlur={() => applyHours(hourFrom, hourTo)}
                onKeyDown={(e) => e.detail.key === 'Enter' && applyHours(hourFrom, hourTo)}
              />
            </FormField>
            <FormField errorText={hourProblem(hourTo)}>
              <Input
                data-testid="filter-to"
                value={hourTo}
                placeholder="To hour (yyyy-MM-ddTHH)"
                onChange={(e) => setTyped({ ...typed, to: e.detail.value })}
                onBlur={() => applyHours(hourFrom, hourTo)}
                onKeyDown={(e) => e.detail.key === 'Enter' && applyHours(hourFrom, hourTo)}
              />
            </FormField>
            <HourRangePicker
              from={query.hourFrom ?? ''}
              to={query.hourTo ?? ''}
              onChange={(range) => applyHours(range?.from ?? '', range?.to ?? '')}
            />
            {filtered && (
              <Button
                variant="link"
                data-testid="clear-filters"
                onClick={() => {
                  setTyped({});
                  // A connection's own history stays its own; the Jobs page shows all again.
                  void setQuery({ offset: 0, limit, connectionId, latestOnly: true });
                }}
              >
                Clear filters
              </Button>
            )}
          </div>
        }
        preferences={preferences}
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
          status === 'error' ? (
            <EmptyState title="Could not read the job history">{error}</EmptyState>
          ) : filtered ? (
            <EmptyState title="No matching jobs">No job matches these filters.</EmptyState>
          ) : (
            <EmptyState
              title="No export jobs yet"
              action={
                connection && <Button onClick={() => setExporting(true)}>Export an hour now</Button>
              }
            >
              Each hour a connection exports becomes a job here, with its files, counts and any
              error.
            </EmptyState>
          )
        }
        columnDefinitions={[
          {
            id: 'hour',
            header: 'Hour (UTC)',
            width: 170,
            minWidth: 150,
            isRowHeader: true,
            cell: (j) => (
              <Link onFollow={() => select(j)} data-testid={`job-${j.hour}-${j.dataset}`}>
                {j.hour.replace('T', ' ')}:00
              </Link>
            ),
          },
          ...(connection
            ? []
            : [
                {
                  id: 'connection',
                  header: 'Connection',
                  width: 150,
                  cell: (j: Job) => nameOf(j.connectionId),
                },
              ]),
          { id: 'dataset', header: 'Data', width: 110, cell: (j) => datasetLabel(j.dataset) },
          {
            id: 'status',
            header: 'Status',
            width: 220,
            minWidth: 200,
            cell: (j) => (
              <StatusIndicator type={JOB_LOOK[j.status]}>{jobStatusWords(j)}</StatusIndicator>
            ),
          },
          { id: 'trigger', header: 'By', width: 110, cell: (j) => j.trigger },
          {
            id: 'events',
            header: 'Events',
            width: 100,
            cell: (j) => j.counts?.eventsOut.toLocaleString() ?? '—',
          },
          {
            id: 'size',
            header: 'Stored',
            width: 100,
            cell: (j) => (j.bytes ? formatBytes(j.bytes.compressed) : '—'),
          },
          { id: 'attempts', header: 'Tries', width: 80, cell: (j) => j.attempts },
          {
            id: 'updated',
            header: 'Updated (UTC)',
            width: 140,
            cell: (j) => (
              <span title={localLabel(j.updatedAt)}>
                {j.updatedAt.slice(5, 16).replace('T', ' ')}
              </span>
            ),
          },
          {
            id: 'actions',
            header: 'Actions',
            width: 100,
            minWidth: 100,
            cell: (j) =>
              j.status === 'failed' || j.status === 'cancelled' ? (
                <Button variant="inline-link" onClick={() => void retry(j)}>
                  Retry
                </Button>
              ) : null,
          },
        ]}
      />
      {connection && exporting && (
        <ExportHourModal
          connection={connection}
          visible={exporting}
          onClose={() => setExporting(false)}
        />
      )}
    </>
  );
}
