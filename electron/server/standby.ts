import { createServer } from 'node:http';
import { fail, parseUrl, sendJson } from './answers';
import { requestRefusal } from './access';
import { listenLocal } from './listen';

export interface StandbyServer {
  port: number;
  /** Say why this serve waits (the writer that holds the database), for /readyz. */
  waitingFor(reason: string): void;
  close(): Promise<void>;
}

/**
 * The port of a `ferry serve` on standby (team mode: another host writes to the database), so a
 * supervisor or load balancer sees it alive but not ready: `/healthz` 200 `standby`, `/readyz`
 * 503 with the reason, anything else 503 saying where the console is not. It holds no token and
 * no record; the console takes the same port over when this serve takes the database.
 */
export async function startStandbyServer(port: number, reason: string): Promise<StandbyServer> {
  let allowedHosts = new Set<string>();
  let why = reason;
  const server = createServer((req, res) => {
    const refusal = requestRefusal(req, allowedHosts);
    if (refusal) return sendJson(res, 403, fail('forbidden', refusal));
    const url = parseUrl(req.url ?? '/', req.headers.host ?? '');
    if (url?.pathname === '/healthz' && req.method === 'GET')
      return sendJson(res, 200, { status: 'standby' });
    if (url?.pathname === '/readyz' && req.method === 'GET')
      return sendJson(res, 503, {
        status: 'not ready',
        checks: [{ name: 'writer', ok: false, detail: `on standby: ${why}` }],
      });
    sendJson(
      res,
      503,
      fail(
        'unavailable',
        `This Ferry is on standby: ${why} Open the console of the host that serves it; this one takes over when that one stops.`,
      ),
    );
  });
  const bound = await listenLocal(server, port);
  allowedHosts = bound.hosts;
  return {
    port: bound.port,
    waitingFor(reason) {
      why = reason;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
