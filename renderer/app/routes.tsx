import { createElement, lazy, type ComponentType, type ReactNode } from 'react';
import type { HelpTopic } from '../features/help/topics';
import { matchRoute } from './route-paths';

// Each page is its own chunk: the first load fetches the shell and, alongside the data, the page
// it opens on (preloadRoute); the others follow once the browser is idle (preloadPages), so a
// page opened while Ferry is unreachable still shows its last data instead of failing to load.
const loaders: (() => Promise<unknown>)[] = [];
const page = <K extends string, P extends object>(
  load: () => Promise<Record<K, (props: P) => ReactNode>>,
  name: K,
) => {
  let loading: ReturnType<typeof load> | null = null;
  let loaded: ((props: P) => ReactNode) | null = null;
  // A failed fetch is not remembered: the next try loads again.
  const once = () =>
    (loading ??= load().then(
      (module) => ((loaded = module[name]), module),
      (error: unknown) => ((loading = null), Promise.reject(error)),
    ));
  loaders.push(once);
  const Lazy = lazy(async () => ({ default: (await once())[name] as ComponentType<P> }));
  // Code that is already here renders at once: React.lazy would suspend once even then, and
  // React holds a revealed Suspense boundary back for up to 300 ms.
  const Page = (props: P) => (loaded ? createElement(loaded, props) : <Lazy {...props} />);
  return Object.assign(Page, { preload: once });
};

/** Fetch every page's chunk in the background; resolves when all are here. */
export async function preloadPages(): Promise<void> {
  await Promise.all(loaders.map((load) => load()));
}

const ConnectionsPage = page(
  () => import('../features/connections/ConnectionsPage'),
  'ConnectionsPage',
);
const ConnectionDetailPage = page(
  () => import('../features/connections/ConnectionDetailPage'),
  'ConnectionDetailPage',
);
const ConnectionFormPage = page(
  () => import('../features/connections/ConnectionFormPage'),
  'ConnectionFormPage',
);
const SetupWizardPage = page(() => import('../features/setup/SetupWizardPage'), 'SetupWizardPage');
const MigrationPage = page(() => import('../features/migration/MigrationPage'), 'MigrationPage');
const OrganizationsPage = page(
  () => import('../features/organizations/OrganizationsPage'),
  'OrganizationsPage',
);
const OrganizationDetailPage = page(
  () => import('../features/organizations/OrganizationDetailPage'),
  'OrganizationDetailPage',
);
const OrganizationFormPage = page(
  () => import('../features/organizations/OrganizationFormPage'),
  'OrganizationFormPage',
);
const ProjectFormPage = page(
  () => import('../features/projects/ProjectFormPage'),
  'ProjectFormPage',
);
const JobsPage = page(() => import('../features/jobs/JobsPage'), 'JobsPage');
const SettingsPage = page(() => import('../features/settings/SettingsPage'), 'SettingsPage');
const BackupsPage = page(() => import('../features/backups/BackupsPage'), 'BackupsPage');
const AuditPage = page(() => import('../features/audit/AuditPage'), 'AuditPage');

export interface Route {
  /** Fetches the page's code (once). */
  load(): Promise<unknown>;
  /** What the help panel says about this page. */
  help: HelpTopic;
  pattern: string;
  render(params: Record<string, string>): ReactNode;
  crumbs(
    params: Record<string, string>,
    names: (id: string) => string,
  ): { text: string; href: string }[];
}

const CONNECTIONS = { text: 'Connections', href: '#/connections' };
const ORGS = { text: 'Organizations & projects', href: '#/organizations' };

export const ROUTES: Route[] = [
  {
    pattern: '/connections',
    help: 'connections',
    load: ConnectionsPage.preload,
    render: () => <ConnectionsPage />,
    crumbs: () => [CONNECTIONS],
  },
  {
    pattern: '/connections/new',
    help: 'wizard',
    load: SetupWizardPage.preload,
    render: () => <SetupWizardPage />,
    crumbs: () => [CONNECTIONS, { text: 'Connect to S3', href: '#/connections/new' }],
  },
  {
    pattern: '/connections/new/form',
    help: 'connectionForm',
    load: ConnectionFormPage.preload,
    render: () => <ConnectionFormPage />,
    crumbs: () => [CONNECTIONS, { text: 'Create connection', href: '#/connections/new/form' }],
  },
  {
    pattern: '/connections/:id',
    help: 'connection',
    load: ConnectionDetailPage.preload,
    render: (p) => <ConnectionDetailPage id={p.id!} />,
    crumbs: (p, names) => [CONNECTIONS, { text: names(p.id!), href: `#/connections/${p.id}` }],
  },
  {
    pattern: '/connections/:id/edit',
    help: 'connectionForm',
    load: ConnectionFormPage.preload,
    render: (p) => <ConnectionFormPage id={p.id!} />,
    crumbs: (p, names) => [
      CONNECTIONS,
      { text: names(p.id!), href: `#/connections/${p.id}` },
      { text: 'Edit', href: `#/connections/${p.id}/edit` },
    ],
  },
  {
    pattern: '/connections/:id/migrate',
    help: 'migration',
    load: MigrationPage.preload,
    render: (p) => <MigrationPage connectionId={p.id!} />,
    crumbs: (p, names) => [
      CONNECTIONS,
      { text: names(p.id!), href: `#/connections/${p.id}` },
      { text: 'Move to KMS and a role', href: `#/connections/${p.id}/migrate` },
    ],
  },
  {
    pattern: '/organizations',
    help: 'organizations',
    load: OrganizationsPage.preload,
    render: () => <OrganizationsPage />,
    crumbs: () => [ORGS],
  },
  {
    pattern: '/organizations/new',
    help: 'organizationForm',
    load: OrganizationFormPage.preload,
    render: () => <OrganizationFormPage />,
    crumbs: () => [ORGS, { text: 'Create organization', href: '#/organizations/new' }],
  },
  {
    pattern: '/organizations/:id',
    help: 'organization',
    load: OrganizationDetailPage.preload,
    render: (p) => <OrganizationDetailPage id={Number(p.id)} />,
    crumbs: (p) => [ORGS, { text: `Organization ${p.id}`, href: `#/organizations/${p.id}` }],
  },
  {
    pattern: '/organizations/:id/edit',
    help: 'organizationForm',
    load: OrganizationFormPage.preload,
    render: (p) => <OrganizationFormPage id={Number(p.id)} />,
    crumbs: (p) => [
      ORGS,
      { text: `Organization ${p.id}`, href: `#/organizations/${p.id}` },
      { text: 'Edit', href: `#/organizations/${p.id}/edit` },
    ],
  },
  {
    pattern: '/organizations/:orgId/projects/new',
    help: 'projectForm',
    load: ProjectFormPage.preload,
    render: (p) => <ProjectFormPage orgId={Number(p.orgId)} />,
    crumbs: (p) => [
      ORGS,
      { text: `Organization ${p.orgId}`, href: `#/organizations/${p.orgId}` },
      { text: 'Add project', href: `#/organizations/${p.orgId}/projects/new` },
    ],
  },
  {
    pattern: '/projects/:id/edit',
    help: 'projectForm',
    load: ProjectFormPage.preload,
    render: (p) => <ProjectFormPage id={Number(p.id)} />,
    crumbs: (p) => [ORGS, { text: `Project ${p.id}`, href: `#/projects/${p.id}/edit` }],
  },
  {
    pattern: '/jobs',
    help: 'jobs',
    load: JobsPage.preload,
    render: () => <JobsPage />,
    crumbs: () => [{ text: 'Jobs', href: '#/jobs' }],
  },
  {
    pattern: '/backups',
    help: 'backups',
    load: BackupsPage.preload,
    render: () => <BackupsPage />,
    crumbs: () => [{ text: 'Policy backups', href: '#/backups' }],
  },
  {
    pattern: '/audit',
    help: 'audit',
    load: AuditPage.preload,
    render: () => <AuditPage />,
    crumbs: () => [{ text: 'Audit log', href: '#/audit' }],
  },
  {
    pattern: '/settings',
    help: 'settings',
    load: SettingsPage.preload,
    render: () => <SettingsPage />,
    crumbs: () => [{ text: 'Settings', href: '#/settings' }],
  },
];

export function resolveRoute(
  path: string,
): { route: Route; params: Record<string, string> } | null {
  for (const route of ROUTES) {
    const params = matchRoute(route.pattern, path);
    if (params) return { route, params };
  }
  return null;
}

/**
 * Fetch the code of the page at `path`, so it arrives alongside the first data; resolves when it
 * is here (or could not come: the page then tries again when shown).
 */
export function preloadRoute(path: string): Promise<void> {
  const resolved = resolveRoute(path.split('?')[0]!);
  return resolved
    ? resolved.route.load().then(
        () => undefined,
        () => undefined,
      )
    : Promise.resolve();
}
