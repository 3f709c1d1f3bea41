import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readUpdateFeed, UPDATE_FEED_FILE, type UpdateState } from './update-feed';

/**
 * The app's updates through electron-updater, from the feed fixed at build (update-feed.ts).
 *
 * Checked at start (after a minute) and every six hours while "Check for updates
 * automatically" is on, or when the admin picks "Check for updates…". A new version is
 * downloaded and verified by electron-updater — its SHA-512 against the feed's latest*.yml, and
 * the code signature on macOS (Squirrel) and on Windows (the publisher of the running app) —
 * then offered as "Restart to update"; nothing is installed without that click, since a restart
 * stops running exports (they are cancelled cleanly and run again).
 */
export interface Updater {
  state(): UpdateState;
  /** Check now; resolves with the state the check ended in. */
  check(): Promise<UpdateState>;
  /** Restart into the downloaded version (only in state `ready`). */
  install(): void;
  /** Turn the periodic check on or off. */
  setAuto(on: boolean): void;
  close(): void;
}

export interface UpdaterHost {
  resourcesPath: string;
  isPackaged: boolean;
  auto: boolean;
  /** The state changed: redraw the tray. */
  changed(state: UpdateState): void;
  /** A new version is ready to install. */
  ready(version: string): void;
  log(error: unknown): void;
}

const FIRST_CHECK_MS = 60_000;
const CHECK_EVERY_MS = 6 * 60 * 60_000;

/** The part of electron-updater's AppUpdater Ferry uses. */
interface AutoUpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  allowDowngrade: boolean;
  allowPrerelease: boolean;
  logger: { info(m: unknown): void; warn(m: unknown): void; error(m: unknown): void } | null;
  on(event: string, listener: (arg: unknown) => void): unknown;
  checkForUpdates(): Promise<unknown>;
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean): void;
}

export async function createUpdater(
  host: UpdaterHost,
  load: () => Promise<AutoUpdaterLike> = loadAutoUpdater,
): Promise<Updater> {
  const text = await readFile(join(host.resourcesPath, UPDATE_FEED_FILE), 'utf8').catch(() => null);
  const feed = readUpdateFeed(text, host.isPackaged);
  let state: UpdateState = feed.ok ? { kind: 'idle' } : { kind: 'off', reason: feed.reason };
  if (!feed.ok)
    return {
      state: () => state,
      check: async () => state,
      install: () => undefined,
      setAuto: () => undefined,
      close: () => undefined,
    };

  const updater = await load();
  updater.autoDownload = true;
  // Installing needs the engine stopped first: only "Restart to update" installs (see above).
  updater.autoInstallOnAppQuit = false;
  updater.allowDowngrade = false;
  updater.allowPrerelease = false;
  updater.logger = { info: () => undefined, warn: host.log, error: host.log };
  const set = (next: UpdateState) => {
    state = next;
    host.changed(state);
  };
  const version = (info: unknown) => String((info as { version?: unknown })?.version ?? '');
  updater.on('checking-for-update', () => set({ kind: 'checking' }));
  updater.on('update-not-available', (info: unknown) =>
    set({ kind: 'current', version: version(info) }),
  );
  updater.on('update-available', (info: unknown) =>
    set({ kind: 'downloading', version: version(info), percent: 0 }),
  );
  updater.on('download-progress', (progress: unknown) => {
    if (state.kind === 'downloading')
      set({ ...state, percent: Number((progress as { percent?: number }).percent ?? 0) });
  });
  updater.on('update-downloaded', (info: unknown) => {
    set({ kind: 'ready', version: version(info) });
    host.ready(version(info));
  });
  updater.on('error', (error: unknown) => {
    host.log(error);
    if (state.kind !== 'ready')
      set({ kind: 'failed', message: (error as Error)?.message ?? String(error) });
  });

  let checking: Promise<UpdateState> | null = null;
  const check = (): Promise<UpdateState> => {
    if (state.kind === 'ready') return Promise.resolve(state);
    checking ??= updater
      .checkForUpdates()
      .catch(() => undefined) // said through the 'error' event
      .then(() => state)
      .finally(() => (checking = null));
    return checking;
  };
  let timers: NodeJS.Timeout[] = [];
  const setAuto = (on: boolean) => {
    for (const timer of timers) clearTimeout(timer);
    timers = [];
    if (!on) return;
    timers = [
      setTimeout(() => void check(), FIRST_CHECK_MS).unref(),
      setInterval(() => void check(), CHECK_EVERY_MS).unref(),
    ];
  };
  setAuto(host.auto);
  return {
    state: () => state,
    check,
    install: () => {
      if (state.kind === 'ready') updater.quitAndInstall(false, true);
    },
    setAuto,
    close: () => setAuto(false),
  };
}

async function loadAutoUpdater(): Promise<AutoUpdaterLike> {
  // Loaded only in a packaged build with a feed: electron-updater reads Electron at load.
  const module = await import('electron-updater');
  return (module.default ?? module).autoUpdater as unknown as AutoUpdaterLike;
}
