import { LOGO_URL } from './logo';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Flashbar, { type FlashbarProps } from '@cloudscape-design/components/flashbar';
import Header from '@cloudscape-design/components/header';
import SideNavigation, {
  type SideNavigationProps,
} from '@cloudscape-design/components/side-navigation';
import Spinner from '@cloudscape-design/components/spinner';
import TopNavigation from '@cloudscape-design/components/top-navigation';
import { Suspense } from 'react';
import type { Health } from '../../shared/health';
import type { AppInfo } from '../../shared/api/contract';
import type { AppState, Flash } from '../features/app/store';
import { formatTime } from '../features/common/time';
import { NotFound } from '../components/NotFound';
import type { resolveRoute } from './routes';

/** The routed page, or what stands in its place while Ferry loads or can not be opened. */
export function PageContent({
  state,
  error,
  resolved,
}: {
  state: AppState['state'];
  error: string | null;
  resolved: ReturnType<typeof resolveRoute>;
}) {
  if (state === 'loading')
    return (
      <Box textAlign="center" padding="xxxl">
        <Spinner size="large" /> <Box variant="p">Opening Ferry…</Box>
      </Box>
    );
  if (state === 'needs-token')
    return (
      <Box padding="l" data-testid="needs-token">
        <Header variant="h1">This console needs its access link</Header>
        <Box variant="p">
          Open the full URL that <code>ferry serve</code> printed when it started — it ends with{' '}
          <code>?token=…</code>. The token keeps other web pages and users on this machine out.
        </Box>
      </Box>
    );
  if (state === 'error')
    return (
      <Alert type="error" header="Ferry could not load">
        {error}
      </Alert>
    );
  if (!resolved)
    return (
      <NotFound title="Page not found">
        There is nothing at this address. Choose a page on the left.
      </NotFound>
    );
  return (
    <Suspense
      fallback={
        <Box textAlign="center" padding="xxl">
          <Spinner size="large" />
        </Box>
      }
    >
      {resolved.route.render(resolved.params)}
    </Suspense>
  );
}

/** The top bar: Ferry's name (home) and which console this is (desktop or headless). */
export function ConsoleTopBar({
  info,
  health,
  onHome,
  onSettings,
  onFailing,
}: {
  info: AppInfo | null;
  /** Shown as a badge while a connection is failing: the same words as the tray's. */
  health: Health | null;
  onHome(): void;
  onSettings(): void;
  /** The badge leads to the connections that fail. */
  onFailing(): void;
}) {
  return (
    <TopNavigation
      identity={{
        href: '#/connections',
        title: 'Ferry',
        // The title beside it already says Ferry: the picture says what it is, not the name again
        // (Cloudscape gives it role="img", so it can not be left without a name).
        logo: { src: LOGO_URL, alt: 'Logo' },
        onFollow: (e) => {
          e.preventDefault();
          onHome();
        },
      }}
      utilities={
        info
          ? [
              ...(health?.level === 'failing'
                ? [
                    {
                      type: 'button' as const,
                      text: health.headline,
                      iconName: 'status-negative' as const,
                      href: '#/connections?state=failing',
                      ariaLabel: `${health.headline}: show ${health.failing.length === 1 ? 'it' : 'them'}`,
                      onClick: (e: CustomEvent) => {
                        e.preventDefault();
                        onFailing();
                      },
                    },
                  ]
                : []),
              {
                type: 'button',
                text: info.transport === 'http' ? 'Headless console' : 'Desktop',
                iconName: info.transport === 'http' ? 'globe' : 'settings',
                href: '#/settings',
                onClick: (e) => {
                  e.preventDefault();
                  onSettings();
                },
              },
            ]
          : []
      }
    />
  );
}

/** The side navigation, with the current section marked. */
export function ConsoleNavigation({
  section,
  info,
  onFollow,
}: {
  section: string;
  info: AppInfo | null;
  onFollow: SideNavigationProps['onFollow'];
}) {
  return (
    <SideNavigation
      header={{ text: 'Ferry', href: '#/connections' }}
      activeHref={`#${section}`}
      onFollow={onFollow}
      items={[
        { type: 'link', text: 'Connections', href: '#/connections' },
        { type: 'link', text: 'Jobs', href: '#/jobs' },
        { type: 'link', text: 'Organizations & projects', href: '#/organizations' },
        { type: 'link', text: 'Policy backups', href: '#/backups' },
        // Team mode: several people change the same exports, and the log says who did what.
        ...(info?.database ? [{ type: 'link' as const, text: 'Audit log', href: '#/audit' }] : []),
        { type: 'divider' },
        { type: 'link', text: 'Settings', href: '#/settings' },
        ...(info
          ? // Its own address (the same page), so only Settings is marked as where the admin is.
            [{ type: 'link' as const, text: `Version ${info.version}`, href: '#/settings?about' }]
          : []),
      ]}
    />
  );
}

/** Flash messages, led by the "disconnected" banner while Ferry can not be reached. */
export function Notifications({
  stale,
  seenAt,
  flashes,
  dismiss,
}: {
  stale: boolean;
  seenAt: AppState['seenAt'];
  flashes: Flash[];
  dismiss(id: string): void;
}) {
  const lost: FlashbarProps.MessageDefinition[] = [
    ...(stale
      ? [
          {
            id: 'disconnected',
            type: 'warning' as const,
            header: 'Disconnected from Ferry — retrying…',
            content: (
              <span data-testid="disconnected-banner">
                What you see is as of {seenAt ? formatTime(seenAt) : 'the last answer'} and may be
                out of date. The console reconnects by itself when Ferry is back.
              </span>
            ),
          },
        ]
      : []),
  ];
  const messages: FlashbarProps.MessageDefinition[] = flashes.map((f) => ({
    id: f.id,
    type: f.type,
    content: f.content,
    action: f.action ? <Button href={f.action.href}>{f.action.text}</Button> : undefined,
    dismissible: true,
    dismissLabel: 'Dismiss',
    onDismiss: () => dismiss(f.id),
  }));
  // Three messages or more fold into one stack with their counts by type (as the AWS console
  // does): the page stays in view, "Disconnected" or else the newest message on top, the rest one
  // click away.
  const stack = lost.length + messages.length > 2;
  return (
    <Flashbar
      items={[...lost, ...(stack ? [...messages].reverse() : messages)]}
      stackItems={stack}
    />
  );
}
