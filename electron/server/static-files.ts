import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
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

/** The encodings the build writes beside each asset (`.br`, `.gz`), best first. */
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/**
 * Which of Ferry's encodings an `Accept-Encoding` header takes, best first: the highest q-value
 * wins, a tie goes to the smaller (br); `q=0` refuses, `*` stands for any not named.
 */
export function pickEncodings(header: string | undefined): ('br' | 'gzip')[] {
  const weights = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.toLowerCase().split(';');
    const token = name!.trim();
    if (!token) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    // A q-value that is not a number refuses, as RFC 9110 allows only 0 to 1.
    const weight = q === undefined ? 1 : Number(q.slice(2) || 'x');
    weights.set(token, Number.isFinite(weight) ? weight : 0);
  }
  return ENCODINGS.map(({ name }, order) => ({
    name,
    order,
    weight: weights.get(name) ?? weights.get('*') ?? 0,
  }))
    .filter((e) => e.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.order - b.order)
    .map((e) => e.name);
}

/** The precompressed twin of `file` the browser takes, if the build made one. */
async function compressedTwin(
  file: string,
  headers: IncomingHttpHeaders,
): Promise<{ file: string; info: Stats; encoding: string } | null> {
  for (const encoding of pickEncodings(headers['accept-encoding'] as string | undefined)) {
    const twin = file + ENCODINGS.find((e) => e.name === encoding)!.suffix;
    const info = await stat(twin).catch(() => null);
    if (info?.isFile()) return { file: twin, info, encoding };
  }
  return null;
}

/**
 * A file of the built console, or its index.html for any other route (the single-page app
 * handles it). Paths that leave the console folder are refused; the page itself is never cached,
 * the hashed assets forever, sent as their precompressed twin where the browser takes one.
 */
export async function serveStatic(
  res: ServerResponse,
  staticRoot: string,
  pathname: string,
  request: { headers: IncomingHttpHeaders; headOnly: boolean },
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
  const twin = isHtml ? null : await compressedTwin(file, request.headers);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': (twin?.info ?? info).size,
    'Cache-Control': isHtml ? 'no-store' : 'public, max-age=31536000, immutable',
    ...(isHtml ? {} : { Vary: 'Accept-Encoding' }),
    ...(twin ? { 'Content-Encoding': twin.encoding } : {}),
  });
  if (request.headOnly) return void res.end();
  // A file that fails to read (gone since its stat, a disk error) cuts the answer short; with
  // pipe, not pipeline, its read error reached no listener and ended the server.
  pipeline(createReadStream(twin?.file ?? file), res, () => undefined);
}
