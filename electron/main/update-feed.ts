import { load } from 'js-yaml';
import type { TrayItem } from './tray-menu';

/**
 * Updates of the desktop app, as decisions free of Electron: where they come from, and what the
 * tray offers in each state. electron-updater does the work (electron/main/updates.ts).
 *
 * The feed is fixed at build time (scripts/dist.mjs): a generic HTTPS URL the admin's
 * organisation controls (a web server, or an S3 bucket's https address) or GitHub releases.
 * electron-builder writes it into the package as `resources/app-update.yml`; a build without
 * a feed has none, and then the app offers no updates and says why.
 */
export type UpdateFeed =
  | { ok: true; provider: 'generic'; url: string }
  | { ok: true; provider: 'github'; owner: string; repo: string }
  | { ok: false; reason: string };

export const UPDATE_FEED_FILE = 'app-update.yml';

/** The feed from app-update.yml's text (null: no such file). Refuses what it can not trust. */
export function readUpdateFeed(text: string | null, isPackaged: boolean): UpdateFeed {
  if (!isPackaged) return { ok: false, reason: 'Ferry runs from its sources: no updates.' };
  if (text === null)
    return { ok: false, reason: 'This build has no update feed (built without FERRY_UPDATE_URL).' };
  let doc: unknown;
  try {
    doc = load(text);
  } catch {
    return { ok: false, reason: `${UPDATE_FEED_FILE} is not readable YAML: updates are off.` };
  }
  const feed = (doc ?? {}) as Record<string, unknown>;
  if (feed.provider === 'generic' && typeof feed.url === 'string') {
    const problem = feedUrlProblem(feed.url);
    return problem
      ? { ok: false, reason: problem }
      : { ok: true, provider: 'generic', url: feed.url };
  }
  if (feed.provider === 'github' && typeof feed.owner === 'string' && typeof feed.repo === 'string')
    return { ok: true, provider: 'github', owner: feed.owner, repo: feed.repo };
  return {
    ok: false,
    reason: `${UPDATE_FEED_FILE} names no feed Ferry uses (a generic https URL or GitHub): updates are off.`,
  };
}

/**
 * Why an update feed URL can not be used, or null. Only https: an update is code the app runs,
 * and over http anyone on the network could offer one (the checksum comes from the same feed).
 */
export function feedUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `The update feed "${url}" is not a URL.`;
  }
  if (parsed.protocol !== 'https:')
    return `The update feed must be https (an update is code Ferry runs): ${parsed.protocol}// was refused.`;
  if (parsed.username || parsed.password)
    return 'The update feed URL must not carry a user name or password.';
  return null;
}

/** Where an update is, as the tray shows it. */
export type UpdateState =
  | { kind: 'off'; reason: string }
  | { kind: 'idle' }
  | { kind: 'checking' }
  | { kind: 'current'; version: string }
  | { kind: 'downloading'; version: string; percent: number }
  | { kind: 'ready'; version: string }
  | { kind: 'failed'; message: string };

/**
 * The tray's update entries: check now (or what is going on), restart to update once one is
 * downloaded, and the setting to check by itself. None in a build without a feed.
 */
export function updateItems(state: UpdateState, auto: boolean): TrayItem[] {
  if (state.kind === 'off') return [];
  const items: TrayItem[] = [];
  if (state.kind === 'ready')
    items.push({
      label: `Restart to update to Ferry ${state.version}`,
      action: { kind: 'install-update' },
    });
  else if (state.kind === 'checking')
    items.push({ label: 'Checking for updates…', enabled: false });
  else if (state.kind === 'downloading')
    items.push({
      label: `Downloading Ferry ${state.version} (${Math.floor(state.percent)}%)…`,
      enabled: false,
    });
  else items.push({ label: 'Check for updates…', action: { kind: 'check-updates' } });
  items.push({
    label: 'Check for updates automatically',
    type: 'checkbox',
    checked: auto,
    action: { kind: 'updates-auto', on: !auto },
  });
  return items;
}

/**
 * What "Check for updates…" says once the check has ended. `redact` passes an upstream error
 * through the redaction gate (a feed's answer may echo a URL with a token).
 */
export function updateCheckMessage(
  state: UpdateState,
  currentVersion: string,
  redact: (text: string) => string,
): string {
  switch (state.kind) {
    case 'current':
      return `Ferry ${currentVersion} is the latest version.`;
    case 'downloading':
      return `Ferry ${state.version} is available and downloading. Ferry says when it is ready to install.`;
    case 'ready':
      return `Ferry ${state.version} is ready: pick "Restart to update" in the tray.`;
    case 'failed':
      return `Ferry could not check for updates: ${redact(state.message)}`;
    case 'off':
      return state.reason;
    default:
      return 'Ferry is checking for updates.';
  }
}
