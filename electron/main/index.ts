import {
  app,
  type BrowserWindow,
  dialog,
  Notification,
  powerMonitor,
  safeStorage,
  session,
} from 'electron';
import { fileURLToPath } from 'node:url';
import { FerryError } from '../../shared/api/errors';
import { createEngine, type Engine } from '../engine';
import { registerIpc } from './ipc';
import { handleAppProtocol, registerAppScheme } from './protocol';
import { desktopSecretCodec } from './secret-codec';
import { createMainWindow } from './window';

// The desktop entry: wire the engine to one secure window. Everything else lives in the engine.

const rendererDir = fileURLToPath(new URL('../renderer/', import.meta.url));
const preloadPath = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));

let engine: Engine | null = null;
/** How long quitting lets running exports finish before cancelling them. */
const QUIT_GRACE_MS = 10_000;
let mainWindow: BrowserWindow | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  app.on('second-instance', focusWindow);
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (event) => {
    // Quit only once the engine has stopped: running exports get a few seconds, then are
    // cancelled cleanly (nothing half-written) and run again at the next start.
    if (!engine) return;
    event.preventDefault();
    const closing = engine;
    engine = null;
    void closing
      .close({ graceMs: QUIT_GRACE_MS })
      .catch((error: unknown) => console.error(error))
      .finally(() => app.quit());
  });
  app.whenReady().then(start).catch(fail);
}

async function start(): Promise<void> {
  // The console needs no browser permission (camera, notifications, clipboard …): every
  // request is refused, and every check answers no.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) =>
    callback(false),
  );
  session.defaultSession.setPermissionCheckHandler(() => false);
  handleAppProtocol(rendererDir);
  engine = await createEngine({
    dataDir: process.env.FERRY_DATA_DIR || app.getPath('userData'),
    transport: 'electron',
    role: 'the Ferry desktop app',
    electronVersion: process.versions.electron ?? null,
    secretCodec: desktopSecretCodec(safeStorage, process.platform, process.env),
    log: (error) => console.error(error),
    desktop: {
      show({ title, body }) {
        if (!Notification.isSupported()) return;
        const note = new Notification({ title, body });
        note.on('click', focusWindow);
        note.show();
      },
    },
  });
  registerIpc(engine, () => (mainWindow && !mainWindow.isDestroyed() ? [mainWindow] : []));
  mainWindow = createMainWindow(preloadPath);
  app.on('activate', focusWindow);
  // The laptop slept: catch up the hours it missed at once instead of at the next timer.
  powerMonitor.on('resume', () => void engine?.scheduler.wake());
  powerMonitor.on('unlock-screen', () => void engine?.scheduler.wake());
  await engine.scheduler.start();
}

function focusWindow(): void {
  if (!mainWindow || mainWindow.isDestroyed()) {
    if (engine) mainWindow = createMainWindow(preloadPath);
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

function fail(error: unknown): void {
  const message =
    error instanceof FerryError ? error.message : String((error as Error)?.message ?? error);
  dialog.showErrorBox('Ferry could not start', message);
  app.exit(1);
}
