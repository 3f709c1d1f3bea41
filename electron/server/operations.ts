import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '../engine';
import { fail, sendJson } from './answers';
import type { createMetrics } from './metrics';

/** The paths for supervisors and monitoring, beside the console and the API. */
export const OPERATIONS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * `/healthz` and `/readyz` answer without a token and say nothing of the records (for
 * supervisors and load balancers); `/metrics` (Prometheus) needs a token, as it names
 * connections (`authorization: { credentials: <token> }` in Prometheus's config).
 */
export async function serveOperations(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  engine: Engine,
  metrics: ReturnType<typeof createMetrics>,
  authorized: () => Promise<unknown>,
): Promise<void> {
  if (req.method !== 'GET') return sendJson(res, 405, fail('validation', 'Use GET'));
  if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
  if (path === '/readyz') {
    const { ready, checks } = await engine.readiness();
    return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks });
  }
  if (!(await authorized()))
    return sendJson(res, 401, fail('unauthorized', 'Send the access token as a Bearer token.'));
  const body = Buffer.from(await metrics.text());
  res.writeHead(200, {
    'Content-Type': metrics.contentType,
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
