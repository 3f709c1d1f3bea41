import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { PushEvent } from '../../../shared/api/events';
import { MAX_UNREAD_BYTES, openStream } from '../../../electron/server/event-stream';

/** An engine's push stream, as far as the event stream uses it. */
function pushes() {
  const listeners = new Set<(event: PushEvent) => void>();
  return {
    listeners,
    subscribe(listener: (event: PushEvent) => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    emit(event: PushEvent) {
      for (const listener of listeners) listener(event);
    },
  };
}

const event = (id: number): PushEvent =>
  ({ type: 'entity.changed', entity: 'organization', id, change: 'updated' }) as PushEvent;

let server: Server | null = null;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(null));
  server = null;
});

async function serve(engine: ReturnType<typeof pushes>) {
  const streams = new Set<ServerResponse>();
  server = createServer((_, res) => openStream(res, engine, streams));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  /** A client that sends the request, then reads nothing (a frozen tab). */
  const frozenClient = async () => {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    socket.pause();
    return socket;
  };
  return { streams, frozenClient };
}

describe('the event stream', () => {
  it('drops a client that stops reading, instead of holding every event for it', async () => {
    const engine = pushes();
    const { streams, frozenClient } = await serve(engine);
    const socket = await frozenClient();
    await expect.poll(() => streams.size).toBe(1);
    const [res] = [...streams];
    const big = { ...event(1), id: 'x'.repeat(16 * 1024) } as PushEvent;
    let sent = 0;
    // Far more than the socket buffers of both ends and the limit together.
    while (!res!.destroyed && sent < 4000) {
      engine.emit(big);
      sent++;
      expect(res!.writableLength).toBeLessThanOrEqual(MAX_UNREAD_BYTES + 64 * 1024);
    }
    expect(res!.destroyed).toBe(true);
    await expect.poll(() => streams.size).toBe(0);
    expect(engine.listeners.size).toBe(0);
    socket.destroy();
  });

  it('lets an event that arrives after the server ended the stream pass without an error', async () => {
    const engine = pushes();
    const { streams, frozenClient } = await serve(engine);
    const socket = await frozenClient();
    await expect.poll(() => streams.size).toBe(1);
    const errors: unknown[] = [];
    const [res] = [...streams];
    res!.on('error', (error) => errors.push(error));
    // As the server's close does; the client has not gone yet, so the listener is still there.
    res!.end();
    engine.emit(event(2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(errors).toEqual([]);
    socket.destroy();
  });
});
