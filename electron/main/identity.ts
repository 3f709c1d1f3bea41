/**
 * Who the desktop app is, kept free of Electron so it is unit-tested: its own origin,
 * `app://ferry/`.
 */

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
