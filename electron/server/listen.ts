import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Ferry's HTTP servers listen on this machine only. */
export const HOST = '127.0.0.1';

/**
 * Listen on 127.0.0.1 at `port` (0: a free one). Resolves with the port and the Host headers a
 * request to it may carry (anything else is refused: DNS rebinding).
 */
export async function listenLocal(
  server: Server,
  port: number,
): Promise<{ port: number; hosts: Set<string> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return { port: bound, hosts: new Set([`${HOST}:${bound}`, `localhost:${bound}`]) };
}
