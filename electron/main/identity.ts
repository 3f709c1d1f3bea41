/**
 * Who the desktop app is, kept free of Electron so it is unit-tested: its application id (the
 * one electron-builder.yml gives the installers; Windows shows notifications only for the id of
 * the Start-menu shortcut) and its own origin, `app://ferry/`.
 */
export const APP_ID = 'dev.ferry.console';

export const APP_SCHEME = 'app';
export const APP_HOST = 'ferry';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** True for a URL of the console itself (`app://ferry/…`). */
export function isAppUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}
