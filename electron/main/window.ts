import { BrowserWindow, shell } from 'electron';
import { isAllowedExternal } from './links';
import { APP_URL, isAppUrl } from './protocol';

/**
 * The one console window, with the same locked-down settings in tests as in production.
 *
 * No Node in the page, an isolated and sandboxed preload, no new windows, no navigation away
 * from the console; web links open in the system browser instead.
 */
export function createMainWindow(preloadPath: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 840,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Ferry',
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      // A middle click must not open a window behind setWindowOpenHandler's back.
      disableBlinkFeatures: 'Auxclick',
    },
  });

  window.webContents.setWindowOpenHandler(({ url }) => {
    openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    openExternal(url);
  });
  window.webContents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_URL);
  return window;
}

/** Only https links to AWS and Amplitude leave the app (links.ts), to the system browser. */
function openExternal(url: string): void {
  if (isAllowedExternal(url)) void shell.openExternal(url);
}
