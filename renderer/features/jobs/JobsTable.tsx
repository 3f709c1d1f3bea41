import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useEffect, useLayoutEffect, useState } from 'react';
import type { Connection } from '../../../shared/model/entities';
import type { Job, JobListQuery } from '../../../shared/model/jobs';
import { EmptyState } from '../../components/EmptyState';
import { useAppStore } from '../app/store';
import { useArchivedConnections, useConnectionsStore } from '../connections/store';
import { useScheduleStore } from '../schedule/store';
import { ExportHourModal } from './ExportHourModal';
import { ReconcileModal } from './ReconcileModal';
import { JobsFilterRow } from './JobsFilterRow';
import { jobColumns } from './job-columns';
import { jobHref } from './job-address';
import { jobsCounter, queryTokens } from './job-filter';
import { useRetryJob } from './JobDetailPanel';
import { savedPageSize, useJobsStore } from './store';
import { useTablePrefs } from '../common/table-preferences';
import { InfoLink } from '../help/InfoLink';
import { fire } from '../common/action';
import { routeQuery } from '../../app/route-paths';
import { useRouter } from '../../app/router';
import { plural } from '../../../shared/format';

const COLUMNS = [
  { id: 'hour', label: 'Hour (UTC)', alwaysVisible: true },
  { id: 'connection', label: 'Connection', hideBelow: 640 },
  { id: 'dataset', label: 'Data' },
  { id: 'status', label: 'Status' },
  { id: 'trigger', label: 'Started by' },
  { id: 'events', label: 'Events', hideBelow: 760 },
  { id: 'size', label: 'Stored' },
  { id: 'attempts', label: 'Tries', hideBelow: 760 },
  { id: 'updated', label: 'Updated' },
  { id: 'actions', label: 'Actions' },
];

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
  const { items, total, status, error, query, setQuery } = useJobsStore();
  const { nameOf, choices } = useConnectionNames();
  const retryAll = useRetryFailed(connection?.id);
  const retry = useRetryJob();
  // #/connections/<id>?export=hour (the offer after setup) opens Export an hour now at once.
  const askedToExport = useRouter((s) => routeQuery(s.path).get('export') === 'hour');
  const navigate = useRouter((s) => s.navigate);
  const path = useRouter((s) => s.path);
  const [exportClicked, setExporting] = useState(false);
  const exporting = exportClicked || (askedToExport && !!connection);
  const closeExport = () => {
    setExporting(false);
    // Closed: the address no longer asks for it (a reload does not open it again).
    if (askedToExport && connection) navigate(`/connections/${connection.id}`);
  };
  const [checking, setChecking] = useState(false);
  const connectionId = connection?.id;
  const { tableProps, preferences, fitRef } = useTablePrefs(
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
  const filtered = isFiltered(query, !connection);

  return (
    <div ref={fitRef}>
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
                <Button onClick={fire(retryAll)} data-testid="retry-failed">
                  Retry failed
                </Button>
                {connection && (
                  <Button onClick={() => setChecking(true)} data-testid="open-reconcile">
                    Check destination…
                  </Button>
                )}
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
          <JobsFilterRow
            query={query}
            connectionId={connectionId}
            connections={choices}
            filtered={filtered}
            limit={limit}
            setQuery={setQuery}
          />
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
          <JobsEmpty
            error={status === 'error' ? (error ?? '') : null}
            filtered={filtered}
            onExport={connection ? () => setExporting(true) : null}
          />
        }
        columnDefinitions={jobColumns({
          withConnection: !connection,
          nameOf,
          href: (j) => jobHref(path, j.id),
          retry,
        })}
      />
      {connection && checking && (
        <ReconcileModal connection={connection} onClose={() => setChecking(false)} />
      )}
      {connection && exporting && (
        <ExportHourModal connection={connection} visible={exporting} onClose={closeExport} />
      )}
    </div>
  );
}

/**
 * True when the query narrows the history: a filter token (the connection only on the global
 * page, as the filter row shows it) or an hour bound.
 */
function isFiltered(query: JobListQuery, global: boolean): boolean {
  return queryTokens(query, global).length > 0 || !!query.hourFrom || !!query.hourTo;
}

/** Connection names for ids in the history, archived ones (deleted, history kept) marked so. */
function useConnectionNames() {
  const connections = useConnectionsStore((s) => s.items);
  const archived = useArchivedConnections();
  const loadArchived = archived.load;
  useEffect(() => void loadArchived(), [loadArchived]);
  const choices = [
    ...connections.map((c) => ({ id: c.id, name: c.name })),
    ...archived.items.map((c) => ({ id: c.id, name: `${c.name} (archived)` })),
  ];
  const nameOf = (id: string) => choices.find((c) => c.id === id)?.name ?? id;
  return { nameOf, choices };
}

/** Retry every failed hour (of one connection, or all), and say how many that was. */
function useRetryFailed(connectionId: string | undefined) {
  const retryFailed = useScheduleStore((s) => s.retryFailed);
  const flash = useAppStore((s) => s.flash);
  return async () => {
    const result = await retryFailed(connectionId);
    if (!result.ok) return flash('error', result.message);
    const queued = result.value.queued;
    flash(
      'info',
      queued > 0
        ? `Retrying ${plural(queued, 'failed hour')}.`
        : 'No failed hours to retry: every failed hour has succeeded since.',
    );
  };
}

/** Why the table is empty: a failed read, filters that match nothing, or no export yet. */
function JobsEmpty({
  error,
  filtered,
  onExport,
}: {
  error: string | null;
  filtered: boolean;
  onExport: (() => void) | null;
}) {
  if (error !== null)
    return <EmptyState title="Could not read the job history">{error}</EmptyState>;
  if (filtered)
    return <EmptyState title="No matching jobs">No job matches these filters.</EmptyState>;
  return (
    <EmptyState
      title="No export jobs yet"
      action={onExport && <Button onClick={onExport}>Export an hour now</Button>}
    >
      Each hour a connection exports becomes a job here, with its files, counts and any error.
    </EmptyState>
  );
}
