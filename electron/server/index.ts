import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { holdSecret, type Engine } from '../engine';
import { decodePath, fail, parseUrl, readBody, sendJson, statusFor } from './answers';
import { carriesToken, requestRefusal, tokenOf } from './access';
import { methodSpec } from '../../shared/api/contract';
import { roleAllows, roleRefusal, type Role } from '../../shared/model/roles';
import { openStream } from './event-stream';
import { HOST, listenLocal } from './listen';
import { OPERATIONS, serveOperations } from './operations';
import {
  CONNECTIONS_CHECK_MS,
  DEFAULT_SOCKET_LIMITS,
  guardSockets,
  type SocketLimits,
} from './socket-guard';
import { serveStatic } from './static-files';
import { answerBatch, BATCH_METHOD } from './batch';

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

/** Who a request comes from, and what they may do. */
interface Principal {
  name: string;
  role: Role;
}

export interface RunningServer {
  /** The URL to open, token included. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

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
  // Loaded with the server, not with every command of the CLI that bundles it.
  const { createMetrics } = await import('./metrics');
  const metrics = createMetrics(options.engine);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = requestRefusal(req, allowedHosts);
    if (refusal) return sendJson(res, 403, fail('forbidden', refusal));
    const url = parseUrl(req.url ?? '/', req.headers.host ?? '');
    if (!url) return sendJson(res, 400, fail('validation', 'Malformed request URL'));
    if (OPERATIONS.has(url.pathname))
      return serveOperations(req, res, url.pathname, options.engine, metrics, () =>
        principalOf(req, url, false),
      );
    if (url.pathname.startsWith('/api/')) {
      const stream = url.pathname === '/api/events' && req.method === 'GET';
      const principal = await principalOf(req, url, stream);
      if (!principal)
        return sendJson(
          res,
          401,
          fail(
            'unauthorized',
            'Missing or wrong access token. Open the URL that `ferry serve` printed.',
          ),
        );
      if (stream) return openStream(res, options.engine, streams);
      if (req.method !== 'POST')
        return sendJson(res, 405, fail('validation', 'Use POST for API calls'));
      const method = decodePath(url.pathname.slice('/api/'.length));
      if (method === null) return sendJson(res, 400, fail('validation', 'Malformed request URL'));
      return callMethod(options.engine, req, res, method, principal);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendJson(res, 405, fail('validation', 'Method not allowed'));
    if (staticRoot === null)
      return sendJson(res, 404, fail('not_found', 'This Ferry serves its API only'));
    return serveStatic(res, staticRoot, url.pathname, {
      headers: req.headers,
      headOnly: req.method === 'HEAD',
    });
  }

  /**
   * Who a request comes from: the serve token (an admin), or — in team mode — a person's token
   * with its role, read from the database at each request (a revoked one is refused at once).
   */
  async function principalOf(
    req: IncomingMessage,
    url: URL,
    queryAllowed: boolean,
  ): Promise<Principal | null> {
    let found: Principal | null = null;
    if (carriesToken(req, url, queryAllowed, tokenBuffer))
      found = { name: 'the serve token', role: 'admin' };
    else {
      const given = tokenOf(req, url, queryAllowed);
      const person =
        given && options.engine.people ? await options.engine.people.verify(given) : null;
      if (person) found = person;
    }
    if (found) sockets.trust(req.socket);
    return found;
  }

  const { port, hosts } = await listenLocal(server, options.port ?? 0);
  allowedHosts = hosts;
  const origin = `http://${HOST}:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    async close() {
      metrics.close();
      for (const stream of streams) stream.end();
      await new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeAllConnections();
      });
    },
  };
}

/** One API call: a JSON body in, the engine's envelope out with the HTTP status it maps to. */
async function callMethod(
  engine: Engine,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  principal: Principal,
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
  if (method === BATCH_METHOD) {
    const answer = await answerBatch((m, i) => engine.dispatch(m, i), principal, input);
    return sendJson(res, answer.ok ? 200 : statusFor(answer.error), answer);
  }
  const spec = methodSpec(method);
  const mutates = spec?.mutates ?? false;
  const audit = async (result: string) => {
    if (!engine.people || !spec || !mutates) return;
    await engine.people
      .record({ who: principal.name, method, target: targetOf(input), result })
      .catch((error: unknown) =>
        process.stderr.write(
          `ferry: the audit log could not be written: ${(error as Error).message}\n`,
        ),
      );
  };
  if (spec && !roleAllows(principal.role, method, input, mutates)) {
    await audit('refused');
    return sendJson(
      res,
      403,
      fail('forbidden', roleRefusal(principal.name, principal.role, method)),
    );
  }
  const result = await engine.dispatch(method, input);
  await audit(result.ok ? 'ok' : result.error.code);
  sendJson(res, result.ok ? 200 : statusFor(result.error), result);
}

/** The record a call names, for the audit log (never the input itself: it may hold a secret). */
function targetOf(input: unknown): string | null {
  if (typeof input !== 'object' || input === null) return null;
  const { id, connectionId } = input as { id?: unknown; connectionId?: unknown };
  const target = id ?? connectionId;
  return typeof target === 'string' || typeof target === 'number' ? String(target) : null;
}
