import type { ServerResponse } from 'node:http';
import type { Engine } from '../engine';
import { SECURITY_HEADERS } from './answers';

/**
 * Bytes a client may leave unread before its stream is dropped: a tab the browser froze, a laptop
 * asleep with its connection still open. Dropped, it comes back (`retry`) and the console reads
 * everything afresh, as after any drop; kept, every event of a long backfill would pile up here.
 */
export const MAX_UNREAD_BYTES = 1024 * 1024;

/**
 * The push stream as Server-Sent Events: every engine event as one `data:` line, a comment every
 * 15 s so proxies and sleeping laptops keep the connection, and the browser told to come back
 * after 2 s when it drops.
 */
export function openStream(
  res: ServerResponse,
  engine: Pick<Engine, 'subscribe'>,
  streams: Set<ServerResponse>,
): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  // A connection that fails under a write is closed below; its error is not the server's.
  res.on('error', () => undefined);
  const send = (text: string) => {
    // Ended by the server's close while an event was on its way, or already gone.
    if (res.writableEnded || res.destroyed) return;
    if (res.writableLength > MAX_UNREAD_BYTES) res.destroy();
    else res.write(text);
  };
  send('retry: 2000\n\n');
  streams.add(res);
  const unsubscribe = engine.subscribe((event) => send(`data: ${JSON.stringify(event)}\n\n`));
  const keepAlive = setInterval(() => send(': keep-alive\n\n'), 15_000);
  res.on('close', () => {
    clearInterval(keepAlive);
    unsubscribe();
    streams.delete(res);
  });
}
