import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface S3Gate {
  /** Point a connection's endpoint here instead of at moto. */
  endpoint: string;
  /**
   * From now on, let `after` more UploadPart requests through and hold every one after that
   * (not forwarded, not answered). Resolves once a part is held: the export is then mid-upload
   * for as long as the test wants.
   */
  holdPartsAfter(after: number): Promise<void>;
  /** Forward the held parts and stop holding. */
  release(): void;
  /** UploadPart requests seen so far. */
  readonly parts: number;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of moto_server that forwards every S3 request unchanged, except that
 * it can hold multipart part uploads. With it a test puts an export in the middle of writing a
 * partition deterministically, then sends the fault (SIGTERM, SIGKILL, a cancel) — no timing.
 */
export async function startS3Gate(target: string): Promise<S3Gate> {
  const upstream = new URL(target);
  const held: { req: IncomingMessage; res: ServerResponse }[] = [];
  const sockets = new Set<Socket>();
  let holdAfter: number | null = null;
  let parts = 0;
  let onHeld: (() => void) | null = null;

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.on('error', () => out.destroy());
    req.pipe(out);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://gate');
    const isPart =
      req.method === 'PUT' &&
      url.searchParams.has('partNumber') &&
      url.searchParams.has('uploadId');
    if (isPart) {
      parts++;
      if (holdAfter !== null && holdAfter <= 0) {
        req.pause();
        held.push({ req, res });
        onHeld?.();
        return;
      }
      if (holdAfter !== null) holdAfter--;
    }
    forward(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get parts() {
      return parts;
    },
    holdPartsAfter(after) {
      holdAfter = after;
      return new Promise<void>((resolve) => {
        if (held.length > 0) return resolve();
        onHeld = () => {
          onHeld = null;
          resolve();
        };
      });
    },
    release() {
      holdAfter = null;
      for (const { req, res } of held.splice(0)) {
        if (req.destroyed) continue;
        req.resume();
        forward(req, res);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
