import AppLayout from '@cloudscape-design/components/app-layout';
import BreadcrumbGroup from '@cloudscape-design/components/breadcrumb-group';
import { useAppStore } from '../features/app/store';
import { useConnectionsStore } from '../features/connections/store';
import { HelpContent } from '../features/help/topics';
import { useHelpStore } from '../features/help/store';
import { JobDetailPanel } from '../features/jobs/JobDetailPanel';
import { useJobFromAddress, withoutJob } from '../features/jobs/job-address';
import { useJobsStore } from '../features/jobs/store';
import { useMigrationStore } from '../features/migration/store';
import { useHealth } from '../features/schedule/use-health';
import { useTimeZone } from '../features/common/time';
import { useFocusHeadingOnMove, usePageTitle, usePreloadPages } from './page-effects';
import { resolveRoute } from './routes';
import { useRouter } from './router';
import { ConsoleNavigation, ConsoleTopBar, Notifications, PageContent } from './shell';
import { SkipLink } from './SkipLink';
import { useRef, useState } from 'react';

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
  // The job in the split panel is the one the address names (?job=…): a new page names none.
  const selectedJob = useJobsStore((s) => s.selected);
  useJobFromAddress();
  const connections = useConnectionsStore((s) => s.items);
  // A connection a migration deleted keeps its name in the breadcrumbs (not its id).
  const migrations = useMigrationStore((s) => s.items);
  const connectionName = (id: string) =>
    connections.find((c) => c.id === id)?.name ??
    migrations.find((m) => m.oldConnectionId === id)?.oldConnectionName ??
    id;
  const route = path.split('?')[0]!;
  const section = '/' + (route.split('/')[1] ?? '');
  const resolved = resolveRoute(route);
  const crumbs =
    resolved && state === 'ready' ? resolved.route.crumbs(resolved.params, connectionName) : [];
  const pageTitle = crumbs.at(-1)?.text;
  const mainRef = useRef<HTMLDivElement>(null);
  const health = useHealth();
  // Every time shown follows the zone chosen in Settings: a change redraws the console.
  useTimeZone((s) => s.zone);
  usePageTitle(pageTitle, health);
  usePreloadPages(state);
  // A new page, not a new query (a filter, a job's details): the heading takes the focus.
  useFocusHeadingOnMove(mainRef, route, state);

  const followHref = (event: CustomEvent<{ href: string; external?: boolean }>) => {
    if (event.detail.external) return;
    event.preventDefault();
    leavePage();
    navigate(event.detail.href.replace(/^#/, ''));
  };

  return (
    <>
      <SkipLink openNavigation={() => setNavigationOpen(true)} />
      <div id="top-nav" style={{ position: 'sticky', top: 0, zIndex: 1002 }}>
        <ConsoleTopBar
          info={info}
          health={state === 'ready' ? health : null}
          onFailing={() => {
            leavePage();
            navigate('/connections?state=failing');
          }}
          onHome={() => {
            leavePage();
            navigate('/connections');
          }}
          onSettings={() => navigate('/settings')}
        />
      </div>
      <AppLayout
        headerSelector="#top-nav"
        toolsHide={!resolved || state !== 'ready'}
        tools={resolved ? <HelpContent topic={resolved.route.help} /> : undefined}
        toolsOpen={helpOpen}
        splitPanel={selectedJob ? <JobDetailPanel /> : undefined}
        splitPanelOpen={!!selectedJob}
        onSplitPanelToggle={(e) => !e.detail.open && navigate(withoutJob(path))}
        splitPanelPreferences={{ position: 'bottom' }}
        onToolsChange={(e) => setHelpOpen(e.detail.open)}
        navigationOpen={navigationOpen}
        onNavigationChange={(e) => setNavigationOpen(e.detail.open)}
        navigation={<ConsoleNavigation section={section} info={info} onFollow={followHref} />}
        breadcrumbs={
          crumbs.length > 0 ? (
            <BreadcrumbGroup
              ariaLabel="Breadcrumbs"
              items={[{ text: 'Ferry', href: '#/connections' }, ...crumbs]}
              onFollow={followHref}
            />
          ) : undefined
        }
        // Messages stay in view wherever the page is scrolled (an action at its foot says how it went).
        stickyNotifications
        notifications={
          <Notifications stale={stale} seenAt={seenAt} flashes={flashes} dismiss={dismiss} />
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
            <PageContent state={state} error={error} resolved={resolved} />
          </div>
        }
      />
    </>
  );
}
