import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Engine } from '../engine';
import { SECURITY_HEADERS } from './answers';

/**
 * The push stream as Server-Sent Events: every engine event as one `data:` line, a comment every
 * 15 s so proxies and sleeping laptops keep the connection, and the browser told to come back
 * after 2 s when it drops.
 */
export function openStream(
  req: IncomingMessage,
  res: ServerResponse,
  engine: Engine,
  streams: Set<ServerResponse>,
): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  res.write('retry: 2000\n\n');
  streams.add(res);
  const unsubscribe = engine.subscribe((event) => {
    res.write(`data: ${JSON.stringify(event)}\n\n`);
  });
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  req.on('close', () => {
    clearInterval(keepAlive);
    unsubscribe();
    streams.delete(res);
  });
}
