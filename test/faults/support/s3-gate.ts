import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

type Held = 'part' | 'complete';
/** Requests the gate can refuse: completions of multipart uploads, and DeleteObjects. */
type Refusable = 'complete' | 'delete';

export interface S3Gate {
  /** Point a connection's endpoint here instead of at moto. */
  endpoint: string;
  /**
   * From now on, let `after` more UploadPart requests through and hold every one after that
   * (not forwarded, not answered). Resolves once one is held: the export is then mid-upload for
   * as long as the test wants.
   */
  holdPartsAfter(after: number): Promise<void>;
  /**
   * The same for CompleteMultipartUpload: let `after` objects become visible, hold the next.
   * The export is then part-way through committing its hour.
   */
  holdCompletesAfter(after: number): Promise<void>;
  /**
   * From now on, let `after` requests of the kind through and answer every later one with an S3
   * error of `status` (`code`: AccessDenied, InternalError, …), not forwarded, until `allow`.
   */
  refuse(kind: Refusable, status: number, code: string, after?: number): void;
  /** Forward `kind` requests again. */
  allow(kind: Refusable): void;
  /** How many requests of the kind were refused so far. */
  refused(kind: Refusable): number;
  /**
   * Let the next CreateMultipartUpload reach S3 (the upload is created there) but hold S3's
   * answer back. Resolves once S3 has answered: the client does not know the upload's id yet.
   */
  holdNextCreateAnswer(): Promise<void>;
  /** Forward what is held and stop holding. */
  release(): void;
  /**
   * Answer what is held with an S3 error of `status` instead of forwarding it (it never reached
   * S3, as across a network partition), and stop holding.
   */
  failHeld(status: number, code: string): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of moto_server that forwards every S3 request unchanged, except that
 * it can hold multipart part uploads, or their completions, and answer with a time of its own. With it a test puts an export at an
 * exact point — mid-upload, mid-commit — then sends the fault (SIGTERM, SIGKILL, a cancel): no
 * timing involved.
 */
export async function startS3Gate(
  target: string,
  options: {
    /** The server's time to answer with (the `Date` header): the outside world's clock. */
    clock?: () => number;
  } = {},
): Promise<S3Gate> {
  const upstream = new URL(target);
  const held: { req: IncomingMessage; res: ServerResponse }[] = [];
  const sockets = new Set<Socket>();
  const holding: Record<Held, number | null> = { part: null, complete: null };
  const refusing: Record<Refusable, { after: number; status: number; code: string } | null> = {
    complete: null,
    delete: null,
  };
  const refusedCount: Record<Refusable, number> = { complete: 0, delete: 0 };
  let onHeld: (() => void) | null = null;
  /** Answers of CreateMultipartUpload held back (S3 created the upload; the client waits). */
  let holdCreate: (() => void) | null = null;
  const heldAnswers: (() => void)[] = [];

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
        const headers = { ...answer.headers };
        if (options.clock) headers.date = new Date(options.clock()).toUTCString();
        const send = () => {
          if (res.destroyed) return answer.resume();
          res.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(res);
        };
        const created = req.method === 'POST' && /[?&]uploads(=|&|$)/.test(req.url ?? '');
        if (created && holdCreate) {
          const told = holdCreate;
          holdCreate = null;
          answer.pause();
          heldAnswers.push(send);
          told();
          return;
        }
        send();
      },
    );
    out.on('error', () => res.destroy());
    req.on('error', () => out.destroy());
    req.pipe(out);
  };

  const kindOf = (req: IncomingMessage): Held | null => {
    const url = new URL(req.url ?? '/', 'http://gate');
    if (!url.searchParams.has('uploadId')) return null;
    if (req.method === 'PUT' && url.searchParams.has('partNumber')) return 'part';
    if (req.method === 'POST') return 'complete';
    return null;
  };

  const refusableOf = (req: IncomingMessage): Refusable | null => {
    const url = new URL(req.url ?? '/', 'http://gate');
    if (req.method !== 'POST') return null;
    if (url.searchParams.has('uploadId')) return 'complete';
    if (url.searchParams.has('delete')) return 'delete';
    return null;
  };

  const server = createServer((req, res) => {
    const refusable = refusableOf(req);
    const refusal = refusable ? refusing[refusable] : null;
    if (refusable && refusal) {
      if (refusal.after > 0) refusal.after--;
      else {
        refusedCount[refusable]++;
        req.resume();
        req.on('end', () =>
          res
            .writeHead(refusal.status, { 'Content-Type': 'application/xml' })
            .end(
              `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${refusal.code}</Code><Message>Refused by the test gate</Message><RequestId>gate</RequestId></Error>`,
            ),
        );
        return;
      }
    }
    const kind = kindOf(req);
    const left = kind ? holding[kind] : null;
    if (kind && left !== null) {
      if (left <= 0) {
        req.pause();
        held.push({ req, res });
        onHeld?.();
        return;
      }
      holding[kind] = left - 1;
    }
    forward(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const hold = (kind: Held, after: number) => {
    holding[kind] = after;
    return new Promise<void>((resolve) => {
      onHeld = () => {
        onHeld = null;
        resolve();
      };
    });
  };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    holdPartsAfter: (after) => hold('part', after),
    holdCompletesAfter: (after) => hold('complete', after),
    refuse(kind, status, code, after = 0) {
      refusing[kind] = { after, status, code };
    },
    allow(kind) {
      refusing[kind] = null;
    },
    refused: (kind) => refusedCount[kind],
    holdNextCreateAnswer: () => new Promise<void>((resolve) => (holdCreate = resolve)),
    release() {
      for (const send of heldAnswers.splice(0)) send();
      holding.part = null;
      holding.complete = null;
      for (const { req, res } of held.splice(0)) {
        if (req.destroyed) continue;
        req.resume();
        forward(req, res);
      }
    },
    failHeld(status, code) {
      holding.part = null;
      holding.complete = null;
      for (const { req, res } of held.splice(0)) {
        if (req.destroyed) continue;
        req.resume();
        req.on('end', () =>
          res
            .writeHead(status, { 'Content-Type': 'application/xml' })
            .end(
              `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>Failed by the test gate</Message><RequestId>gate</RequestId></Error>`,
            ),
        );
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
