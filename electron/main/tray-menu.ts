import type { ConnectionStatus } from '../../shared/model/schedule';
import { summarizeHealth } from '../../shared/health';

/**
 * What the tray says and offers, as plain data: the tray icon in electron/main/index.ts only
 * draws it. Its headline is summarizeHealth's (shared/health.ts), the one the console's top bar
 * and `ferry status` show, so the tray never says "healthy" where the console says failing.
 */

export type TrayIcon = 'ok' | 'failing' | 'paused';

export interface TraySummary {
  icon: TrayIcon;
  /** One line: "All 3 connections healthy", "1 connection failing", "Paused". */
  headline: string;
  /** The tooltip: the headline under the product name. */
  tooltip: string;
  failing: { connectionId: string; name: string; reason: string | null }[];
}

export type TrayAction =
  | { kind: 'open' }
  | { kind: 'open-connection'; connectionId: string }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'open-at-login'; on: boolean }
  | { kind: 'install-cli' }
  | { kind: 'check-updates' }
  | { kind: 'install-update' }
  | { kind: 'updates-auto'; on: boolean }
  | { kind: 'quit' };

export interface TrayItem {
  label: string;
  type?: 'normal' | 'separator' | 'checkbox';
  checked?: boolean;
  enabled?: boolean;
  action?: TrayAction;
}

export function traySummary(
  statuses: ConnectionStatus[],
  names: Record<string, string>,
  paused: boolean,
): TraySummary {
  const { level, headline, failing } = summarizeHealth(statuses, names, paused);
  return { icon: level, headline, tooltip: `Ferry — ${headline}`, failing };
}

export interface TrayState {
  paused: boolean;
  openAtLogin: boolean;
  loginSupported: boolean;
  /** The `ferry` command is not on the PATH yet and Ferry can put it there (cli-install.ts). */
  offerCli: boolean;
  /** The update entries (update-feed.ts `updateItems`): none in a build without a feed. */
  updates?: TrayItem[];
}

/**
 * The tray menu: status, each failing connection (opens it), open, pause, start at login,
 * install the command, quit.
 */
export function trayMenu(summary: TraySummary, state: TrayState): TrayItem[] {
  const items: TrayItem[] = [{ label: summary.headline, enabled: false }];
  for (const f of summary.failing.slice(0, 5))
    items.push({
      // A name is text: its `&` is not a menu accelerator (Windows, Linux).
      label: `${f.name}: ${f.reason ?? 'failing'}`.slice(0, 80).replace(/&/g, '&&'),
      action: { kind: 'open-connection', connectionId: f.connectionId },
    });
  if (summary.failing.length > 5)
    items.push({ label: `… and ${summary.failing.length - 5} more`, action: { kind: 'open' } });
  items.push(
    { label: '', type: 'separator' },
    { label: 'Open Ferry', action: { kind: 'open' } },
    state.paused
      ? { label: 'Resume hourly exports', action: { kind: 'resume' } }
      : { label: 'Pause hourly exports', action: { kind: 'pause' } },
  );
  if (state.loginSupported)
    items.push({
      label: 'Start Ferry at login',
      type: 'checkbox',
      checked: state.openAtLogin,
      action: { kind: 'open-at-login', on: !state.openAtLogin },
    });
  if (state.offerCli)
    items.push({ label: 'Install the ferry command…', action: { kind: 'install-cli' } });
  if (state.updates?.length) items.push({ label: '', type: 'separator' }, ...state.updates);
  items.push({ label: '', type: 'separator' }, { label: 'Quit Ferry', action: { kind: 'quit' } });
  return items;
}

/**
 * What the tray shows, as one string: the tray redraws only when it changes. Setting the same
 * menu again closes it while it is open (macOS), and status events come every minute.
 */
export function trayKey(summary: TraySummary, items: readonly TrayItem[]): string {
  return JSON.stringify([summary.icon, summary.tooltip, items]);
}

/**
 * The tray image for this OS: Windows draws from an .ico (every size it may need, so it is
 * sharp at any scale); Linux trays are 22–24 px and use the image as it is, so the 32 px one;
 * macOS takes the 16 px one and its @2x beside it by itself.
 */
export function trayIconFile(icon: TrayIcon, platform: NodeJS.Platform): string {
  if (platform === 'win32') return `${icon}.ico`;
  if (platform === 'linux') return `${icon}@2x.png`;
  return `${icon}.png`;
}
