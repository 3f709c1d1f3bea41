import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Why a request is refused before anything else is read, or null: another Host (a DNS name
 * rebound to this port), another Origin (a web page the admin happens to visit), or a request
 * the browser marks cross-site.
 */
export function requestRefusal(
  req: IncomingMessage,
  allowedHosts: ReadonlySet<string>,
): string | null {
  const host = req.headers.host ?? '';
  if (!allowedHosts.has(host.toLowerCase()))
    return `Refused: Host "${host}" is not this Ferry console`;
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedHosts.has(originHost(origin)))
    return `Refused: requests from ${origin} are not allowed`;
  if (req.headers['sec-fetch-site'] === 'cross-site') return 'Refused: cross-site request';
  return null;
}

/**
 * True when the request carries the token: in `Authorization: Bearer`, or as `?token=` where
 * `queryAllowed` (the event stream, which browsers can not give headers). Compared in constant time.
 */
export function carriesToken(
  req: IncomingMessage,
  url: URL,
  queryAllowed: boolean,
  token: Buffer,
): boolean {
  const given = tokenOf(req, url, queryAllowed);
  if (!given) return false;
  const buffer = Buffer.from(given);
  return buffer.length === token.length && timingSafeEqual(buffer, token);
}

/** The token a request carries (`Authorization: Bearer`, or `?token=` where allowed), or null. */
export function tokenOf(req: IncomingMessage, url: URL, queryAllowed: boolean): string | null {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7);
  return queryAllowed ? url.searchParams.get('token') : null;
}

function originHost(origin: string): string {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' ? url.host.toLowerCase() : '';
  } catch {
    return '';
  }
}
