import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { ApiErrorBody, Envelope } from '../../shared/api/errors';
import { holdSecret, type Engine } from '../engine';
import { CONTENT_SECURITY_POLICY } from '../../shared/csp';
import {
  CONNECTIONS_CHECK_MS,
  DEFAULT_SOCKET_LIMITS,
  guardSockets,
  type SocketLimits,
} from './socket-guard';

export interface ServerOptions {
  engine: Engine;
  /** Folder of the built renderer (index.html + assets); none: the API only (the CLI's). */
  staticDir: string | null;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Fixed token for tests; normally a fresh random one per start. */
  token?: string;
  /** Limits on slow and idle connections (tests shorten them). */
  sockets?: SocketLimits;
}

export interface RunningServer {
  /** The URL to open, token included. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;
const HOST = '127.0.0.1';

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

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
 * Serve the console and the API contract on 127.0.0.1 for a browser: the headless transport.
 *
 * Every API call must carry the per-start secret token in `Authorization: Bearer`; only the
 * event stream (which browsers can not give headers) may carry it as `?token=`, so a token
 * that leaks through a URL (history, a log) can not make calls. Requests naming another Host or
 * coming from another Origin are refused, so a web page the admin happens to visit can neither
 * rebind its DNS name to this port nor post to it.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  holdSecret(token);
  const tokenBuffer = Buffer.from(token);
  const staticRoot = options.staticDir === null ? null : resolve(options.staticDir);
  const streams = new Set<ServerResponse>();
  let allowedHosts = new Set<string>();

  const server = createServer({ connectionsCheckingInterval: CONNECTIONS_CHECK_MS }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, fail('internal', `Server error: ${(error as Error).message}`));
      else res.destroy();
    });
  });

  const sockets = guardSockets(server, options.sockets ?? DEFAULT_SOCKET_LIMITS);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? '';
    if (!allowedHosts.has(host.toLowerCase()))
      return sendJson(
        res,
        403,
        fail('forbidden', `Refused: Host "${host}" is not this Ferry console`),
      );
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedHosts.has(originHost(origin)))
      return sendJson(
        res,
        403,
        fail('forbidden', `Refused: requests from ${origin} are not allowed`),
      );
    if (req.headers['sec-fetch-site'] === 'cross-site')
      return sendJson(res, 403, fail('forbidden', 'Refused: cross-site request'));

    const url = parseUrl(req.url ?? '/', host);
    if (!url) return sendJson(res, 400, fail('validation', 'Malformed request URL'));
    if (url.pathname.startsWith('/api/')) {
      const stream = url.pathname === '/api/events' && req.method === 'GET';
      if (!hasToken(req, url, stream))
        return sendJson(
          res,
          401,
          fail(
            'unauthorized',
            'Missing or wrong access token. Open the URL that `ferry serve` printed.',
          ),
        );
      if (stream) return openStream(req, res);
      if (req.method !== 'POST')
        return sendJson(res, 405, fail('validation', 'Use POST for API calls'));
      const method = decodePath(url.pathname.slice('/api/'.length));
      if (method === null) return sendJson(res, 400, fail('validation', 'Malformed request URL'));
      return callMethod(req, res, method);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendJson(res, 405, fail('validation', 'Method not allowed'));
    if (staticRoot === null)
      return sendJson(res, 404, fail('not_found', 'This Ferry serves its API only'));
    return serveStatic(res, staticRoot, url.pathname, req.method === 'HEAD');
  }

  function hasToken(req: IncomingMessage, url: URL, queryAllowed: boolean): boolean {
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ')
      ? header.slice(7)
      : queryAllowed
        ? url.searchParams.get('token')
        : null;
    if (!given) return false;
    const buffer = Buffer.from(given);
    const valid = buffer.length === tokenBuffer.length && timingSafeEqual(buffer, tokenBuffer);
    if (valid) sockets.trust(req.socket);
    return valid;
  }

  async function callMethod(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
  ): Promise<void> {
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('application/json'))
      return sendJson(
        res,
        415,
        fail('validation', 'API calls must send Content-Type: application/json'),
      );
    let text: string;
    try {
      text = await readBody(req);
    } catch (error) {
      return sendJson(res, 413, fail('validation', (error as Error).message));
    }
    let input: unknown;
    try {
      input = text.trim() === '' ? undefined : JSON.parse(text);
    } catch {
      return sendJson(res, 400, fail('validation', 'The request body is not valid JSON'));
    }
    const result = await options.engine.dispatch(method, input);
    sendJson(res, result.ok ? 200 : statusFor(result.error), result);
  }

  function openStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    streams.add(res);
    const unsubscribe = options.engine.subscribe((event) => {
      res.write(`data: ${JSON.stringify(event)}\n\n`);
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
      streams.delete(res);
    });
  }

  async function serveStatic(
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

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`${HOST}:${port}`, `localhost:${port}`]);
  const origin = `http://${HOST}:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    async close() {
      for (const stream of streams) stream.end();
      await new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeAllConnections();
      });
    },
  };
}

function originHost(origin: string): string {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' ? url.host.toLowerCase() : '';
  } catch {
    return '';
  }
}

function fail(code: ApiErrorBody['code'], message: string): Envelope<never> {
  return { ok: false, error: { code, message } };
}

function statusFor(error: ApiErrorBody): number {
  switch (error.code) {
    case 'validation':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
    case 'unknown_method':
      return 404;
    case 'conflict':
    case 'locked':
      return 409;
    case 'upstream':
      return 502;
    default:
      return 500;
  }
}

/**
 * The JSON bytes of frozen answers, made once however many calls they answer (the job store hands the
 * same frozen page to every caller of the same query until the next write). Only frozen ones:
 * another object may change after it was sent.
 */
const answerBytes = new WeakMap<object, Buffer>();

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const bytes = jsonOf(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': bytes.length,
    'Cache-Control': 'no-store',
  });
  res.end(bytes);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        // Stop keeping the body but let it drain, so the 413 answer still reaches the client.
        req.removeAllListeners('data');
        req.resume();
        reject(new Error(`Request body over ${MAX_BODY} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolvePromise(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The request URL, or null when it can not be parsed. */
function parseUrl(raw: string, host: string): URL | null {
  try {
    return new URL(raw, `http://${host}`);
  } catch {
    return null;
  }
}

/** A percent-encoded path segment decoded, or null when the encoding is broken (`%E0%A4%A`). */
function decodePath(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function jsonOf(body: unknown): Buffer {
  const envelope = body as { ok?: unknown; value?: unknown };
  if (
    envelope?.ok !== true ||
    typeof envelope.value !== 'object' ||
    envelope.value === null ||
    !Object.isFrozen(envelope.value)
  )
    return Buffer.from(JSON.stringify(body));
  let bytes = answerBytes.get(envelope.value);
  if (bytes === undefined)
    answerBytes.set(
      envelope.value,
      (bytes = Buffer.from(`{"ok":true,"value":${JSON.stringify(envelope.value)}}`)),
    );
  return bytes;
}
