import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import Pagination from '@cloudscape-design/components/pagination';
import { useCollection } from '@cloudscape-design/collection-hooks';
import Table from '@cloudscape-design/components/table';
import type { Organization } from '../../../shared/model/entities';
import { useRouter } from '../../app/router';
import { EmptyState } from '../../components/EmptyState';
import { useProjectsStore } from '../projects/store';
import { useOrgsStore } from './store';
import { InfoLink } from '../help/InfoLink';
import { useTablePrefs } from '../common/table-preferences';

const COLUMNS = [
  { id: 'name', label: 'Name', alwaysVisible: true },
  { id: 'id', label: 'Organization ID' },
  { id: 'projects', label: 'Projects' },
  { id: 'admin', label: 'Admin email' },
];

/** Organizations, each owning projects and buckets. */
export function OrganizationsPage() {
  const { items, status } = useOrgsStore();
  const projects = useProjectsStore((s) => s.items);
  const navigate = useRouter((s) => s.navigate);
  const { tableProps, preferences, prefs } = useTablePrefs('organizations', COLUMNS);
  const { items: shown, paginationProps } = useCollection(items, {
    pagination: { pageSize: prefs.pageSize },
  });
  return (
    <Table<Organization>
      data-testid="orgs-table"
      variant="full-page"
      {...tableProps}
      preferences={preferences}
      pagination={<Pagination {...paginationProps} />}
      loading={status === 'loading'}
      items={shown}
      trackBy="id"
      header={
        <Header
          variant="awsui-h1-sticky"
          info={<InfoLink />}
          counter={`(${items.length})`}
          description="An organization owns projects and buckets; a bucket belongs to one organization only."
          actions={
            <Button
              variant="primary"
              onClick={() => navigate('/organizations/new')}
              data-testid="create-org"
            >
              Create organization
            </Button>
          }
        >
          Organizations & projects
        </Header>
      }
      empty={
        <EmptyState
          title="No organizations yet"
          action={
            <Button onClick={() => navigate('/organizations/new')}>Create organization</Button>
          }
        >
          Use the organization ID from Amplitude, so merged-ID files carry the right name.
        </EmptyState>
      }
      columnDefinitions={[
        {
          id: 'name',
          header: 'Name',
          isRowHeader: true,
          cell: (o) => (
            <Link
              href={`#/organizations/${o.id}`}
              onFollow={(e) => {
                e.preventDefault();
                navigate(`/organizations/${o.id}`);
              }}
            >
              {o.name}
            </Link>
          ),
        },
        { id: 'id', header: 'Organization ID', cell: (o) => o.id },
        {
          id: 'projects',
          header: 'Projects',
          cell: (o) => projects.filter((p) => p.orgId === o.id).length,
        },
        { id: 'admin', header: 'Admin email', cell: (o) => o.adminEmail ?? '—' },
      ]}
    />
  );
}
