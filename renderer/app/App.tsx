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
import { timeLabel } from '../features/common/time';
import { HelpContent } from '../features/help/topics';
import { useHelpStore } from '../features/help/store';
import { JobDetailPanel } from '../features/jobs/JobDetailPanel';
import { useJobsStore } from '../features/jobs/store';
import { preloadPages, resolveRoute } from './routes';
import { useRouter } from './router';
import { SkipLink } from './SkipLink';
import { Suspense, useEffect, useRef, useState, type ReactNode } from 'react';

/** Data kept on screen while Ferry is unreachable: visibly not live. */
const STALE = { opacity: 0.55, filter: 'grayscale(0.7)' } as const;

/** The console shell: top bar, side navigation, breadcrumbs, flash messages, the routed page. */
export function App() {
  const { state, error, info, flashes, dismiss, link, seenAt, leavePage } = useAppStore();
  const stale = link === 'down' && state === 'ready';
  const { path, navigate } = useRouter();
  // Narrow windows (a laptop at 1024 px) start with the navigation folded, so tables fit.
  const [navigationOpen, setNavigationOpen] = useState(() => window.innerWidth >= 1280);
  const { open: helpOpen, setOpen: setHelpOpen } = useHelpStore();
  const { selected: selectedJob, select: selectJob } = useJobsStore();
  // A job's details belong to the page that listed it.
  useEffect(() => selectJob(null), [path, selectJob]);
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
    // After the first page: every other page, so it opens even while Ferry is unreachable.
    // `data-pages` on #root says when they are all here (tests wait on it).
    void preloadPages().then(
      () => document.getElementById('root')?.setAttribute('data-pages', 'loaded'),
      () => undefined,
    );
  }, [state]);
  useEffect(() => {
    const main = mainRef.current;
    if (state !== 'ready' || !main) return;
    const focusHeading = (): boolean => {
      // The new page's heading: a page still loading keeps the old one in the DOM, hidden.
      const heading = [...main.querySelectorAll<HTMLElement>('h1')].find((h) =>
        h.checkVisibility(),
      );
      if (!heading) return false;
      // Never take the focus from a field the admin is already in.
      if (main.contains(document.activeElement)) return true;
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
      return document.activeElement === heading;
    };
    // A page loads its code first (its own chunk): wait for its heading to appear.
    const observer = new MutationObserver(() => focusHeading() && observer.disconnect());
    const frame = requestAnimationFrame(() => {
      if (!focusHeading()) observer.observe(main, { childList: true, subtree: true });
    });
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
    };
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
      <Suspense
        fallback={
          <Box textAlign="center" padding="xxl">
            <Spinner size="large" />
          </Box>
        }
      >
        {resolved.route.render(resolved.params)}
      </Suspense>
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
        toolsHide={!resolved || state !== 'ready'}
        tools={resolved ? <HelpContent topic={resolved.route.help} /> : undefined}
        toolsOpen={helpOpen}
        splitPanel={selectedJob ? <JobDetailPanel /> : undefined}
        splitPanelOpen={!!selectedJob}
        onSplitPanelToggle={(e) => !e.detail.open && selectJob(null)}
        splitPanelPreferences={{ position: 'bottom' }}
        onToolsChange={(e) => setHelpOpen(e.detail.open)}
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
              { type: 'link', text: 'Policy backups', href: '#/backups' },
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
