import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How long a connection may take to send its request's headers, and how many connections the
 * server keeps open at once. Any local user can open sockets to 127.0.0.1: without these, a
 * thousand idle ones hold a thousand file descriptors until Ferry hits EMFILE and its exports
 * stall.
 */
export interface SocketLimits {
  /** A socket that has not sent a whole request head by then is closed. */
  headersTimeoutMs: number;
  /** Open connections at most; past it, the oldest one that never showed the token goes. */
  maxSockets: number;
}

/**
 * 512 connections: far above what a console (a browser keeps six) or the CLI opens, and above
 * the bench's 200 calls in flight with a burst beside them; far below a 1,024-descriptor limit.
 */
export const DEFAULT_SOCKET_LIMITS: SocketLimits = { headersTimeoutMs: 5_000, maxSockets: 512 };

/** How often Node checks connections against the header and request time limits. */
export const CONNECTIONS_CHECK_MS = 1_000;

/**
 * Keep a server safe from slow and idle clients: a short time for request headers (a deadline
 * for a socket that sends nothing, then Node's `headersTimeout`, checked every second — see
 * createServer's `connectionsCheckingInterval`),
 * bounded keep-alive, and a cap on open connections that evicts the oldest connection that has
 * not yet shown the token, so callers with the token are never the ones turned away.
 */
export function guardSockets(
  server: Server,
  limits: SocketLimits,
): { trust(socket: Socket): void; open(): number } {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = Math.max(limits.headersTimeoutMs, 30_000);
  server.keepAliveTimeout = limits.headersTimeoutMs;
  server.maxRequestsPerSocket = 1_000;
  const all = new Set<Socket>();
  /** Sockets that have not made a call with the token, oldest first. */
  const untrusted = new Set<Socket>();
  /** Sockets that have not sent a request head yet, with their deadline. */
  const silent = new Map<Socket, NodeJS.Timeout>();
  server.on('connection', (socket: Socket) => {
    all.add(socket);
    untrusted.add(socket);
    // Node's headersTimeout starts with the first byte: a socket that sends none needs its own.
    const deadline = setTimeout(() => socket.destroy(), limits.headersTimeoutMs);
    deadline.unref();
    silent.set(socket, deadline);
    socket.once('close', () => {
      clearTimeout(silent.get(socket));
      silent.delete(socket);
      all.delete(socket);
      untrusted.delete(socket);
    });
    while (all.size > limits.maxSockets) {
      const oldest = untrusted.values().next().value;
      if (!oldest) break; // every open connection is a caller with the token
      untrusted.delete(oldest);
      all.delete(oldest);
      oldest.destroy();
    }
  });
  server.on('request', (req: IncomingMessage) => {
    clearTimeout(silent.get(req.socket));
    silent.delete(req.socket);
  });
  return {
    trust: (socket) => void untrusted.delete(socket),
    open: () => all.size,
  };
}
