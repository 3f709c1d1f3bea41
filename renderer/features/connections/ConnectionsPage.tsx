import Button from '@cloudscape-design/components/button';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import Pagination from '@cloudscape-design/components/pagination';
import Table from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import { useCollection } from '@cloudscape-design/collection-hooks';
import { describeDestination } from '../../../shared/model/describe';
import type { Connection } from '../../../shared/model/entities';
import { useRouter } from '../../app/router';
import { EmptyState } from '../../components/EmptyState';
import { useOrgsStore } from '../organizations/store';
import { useProjectsStore } from '../projects/store';
import { useConnectionsStore } from './store';
import { datasetLabel } from './labels';
import { hourLabel, StatusBadge } from '../schedule/ConnectionStatus';
import { useScheduleStore } from '../schedule/store';
import Box from '@cloudscape-design/components/box';
import { InfoLink } from '../help/InfoLink';
import { useTablePrefs } from '../common/table-preferences';

type Row = Connection & { projectLabel: string; where: string };

const COLUMNS = [
  { id: 'name', label: 'Name', alwaysVisible: true },
  { id: 'status', label: 'Status' },
  { id: 'last', label: 'Last exported hour' },
  { id: 'project', label: 'Project' },
  { id: 'destination', label: 'Destination' },
  { id: 'datasets', label: 'Data' },
];

/** The home page: every connection, with the next step for a new user when there are none. */
export function ConnectionsPage() {
  const { items, status } = useConnectionsStore();
  const orgs = useOrgsStore((s) => s.items);
  const projects = useProjectsStore((s) => s.items);
  const navigate = useRouter((s) => s.navigate);
  const statuses = useScheduleStore((s) => s.statuses);
  const projectName = (id: number) => projects.find((p) => p.id === id)?.name ?? String(id);
  const rows: Row[] = items.map((c) => ({
    ...c,
    projectLabel: `${projectName(c.projectId)} (${c.projectId})`,
    where: describeDestination(c.destination),
  }));
  const { tableProps, preferences, prefs } = useTablePrefs('connections', COLUMNS);
  const {
    items: shown,
    collectionProps,
    filterProps,
    filteredItemsCount,
    paginationProps,
  } = useCollection(rows, {
    pagination: { pageSize: prefs.pageSize },
    filtering: {
      fields: ['name', 'id', 'projectLabel', 'where'],
      noMatch: <EmptyState title="No matches">No connection matches this filter.</EmptyState>,
    },
    sorting: { defaultState: { sortingColumn: { sortingField: 'name' } } },
  });

  let empty;
  if (orgs.length === 0) {
    empty = (
      <EmptyState
        testId="empty-connections"
        title="Welcome to Ferry"
        action={
          <Button
            variant="primary"
            onClick={() => navigate('/organizations/new')}
            data-testid="start-create-org"
          >
            Create organization
          </Button>
        }
      >
        Ferry copies your product-analytics events to your own S3 bucket every hour. Start with an
        organization: it owns your projects and buckets. Then add a project and connect it to a
        bucket.
      </EmptyState>
    );
  } else if (projects.length === 0) {
    empty = (
      <EmptyState
        testId="empty-connections"
        title="Add a project next"
        action={
          <Button onClick={() => navigate(`/organizations/${orgs[0]!.id}/projects/new`)}>
            Add project
          </Button>
        }
      >
        A project is where events come from. Add one to {orgs[0]!.name}, then connect it to a
        bucket.
      </EmptyState>
    );
  } else {
    empty = (
      <EmptyState
        testId="empty-connections"
        title="No connections yet"
        action={
          <Button
            onClick={() => navigate('/connections/new')}
            data-testid="empty-create-connection"
          >
            Create connection
          </Button>
        }
      >
        A connection exports one project to an S3 bucket (or a local folder), every hour.
      </EmptyState>
    );
  }

  return (
    <Table<Row>
      {...collectionProps}
      data-testid="connections-table"
      variant="full-page"
      {...tableProps}
      preferences={preferences}
      pagination={<Pagination {...paginationProps} />}
      loading={status === 'loading' || status === 'idle'}
      loadingText="Loading connections"
      items={shown}
      trackBy="id"
      header={
        <Header
          variant="awsui-h1-sticky"
          info={<InfoLink />}
          counter={`(${items.length})`}
          description="Each connection exports one project to a bucket or folder, hour by hour."
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button
                onClick={() => navigate('/connections/new/form?type=folder')}
                disabled={projects.length === 0}
                data-testid="create-folder-connection"
              >
                Export to a folder
              </Button>
              <Button
                variant="primary"
                onClick={() => navigate('/connections/new')}
                disabled={projects.length === 0}
                data-testid="create-connection"
              >
                Connect to S3
              </Button>
            </SpaceBetween>
          }
        >
          Connections
        </Header>
      }
      filter={
        items.length > 0 ? (
          <TextFilter
            {...filterProps}
            filteringPlaceholder="Find connections"
            countText={
              filteredItemsCount === items.length ? undefined : `${filteredItemsCount} matches`
            }
          />
        ) : undefined
      }
      empty={empty}
      columnDefinitions={[
        {
          id: 'name',
          width: 180,
          minWidth: 140,
          header: 'Name',
          cell: (c) => (
            <Link
              href={`#/connections/${c.id}`}
              onFollow={(e) => {
                e.preventDefault();
                navigate(`/connections/${c.id}`);
              }}
            >
              {c.name}
            </Link>
          ),
          sortingField: 'name',
          isRowHeader: true,
        },
        {
          id: 'status',
          header: 'Status',
          width: 300,
          minWidth: 180,
          cell: (c) => (
            <SpaceBetween size="xxxs">
              <StatusBadge status={statuses[c.id]} />
              {statuses[c.id]?.state === 'failing' && (
                <Box variant="small" color="text-status-error">
                  {statuses[c.id]!.reason}
                </Box>
              )}
            </SpaceBetween>
          ),
        },
        {
          id: 'last',
          header: 'Last exported hour',
          width: 170,
          minWidth: 150,
          cell: (c) =>
            statuses[c.id]?.lastExportedHour ? hourLabel(statuses[c.id]!.lastExportedHour!) : '—',
        },
        {
          id: 'project',
          header: 'Project',
          width: 170,
          cell: (c) => c.projectLabel,
          sortingField: 'projectLabel',
        },
        {
          id: 'destination',
          header: 'Destination',
          width: 240,
          minWidth: 200,
          cell: (c) => c.where,
          sortingField: 'where',
        },
        { id: 'datasets', header: 'Data', cell: (c) => c.datasets.map(datasetLabel).join(', ') },
      ]}
    />
  );
}
