import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fail, SECURITY_HEADERS, sendJson } from './answers';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/**
 * A file of the built console, or its index.html for any other route (the single-page app
 * handles it). Paths that leave the console folder are refused; the page itself is never cached,
 * the hashed assets forever.
 */
export async function serveStatic(
  res: ServerResponse,
  staticRoot: string,
  pathname: string,
  headOnly: boolean,
): Promise<void> {
  let relative: string;
  try {
    relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  } catch {
    return sendJson(res, 400, fail('validation', 'Bad path'));
  }
  let file = join(staticRoot, relative);
  if (file !== staticRoot && !file.startsWith(staticRoot + sep))
    return sendJson(res, 403, fail('forbidden', 'Refused: outside the console folder'));
  let info = await stat(file).catch(() => null);
  // Anything that is not a file is a console route: the single-page app handles it.
  if (!info?.isFile()) {
    if (extname(relative) !== '')
      return sendJson(res, 404, fail('not_found', `No such file: ${pathname}`));
    file = join(staticRoot, 'index.html');
    info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      res.writeHead(503, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(
        `The console has not been built (no ${file}). Run "npm run build" and start again.\n`,
      );
      return;
    }
  }
  const isHtml = file.endsWith('.html');
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': isHtml ? 'no-store' : 'public, max-age=31536000, immutable',
  });
  if (headOnly) return void res.end();
  createReadStream(file).pipe(res);
}
