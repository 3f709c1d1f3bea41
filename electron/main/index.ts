import {
  app,
  BrowserWindow,
  clipboard,
  dialog,
  Menu,
  Notification,
  powerMonitor,
  safeStorage,
  session,
} from 'electron';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DesktopNotification } from '../../shared/model/schedule';
import { FerryError } from '../../shared/api/errors';
import { createEngine, redactSecrets, timersFromEnv, type Engine } from '../engine';
import { startLocalApi, type LocalApi } from '../server/local-api';
import { Background } from './background';
import { registerIpc } from './ipc';
import { APP_URL, handleAppProtocol, registerAppScheme } from './protocol';
import { appMenuTemplate } from './app-menu';
import { appPaths } from './app-paths';
import { cliCommandNames, runProcessCli } from '../cli/process';
import { cliInstalled, cliInstallPlan, installCli } from './cli-install';
import { cliArguments } from './cli-mode';
import {
  DESKTOP_SETTINGS_FILE,
  readDesktopSettings,
  saveDesktopSettings,
} from './desktop-settings';
import { APP_ID } from './identity';
import { desktopPath } from './login-path';
import { retainUntilDone } from './notifications';
import { allowPermission } from './permissions';
import { desktopSecretCodec, keychainNotice, lazySecretCodec } from './secret-codec';
import { createTray } from './tray';
import type { TrayAction } from './tray-menu';
import { updateCheckMessage, updateItems } from './update-feed';
import { createUpdater, type Updater } from './updates';
import { createMainWindow } from './window';

// The desktop entry: wire the engine to one secure window. Everything else lives in the engine.

const rendererDir = fileURLToPath(new URL('../renderer/', import.meta.url));
const preloadPath = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));

let engine: Engine | null = null;
/** The command line's door, once start() opens it: a quit waits for one being opened. */
let localApi: Promise<LocalApi | null> = Promise.resolve(null);
/** How long quitting lets running exports finish before cancelling them. */
const QUIT_GRACE_MS = 10_000;

/** The app's log (stderr): through the redaction gate like every other exit. */
function logError(error: unknown): void {
  console.error(redactSecrets((error as Error)?.stack ?? String(error)));
}
let mainWindow: BrowserWindow | null = null;
/** Notifications on screen, held until clicked or closed (notifications.ts). */
const notifications = new Set<Notification>();
let tray: ReturnType<typeof createTray> | null = null;
/** Where the `ferry` command goes on this system (cli-install.ts), and whether it is there. */
const cliPlan = cliInstallPlan({
  platform: process.platform,
  isPackaged: app.isPackaged,
  resourcesPath: process.resourcesPath ?? '',
  execPath: process.execPath,
  home: homedir(),
  env: process.env,
});
let cliReady = true;
let updater: Updater | null = null;
/** "Check for updates automatically" (desktop.json `updates`, on unless set false). */
let autoUpdates = true;
const background = new Background(
  {
    exit: (code) => app.exit(code),
    setLoginItemSettings: (settings) => app.setLoginItemSettings(settings),
    getLoginItemSettings: () => app.getLoginItemSettings(),
  },
  () =>
    engine && {
      // The command line's door closes first: no new command arrives while exports stop.
      close: async (options: { graceMs: number }) => {
        await (await localApi)?.close().catch(logError);
        await engine?.close(options);
      },
    },
  {
    graceMs: QUIT_GRACE_MS,
    notifyStillRunning: () =>
      notify({
        title: 'Ferry keeps exporting',
        body: 'The window is closed; hourly exports go on. To see Ferry or quit it, use its tray icon — or start Ferry again where there is no tray.',
        connectionId: null,
      }),
    hideWindows: () => {
      for (const window of BrowserWindow.getAllWindows()) window.hide();
    },
    log: logError,
  },
);

// Started from Finder, the PATH lacks Homebrew: credential_process commands would not be found.
process.env.PATH = desktopPath(process.env.PATH, process.platform, homedir());

// Before anything reads them: the data folder is userData (the one-instance lock follows it),
// Chromium's files go apart from Ferry's (app-paths.ts).
const paths = appPaths(process.env, app.getPath('userData'));
app.setPath('userData', paths.userData);
app.setPath('sessionData', paths.sessionData);
// Which keyring Electron uses on Linux, as the admin set it (desktop-settings.ts).
const desktopSettings = readDesktopSettings(paths.dataDir);
if (desktopSettings.settings.passwordStore)
  app.commandLine.appendSwitch('password-store', desktopSettings.settings.passwordStore);

// Started as `ferry <command>` (cli-mode.ts): the command line, no window, no one-instance lock
// (a command meant for a running app reaches it through the local API, as from Node).
const cliArgs = cliArguments(process.argv, process.defaultApp === true, new Set(cliCommandNames()));

// Windows shows notifications only for the app id of the Start-menu shortcut the installer made.
if (process.platform === 'win32' && !cliArgs) app.setAppUserModelId(APP_ID);

if (cliArgs) {
  app.dock?.hide();
  // After ready: the OS keychain (safeStorage) answers only then, and the command reads the
  // secrets the app saved in it.
  app
    .whenReady()
    .then(() =>
      runProcessCli(cliArgs, (code) => app.exit(code), {
        secretCodec: lazySecretCodec(
          () => desktopSecretCodec(safeStorage, process.platform, process.env),
          process.env,
        ),
      }),
    )
    .catch((error: unknown) => {
      logError(error);
      app.exit(1);
    });
} else if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  app.on('second-instance', focusWindow);
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  // Closing the window keeps Ferry exporting behind its tray icon (background.ts).
  app.on('window-all-closed', () => undefined);
  // Quit only once the engine has stopped: running exports get a few seconds, then are
  // cancelled cleanly (nothing half-written) and run again at the next start.
  app.on('before-quit', (event) => void background.beforeQuit(event));
  app.whenReady().then(start).catch(fail);
}

async function start(): Promise<void> {
  // The console needs one browser permission, writing the clipboard for its copy buttons, and
  // only for its own page (permissions.ts): every other request is refused, every check no.
  session.defaultSession.setPermissionRequestHandler((contents, permission, callback, details) =>
    callback(allowPermission(permission, details.requestingUrl ?? contents?.getURL())),
  );
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    allowPermission(permission, requestingOrigin),
  );
  handleAppProtocol(rendererDir);
  engine = await createEngine({
    dataDir: paths.dataDir,
    transport: 'electron',
    role: 'the Ferry desktop app',
    electronVersion: process.versions.electron ?? null,
    secretCodec: desktopSecretCodec(safeStorage, process.platform, process.env),
    // The system clock, unless FERRY_CLOCK_START/SCALE run a faster one (the packaged-app tests).
    timers: timersFromEnv(),
    log: logError,
    desktop: { show: notify },
    onIndexProgress: (done, total) => {
      if (done === 1 || done === total)
        console.warn(`Building the job history index from its month files: ${done} of ${total}`);
    },
  });
  // Said in the console at once, not at the first save: no keyring, and the fix for this desktop.
  if (desktopSettings.problem)
    engine.notices.push({ level: 'warning', message: desktopSettings.problem });
  const keychain = keychainNotice(
    safeStorage,
    process.platform,
    process.env,
    join(paths.dataDir, DESKTOP_SETTINGS_FILE),
  );
  if (keychain) engine.notices.push(keychain);
  registerIpc(engine, () => (mainWindow && !mainWindow.isDestroyed() ? [mainWindow] : []));
  openWindow();
  tray = createTray(
    engine,
    join(rendererDir, 'tray'),
    () => ({
      paused: engine?.scheduler.paused ?? false,
      openAtLogin: background.openAtLogin,
      loginSupported: process.platform !== 'linux',
      offerCli: !cliReady,
      updates: updater ? updateItems(updater.state(), autoUpdates) : [],
    }),
    (action) => void trayAction(action),
  );
  cliReady = await cliInstalled(cliPlan, process.env);
  autoUpdates = desktopSettings.settings.updates !== false;
  updater = await createUpdater({
    resourcesPath: process.resourcesPath ?? '',
    isPackaged: app.isPackaged,
    auto: autoUpdates,
    changed: () => void tray?.refresh(),
    ready: (version) =>
      notify({
        title: `Ferry ${version} is ready`,
        body: 'Pick "Restart to update" in the tray (running exports stop cleanly and run again).',
        connectionId: null,
      }),
    log: logError,
  });
  drawAppMenu();
  await tray.refresh();
  app.on('activate', focusWindow);
  // The laptop slept: catch up the hours it missed at once instead of at the next timer.
  powerMonitor.on('resume', () => void engine?.scheduler.wake());
  powerMonitor.on('unlock-screen', () => void engine?.scheduler.wake());
  // The OS shuts down (Linux, macOS): stop cleanly, as a quit does.
  powerMonitor.on('shutdown', () => void background.quit());
  // A quit that began while Ferry started (the engine closing, the app about to exit) starts
  // nothing more: no schedule, and no command door a closed engine would leave behind. (A quit
  // once the door is being opened waits for it, and closes it.)
  if (background.isQuitting) return;
  await engine.scheduler.start();
  if (background.isQuitting) return;
  // `ferry export`, `backfill`, `connection …` in a terminal are sent here while the app runs.
  localApi = startLocalApi(engine).catch((error: unknown) => {
    logError(error);
    return null;
  });
  await localApi;
}

/** A desktop notification; clicking it opens the connection it is about. */
function notify({
  title,
  body,
  connectionId,
}: Pick<DesktopNotification, 'title' | 'body' | 'connectionId'>): void {
  if (!Notification.isSupported()) return;
  const note = new Notification({ title, body });
  note.on('click', () => (connectionId ? openConnection(connectionId) : focusWindow()));
  // macOS shows only signed apps' notifications (since Electron 42): a refused one is logged.
  note.once('failed', (_event, error) =>
    console.warn(`A desktop notification could not be shown ("${title}"): ${error}`),
  );
  retainUntilDone(notifications, note);
  note.show();
}

async function trayAction(action: TrayAction): Promise<void> {
  if (action.kind === 'open') focusWindow();
  else if (action.kind === 'open-connection') openConnection(action.connectionId);
  else if (action.kind === 'pause' || action.kind === 'resume')
    await engine?.scheduler.setPaused(action.kind === 'pause');
  else if (action.kind === 'open-at-login') background.setOpenAtLogin(action.on);
  else if (action.kind === 'install-cli') await offerCli();
  else if (action.kind === 'check-updates') await checkForUpdates();
  else if (action.kind === 'install-update') updater?.install();
  else if (action.kind === 'updates-auto') await setAutoUpdates(action.on);
  else if (action.kind === 'quit') app.quit();
  await tray?.refresh();
}

/** The application menu (app-menu.ts), redrawn when what it offers changes. */
function drawAppMenu(): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      appMenuTemplate(
        process.platform,
        { updates: updater?.state().kind !== 'off', cli: !cliReady },
        (action) => void trayAction(action),
      ),
    ),
  );
}

/** "Check for updates…": check now and say what came of it. */
async function checkForUpdates(): Promise<void> {
  if (!updater) return;
  const state = await updater.check();
  const message = updateCheckMessage(state, app.getVersion(), redactSecrets);
  await dialog.showMessageBox({
    type: state.kind === 'failed' ? 'warning' : 'info',
    title: 'Updates',
    message,
    buttons: ['OK'],
  });
}

/** The "Check for updates automatically" checkbox: kept in desktop.json. */
async function setAutoUpdates(on: boolean): Promise<void> {
  try {
    await saveDesktopSettings(paths.dataDir, { updates: on });
  } catch (error) {
    await dialog.showMessageBox({
      type: 'warning',
      title: 'Updates',
      message: (error as Error).message,
      buttons: ['OK'],
    });
    return;
  }
  autoUpdates = on;
  updater?.setAuto(on);
}

/** "Install the ferry command": do it, and say how it went (with the command to run by hand). */
async function offerCli(): Promise<void> {
  const result = await installCli(cliPlan);
  if (result.ok) {
    cliReady = true;
    drawAppMenu();
  }
  const { response } = await dialog.showMessageBox({
    type: result.ok ? 'info' : 'warning',
    title: 'The ferry command',
    message: result.message,
    detail: result.ok ? undefined : result.command,
    buttons: result.ok || !result.command ? ['OK'] : ['Copy the command', 'Close'],
  });
  if (!result.ok && result.command && response === 0) await clipboard.writeText(result.command);
}

function openWindow(): BrowserWindow {
  const window = createMainWindow(preloadPath);
  window.on('close', (event) => background.windowClosing(event, () => window.hide()));
  // Windows logoff or shutdown emits no before-quit: stop cleanly here.
  window.on('session-end', () => void background.quit());
  mainWindow = window;
  return window;
}

function focusWindow(): BrowserWindow | null {
  if (!engine) return null;
  const window = mainWindow && !mainWindow.isDestroyed() ? mainWindow : openWindow();
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
  return window;
}

/** Show the console on one connection's page. */
function openConnection(connectionId: string): void {
  const window = focusWindow();
  void window?.loadURL(`${APP_URL}#/connections/${encodeURIComponent(connectionId)}`);
}

function fail(error: unknown): void {
  const message =
    error instanceof FerryError ? error.message : String((error as Error)?.message ?? error);
  dialog.showErrorBox('Ferry could not start', message);
  app.exit(1);
}
