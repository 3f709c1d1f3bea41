import { isAppUrl } from './identity';

/**
 * The browser permissions the console uses: writing text to the clipboard, for the copy buttons
 * (Cloudscape's copy-to-clipboard writes through `navigator.clipboard`), and only from the
 * console's own page. Everything else — camera, notifications, reading the clipboard, … — is
 * refused, for requests and checks alike.
 */
const ALLOWED = new Set(['clipboard-sanitized-write']);

export function allowPermission(permission: string, requestingUrl: string | undefined): boolean {
  return ALLOWED.has(permission) && requestingUrl !== undefined && isAppUrl(requestingUrl);
}
