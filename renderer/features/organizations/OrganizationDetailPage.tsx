import Badge from '@cloudscape-design/components/badge';
import { describeSource } from '../../../shared/model/describe';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useState } from 'react';
import type { Project } from '../../../shared/model/entities';
import { useRouter } from '../../app/router';
import { ConfirmDelete } from '../../components/Confirm';
import { EmptyState } from '../../components/EmptyState';
import { useAppStore } from '../app/store';
import { useConnectionsStore } from '../connections/store';
import { useProjectsStore } from '../projects/store';
import { useOrgsStore } from './store';
import { InfoLink } from '../help/InfoLink';
import { formatTime } from '../common/time';
import { NotFound } from '../../components/NotFound';

/** One organization and its projects, with the next step (add a project, connect it). */
export function OrganizationDetailPage({ id }: { id: number }) {
  const { items, remove } = useOrgsStore();
  const removeProject = useProjectsStore((s) => s.remove);
  const navigate = useRouter((s) => s.navigate);
  const flash = useAppStore((s) => s.flash);
  const [deleting, setDeleting] = useState<'org' | Project | null>(null);
  const org = items.find((o) => o.id === id);

  if (!org)
    return (
      <NotFound title="Organization not found">There is no organization with ID {id}.</NotFound>
    );

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          info={<InfoLink />}
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button onClick={() => setDeleting('org')}>Delete</Button>
              <Button onClick={() => navigate(`/organizations/${id}/edit`)}>Edit</Button>
            </SpaceBetween>
          }
        >
          {org.name}
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Container header={<Header variant="h2">Details</Header>}>
          <KeyValuePairs
            columns={3}
            items={[
              { label: 'Organization ID', value: org.id },
              { label: 'Admin email', value: org.adminEmail ?? '—' },
              { label: 'Created', value: formatTime(org.createdAt) },
            ]}
          />
        </Container>
        <ProjectsTable orgId={id} onDelete={setDeleting} />
      </SpaceBetween>
      <ConfirmDelete
        visible={deleting !== null}
        title={
          deleting === 'org' ? `Delete ${org.name}?` : `Delete project ${deleting?.name ?? ''}?`
        }
        onCancel={() => setDeleting(null)}
        onConfirm={async () => {
          if (deleting === 'org') {
            const result = await remove(org.id);
            if (result.ok) {
              flash('success', `Organization "${org.name}" deleted.`);
              navigate('/organizations');
            }
            return result;
          }
          const result = await removeProject(deleting!.id);
          if (result.ok) {
            flash('success', `Project "${deleting!.name}" deleted.`);
            setDeleting(null);
          }
          return result;
        }}
      >
        {deleting === 'org'
          ? 'The organization is removed from Ferry. An organization with projects can not be deleted.'
          : 'The project is removed from Ferry. A project with connections can not be deleted.'}
      </ConfirmDelete>
    </ContentLayout>
  );
}

/** An organization's projects, each with its source, connections and next step. */
function ProjectsTable({ orgId, onDelete }: { orgId: number; onDelete(project: Project): void }) {
  const projects = useProjectsStore((s) => s.items);
  const connections = useConnectionsStore((s) => s.items);
  const navigate = useRouter((s) => s.navigate);
  const own = projects.filter((p) => p.orgId === orgId);
  return (
    <Table<Project>
      data-testid="projects-table"
      items={own}
      trackBy="id"
      header={
        <Header
          variant="h2"
          counter={`(${own.length})`}
          actions={
            <Button
              onClick={() => navigate(`/organizations/${orgId}/projects/new`)}
              data-testid="add-project"
            >
              Add project
            </Button>
          }
        >
          Projects
        </Header>
      }
      empty={
        <EmptyState
          title="No projects yet"
          action={
            <Button onClick={() => navigate(`/organizations/${orgId}/projects/new`)}>
              Add project
            </Button>
          }
        >
          A project is a source of events. Add one, then connect it to a bucket.
        </EmptyState>
      }
      columnDefinitions={[
        { id: 'name', header: 'Name', isRowHeader: true, cell: (p) => p.name },
        { id: 'id', header: 'Project ID', cell: (p) => p.id },
        {
          id: 'kind',
          header: 'Kind',
          cell: (p) => (p.kind === 'portfolio' ? <Badge>Portfolio</Badge> : 'Standard'),
        },
        {
          id: 'source',
          header: 'Source',
          cell: (p) => describeSource(p),
        },
        {
          id: 'connections',
          header: 'Connections',
          cell: (p) => connections.filter((c) => c.projectId === p.id).length,
        },
        {
          id: 'actions',
          header: 'Actions',
          cell: (p) => (
            <SpaceBetween direction="horizontal" size="xs">
              {p.kind !== 'portfolio' && (
                <Button
                  variant="inline-link"
                  onClick={() => navigate(`/connections/new?project=${p.id}`)}
                  data-testid={`connect-project-${p.id}`}
                >
                  Connect to a bucket
                </Button>
              )}
              <Button variant="inline-link" onClick={() => navigate(`/projects/${p.id}/edit`)}>
                Edit
              </Button>
              <Button variant="inline-link" onClick={() => onDelete(p)}>
                Delete
              </Button>
            </SpaceBetween>
          ),
        },
      ]}
    />
  );
}
