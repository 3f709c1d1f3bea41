import AppLayout from '@cloudscape-design/components/app-layout';
import Box from '@cloudscape-design/components/box';
import BreadcrumbGroup from '@cloudscape-design/components/breadcrumb-group';
import Flashbar from '@cloudscape-design/components/flashbar';
import SideNavigation from '@cloudscape-design/components/side-navigation';
import Spinner from '@cloudscape-design/components/spinner';
import TopNavigation from '@cloudscape-design/components/top-navigation';
import Alert from '@cloudscape-design/components/alert';
import { useAppStore } from '../features/app/store';
import { useConnectionsStore } from '../features/connections/store';
import { ConnectionDetailPage } from '../features/connections/ConnectionDetailPage';
import { ConnectionFormPage } from '../features/connections/ConnectionFormPage';
import { ConnectionsPage } from '../features/connections/ConnectionsPage';
import { JobsPage } from '../features/jobs/JobsPage';
import { MigrationPage } from '../features/migration/MigrationPage';
import { OrganizationDetailPage } from '../features/organizations/OrganizationDetailPage';
import { OrganizationFormPage } from '../features/organizations/OrganizationFormPage';
import { OrganizationsPage } from '../features/organizations/OrganizationsPage';
import { ProjectFormPage } from '../features/projects/ProjectFormPage';
import { SettingsPage } from '../features/settings/SettingsPage';
import { SetupWizardPage } from '../features/setup/SetupWizardPage';
import { timeLabel } from '../features/common/time';
import { matchRoute, useRouter } from './router';
import { useEffect, useRef, useState, type ReactNode } from 'react';

interface Route {
  pattern: string;
  render(params: Record<string, string>): ReactNode;
  crumbs(
    params: Record<string, string>,
    names: (id: string) => string,
  ): { text: string; href: string }[];
}

const CONNECTIONS = { text: 'Connections', href: '#/connections' };
const ORGS = { text: 'Organizations & projects', href: '#/organizations' };

const ROUTES: Route[] = [
  { pattern: '/connections', render: () => <ConnectionsPage />, crumbs: () => [CONNECTIONS] },
  {
    pattern: '/connections/new',
    render: () => <SetupWizardPage />,
    crumbs: () => [CONNECTIONS, { text: 'Connect to S3', href: '#/connections/new' }],
  },
  {
    pattern: '/connections/new/form',
    render: () => <ConnectionFormPage />,
    crumbs: () => [CONNECTIONS, { text: 'Create connection', href: '#/connections/new/form' }],
  },
  {
    pattern: '/connections/:id',
    render: (p) => <ConnectionDetailPage id={p.id!} />,
    crumbs: (p, names) => [CONNECTIONS, { text: names(p.id!), href: `#/connections/${p.id}` }],
  },
  {
    pattern: '/connections/:id/edit',
    render: (p) => <ConnectionFormPage id={p.id!} />,
    crumbs: (p, names) => [
      CONNECTIONS,
      { text: names(p.id!), href: `#/connections/${p.id}` },
      { text: 'Edit', href: `#/connections/${p.id}/edit` },
    ],
  },
  {
    pattern: '/connections/:id/migrate',
    render: (p) => <MigrationPage connectionId={p.id!} />,
    crumbs: (p, names) => [
      CONNECTIONS,
      { text: names(p.id!), href: `#/connections/${p.id}` },
      { text: 'Move to KMS and a role', href: `#/connections/${p.id}/migrate` },
    ],
  },
  { pattern: '/organizations', render: () => <OrganizationsPage />, crumbs: () => [ORGS] },
  {
    pattern: '/organizations/new',
    render: () => <OrganizationFormPage />,
    crumbs: () => [ORGS, { text: 'Create organization', href: '#/organizations/new' }],
  },
  {
    pattern: '/organizations/:id',
    render: (p) => <OrganizationDetailPage id={Number(p.id)} />,
    crumbs: (p) => [ORGS, { text: `Organization ${p.id}`, href: `#/organizations/${p.id}` }],
  },
  {
    pattern: '/organizations/:id/edit',
    render: (p) => <OrganizationFormPage id={Number(p.id)} />,
    crumbs: (p) => [
      ORGS,
      { text: `Organization ${p.id}`, href: `#/organizations/${p.id}` },
      { text: 'Edit', href: `#/organizations/${p.id}/edit` },
    ],
  },
  {
    pattern: '/organizations/:orgId/projects/new',
    render: (p) => <ProjectFormPage orgId={Number(p.orgId)} />,
    crumbs: (p) => [
      ORGS,
      { text: `Organization ${p.orgId}`, href: `#/organizations/${p.orgId}` },
      { text: 'Add project', href: `#/organizations/${p.orgId}/projects/new` },
    ],
  },
  {
    pattern: '/projects/:id/edit',
    render: (p) => <ProjectFormPage id={Number(p.id)} />,
    crumbs: (p) => [ORGS, { text: `Project ${p.id}`, href: `#/projects/${p.id}/edit` }],
  },
  {
    pattern: '/jobs',
    render: () => <JobsPage />,
    crumbs: () => [{ text: 'Jobs', href: '#/jobs' }],
  },
  {
    pattern: '/settings',
    render: () => <SettingsPage />,
    crumbs: () => [{ text: 'Settings', href: '#/settings' }],
  },
];

const HIDDEN = {
  position: 'absolute',
  left: -10_000,
  width: 1,
  height: 1,
  overflow: 'hidden',
} as const;
const SHOWN = {
  position: 'fixed',
  left: 8,
  top: 8,
  zIndex: 2000,
  padding: '8px 16px',
  background: '#fff',
  color: '#0972d3',
  borderRadius: 8,
  boxShadow: '0 2px 8px rgba(0,0,0,0.3)',
} as const;

/** The first stop of Tab: past the navigation to the page's heading. */
function SkipLink() {
  const [focused, setFocused] = useState(false);
  return (
    <a
      href="#main-content"
      style={focused ? SHOWN : HIDDEN}
      onFocus={() => setFocused(true)}
      onBlur={() => setFocused(false)}
      onClick={(e) => {
        // Not a hash change: the hash is the route.
        e.preventDefault();
        const main = document.getElementById('main-content');
        const target = main?.querySelector<HTMLElement>('h1') ?? main;
        if (!target) return;
        target.tabIndex = -1;
        target.focus();
      }}
    >
      Skip to main content
    </a>
  );
}

/** Data kept on screen while Ferry is unreachable: visibly not live. */
const STALE = { opacity: 0.55, filter: 'grayscale(0.7)' } as const;

function resolveRoute(path: string): { route: Route; params: Record<string, string> } | null {
  for (const route of ROUTES) {
    const params = matchRoute(route.pattern, path);
    if (params) return { route, params };
  }
  return null;
}

/** The console shell: top bar, side navigation, breadcrumbs, flash messages, the routed page. */
export function App() {
  const { state, error, info, flashes, dismiss, link, seenAt, leavePage } = useAppStore();
  const stale = link === 'down' && state === 'ready';
  const { path, navigate } = useRouter();
  const [navigationOpen, setNavigationOpen] = useState(true);
  const connections = useConnectionsStore((s) => s.items);
  const connectionName = (id: string) => connections.find((c) => c.id === id)?.name ?? id;
  const section = '/' + (path.split('/')[1] ?? '');
  const resolved = resolveRoute(path.split('?')[0]!);
  const crumbs =
    resolved && state === 'ready' ? resolved.route.crumbs(resolved.params, connectionName) : [];
  const pageTitle = crumbs.at(-1)?.text;
  const mainRef = useRef<HTMLDivElement>(null);
  // One title per page ("Jobs — Ferry"), and after a move the page's heading has the focus, so
  // a screen reader starts there and Tab goes on from it.
  useEffect(() => {
    document.title = pageTitle ? `${pageTitle} — Ferry` : 'Ferry';
  }, [pageTitle]);
  useEffect(() => {
    if (state !== 'ready') return;
    const frame = requestAnimationFrame(() => {
      const heading = mainRef.current?.querySelector<HTMLElement>('h1');
      // Never take the focus from a field the admin is already in.
      if (!heading || mainRef.current?.contains(document.activeElement)) return;
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    });
    return () => cancelAnimationFrame(frame);
  }, [path, state]);

  const followHref = (event: CustomEvent<{ href: string; external?: boolean }>) => {
    if (event.detail.external) return;
    event.preventDefault();
    leavePage();
    navigate(event.detail.href.replace(/^#/, ''));
  };

  let content: ReactNode;
  if (state === 'loading') {
    content = (
      <Box textAlign="center" padding="xxxl">
        <Spinner size="large" /> <Box variant="p">Opening Ferry…</Box>
      </Box>
    );
  } else if (state === 'needs-token') {
    content = (
      <Alert type="warning" header="This console needs its access link" data-testid="needs-token">
        Open the full URL that <code>ferry serve</code> printed when it started — it ends with{' '}
        <code>?token=…</code>. The token keeps other web pages and users on this machine out.
      </Alert>
    );
  } else if (state === 'error') {
    content = (
      <Alert type="error" header="Ferry could not load">
        {error}
      </Alert>
    );
  } else {
    content = resolved ? (
      resolved.route.render(resolved.params)
    ) : (
      <Alert type="info" header="Page not found">
        There is nothing at this address. Choose a page on the left.
      </Alert>
    );
  }

  return (
    <>
      <SkipLink />
      <div id="top-nav" style={{ position: 'sticky', top: 0, zIndex: 1002 }}>
        <TopNavigation
          identity={{
            href: '#/connections',
            title: 'Ferry',
            logo: { src: '/favicon.svg', alt: 'Ferry' },
            onFollow: (e) => {
              e.preventDefault();
              leavePage();
              navigate('/connections');
            },
          }}
          utilities={
            info
              ? [
                  {
                    type: 'button',
                    text: info.transport === 'http' ? 'Headless console' : 'Desktop',
                    iconName: info.transport === 'http' ? 'globe' : 'settings',
                    href: '#/settings',
                    onClick: (e) => {
                      e.preventDefault();
                      navigate('/settings');
                    },
                  },
                ]
              : []
          }
        />
      </div>
      <AppLayout
        headerSelector="#top-nav"
        toolsHide
        navigationOpen={navigationOpen}
        onNavigationChange={(e) => setNavigationOpen(e.detail.open)}
        navigation={
          <SideNavigation
            header={{ text: 'Ferry', href: '#/connections' }}
            activeHref={`#${section}`}
            onFollow={followHref}
            items={[
              { type: 'link', text: 'Connections', href: '#/connections' },
              { type: 'link', text: 'Jobs', href: '#/jobs' },
              { type: 'link', text: 'Organizations & projects', href: '#/organizations' },
              { type: 'divider' },
              { type: 'link', text: 'Settings', href: '#/settings' },
              ...(info
                ? [{ type: 'link' as const, text: `Version ${info.version}`, href: '#/settings' }]
                : []),
            ]}
          />
        }
        breadcrumbs={
          crumbs.length > 0 ? (
            <BreadcrumbGroup
              items={[{ text: 'Ferry', href: '#/connections' }, ...crumbs]}
              onFollow={followHref}
            />
          ) : undefined
        }
        notifications={
          <Flashbar
            items={[
              ...(stale
                ? [
                    {
                      id: 'disconnected',
                      type: 'warning' as const,
                      header: 'Disconnected from Ferry — retrying…',
                      content: (
                        <span data-testid="disconnected-banner">
                          What you see is as of {seenAt ? timeLabel(seenAt) : 'the last answer'} and
                          may be out of date. The console reconnects by itself when Ferry is back.
                        </span>
                      ),
                    },
                  ]
                : []),
              ...flashes.map((f) => ({
                id: f.id,
                type: f.type,
                content: f.content,
                dismissible: true,
                dismissLabel: 'Dismiss',
                onDismiss: () => dismiss(f.id),
              })),
            ]}
          />
        }
        content={
          // One wrapper either way: toggling it must not remount the page (and lose a form).
          <div
            ref={mainRef}
            id="main-content"
            data-testid={stale ? 'stale-content' : undefined}
            aria-busy={stale}
            style={stale ? STALE : undefined}
          >
            {content}
          </div>
        }
      />
    </>
  );
}
