import Button from '@cloudscape-design/components/button';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import Table from '@cloudscape-design/components/table';
import Select from '@cloudscape-design/components/select';
import TextFilter from '@cloudscape-design/components/text-filter';
import { useCollection } from '@cloudscape-design/collection-hooks';
import { describeDestination } from '../../../shared/model/describe';
import { CONNECTION_STATES, type ConnectionState } from '../../../shared/model/schedule';
import { CONNECTION_STATE_WORDS } from '../../../shared/model/words';
import { routeQuery } from '../../app/route-paths';
import { useRouter } from '../../app/router';
import { EmptyState } from '../../components/EmptyState';
import { useOrgsStore } from '../organizations/store';
import { useProjectsStore } from '../projects/store';
import { useConnectionsStore } from './store';
import { useScheduleStore } from '../schedule/store';
import { InfoLink } from '../help/InfoLink';
import { useTablePrefs } from '../common/table-preferences';
import { connectionColumns, type ConnectionRow } from './connection-columns';

type Row = ConnectionRow;

const COLUMNS = [
  { id: 'name', label: 'Name', alwaysVisible: true },
  { id: 'status', label: 'Status' },
  { id: 'last', label: 'Last exported hour', hideBelow: 640 },
  { id: 'project', label: 'Project', hideBelow: 760 },
  { id: 'destination', label: 'Destination' },
  { id: 'datasets', label: 'Data', hideBelow: 900 },
];

/** The home page: every connection, with the next step for a new user when there are none. */
export function ConnectionsPage() {
  const { items, status } = useConnectionsStore();
  const projects = useProjectsStore((s) => s.items);
  const { path, navigate } = useRouter();
  const statuses = useScheduleStore((s) => s.statuses);
  const projectName = (id: number) => projects.find((p) => p.id === id)?.name ?? String(id);
  // The status asked for in the address (#/connections?state=failing: the top bar's badge).
  const state = stateFilter(routeQuery(path).get('state'));
  const kept = state ? items.filter((c) => statuses[c.id]?.state === state) : items;
  const rows: Row[] = kept.map((c) => ({
    ...c,
    projectLabel: `${projectName(c.projectId)} (${c.projectId})`,
    where: describeDestination(c.destination),
  }));
  const { tableProps, preferences, prefs, fitRef } = useTablePrefs('connections', COLUMNS);
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

  return (
    <div ref={fitRef}>
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
            <div style={FILTERS}>
              <div style={{ flex: '1 1 18rem', maxWidth: '36rem' }}>
                <TextFilter
                  {...filterProps}
                  filteringPlaceholder="Find connections"
                  countText={
                    filteredItemsCount === rows.length ? undefined : `${filteredItemsCount} matches`
                  }
                />
              </div>
              <StateSelect
                state={state}
                onChange={(next) => navigate(next ? `/connections?state=${next}` : '/connections')}
              />
            </div>
          ) : undefined
        }
        empty={
          items.length === 0 ? (
            <ConnectionsEmpty />
          ) : state && kept.length === 0 ? (
            <EmptyState
              title={`No connection is ${CONNECTION_STATE_WORDS[state].toLowerCase()}`}
              action={
                <Button onClick={() => navigate('/connections')}>Show all connections</Button>
              }
            >
              {state === 'failing' ? 'Every connection exports as it should.' : null}
            </EmptyState>
          ) : (
            // Connections there are, and the text filter matches none of them.
            collectionProps.empty
          )
        }
        columnDefinitions={connectionColumns(statuses, navigate)}
      />
    </div>
  );
}

const FILTERS = { display: 'flex', flexWrap: 'wrap', gap: '8px' } as const;

const STATE_OPTIONS = [
  { value: '', label: 'Any status' },
  ...CONNECTION_STATES.map((value) => ({ value, label: CONNECTION_STATE_WORDS[value] })),
];

function stateFilter(value: string | null): ConnectionState | null {
  return CONNECTION_STATES.find((s) => s === value) ?? null;
}

/** Show only the connections in one state; kept in the address, so the badge can link to it. */
function StateSelect({
  state,
  onChange,
}: {
  state: ConnectionState | null;
  onChange(state: ConnectionState | null): void;
}) {
  return (
    <Select
      inlineLabelText="Status"
      data-testid="connection-state-filter"
      selectedOption={STATE_OPTIONS.find((o) => o.value === (state ?? ''))!}
      options={STATE_OPTIONS}
      onChange={(e) => onChange(stateFilter(e.detail.selectedOption.value ?? null))}
    />
  );
}

/** No connection yet: the next step, whether that is an organization, a project or a connection. */
function ConnectionsEmpty() {
  const orgs = useOrgsStore((s) => s.items);
  const projects = useProjectsStore((s) => s.items);
  const navigate = useRouter((s) => s.navigate);
  if (orgs.length === 0)
    return (
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
  if (projects.length === 0)
    return (
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
  return (
    <EmptyState
      testId="empty-connections"
      title="No connections yet"
      action={
        <Button onClick={() => navigate('/connections/new')} data-testid="empty-create-connection">
          Create connection
        </Button>
      }
    >
      A connection exports one project to an S3 bucket (or a local folder), every hour.
    </EmptyState>
  );
}
