import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';
import yazl from 'yazl';

export interface ExportRequest {
  start: string | null;
  end: string | null;
  authorization: string | undefined;
}

/**
 * One scripted answer:
 * - `status`: that status with a text body (`contentType` text/plain unless given);
 * - `zip`: a real zip of gzipped NDJSON entries; `damage` names an entry whose gzip data is
 *   corrupted in the middle; `badDeflate` one the zip itself compresses, with a broken deflate
 *   stream (an unzip error, not a gunzip one); `truncate` cuts the whole answer after that many
 *   bytes;
 * - `hang`: never answer; `stall`: send the headers and this many bytes of the zip, then stop;
 * - `echo`: a 500 whose body repeats the request's headers (as some proxies do);
 * - `redirect`: a 302 to that address (relative ones against the request's).
 */
export type Reply =
  | { status: number; body?: string; contentType?: string }
  | ZipReply
  | { hang: true }
  | { echo: true }
  | { redirect: string };

type ZipReply = {
  zip: Record<string, string>;
  damage?: string;
  badDeflate?: string;
  truncate?: number;
  stall?: number;
};

/**
 * A stand-in for Amplitude's Export API on 127.0.0.1: answers `GET /api/2/export` with the
 * scripted replies in order (the last one repeats), building real zip files of gzipped NDJSON
 * entries the way the API documents, and records every request.
 */
export async function startAmplitudeServer(
  replies: Reply[],
  options: {
    /** The server's time to answer with (the `Date` header), instead of the real one. */
    clock?: () => number;
  } = {},
): Promise<{
  url: string;
  requests: ExportRequest[];
  /** Answer from now on with these replies, in order (the last one repeats). */
  setReplies(next: Reply[]): void;
  close(): Promise<void>;
}> {
  const requests: ExportRequest[] = [];
  const sockets = new Set<Socket>();
  let nextReply = 0;
  const server: Server = createServer((req, res) => {
    if (options.clock) res.setHeader('Date', new Date(options.clock()).toUTCString());
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api/2/export') {
      res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html><h1>Not Found</h1></html>');
      return;
    }
    requests.push({
      start: url.searchParams.get('start'),
      end: url.searchParams.get('end'),
      authorization: req.headers.authorization,
    });
    const reply = replies[Math.min(nextReply++, replies.length - 1)]!;
    if ('hang' in reply) return;
    if ('redirect' in reply) {
      res.writeHead(302, { Location: reply.redirect }).end();
      return;
    }
    if ('echo' in reply) {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(JSON.stringify(req.headers));
      return;
    }
    if ('status' in reply) {
      res
        .writeHead(reply.status, { 'Content-Type': reply.contentType ?? 'text/plain' })
        .end(reply.body ?? '');
      return;
    }
    void sendZip(res, reply);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setReplies(next) {
      replies = next;
      nextReply = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The zip of a reply as bytes. */
export async function zipBytes(
  entries: Record<string, string>,
  damage?: string,
  badDeflate?: string,
): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, text] of Object.entries(entries)) {
    const gz = zlib.gzipSync(text);
    if (name === damage) for (let i = 20; i < gz.length - 20; i += 7) gz[i]! ^= 0x5a;
    // Stored, not deflated again: a damaged gzip stays damaged inside the zip.
    zip.addBuffer(gz, name, { compress: name === badDeflate });
  }
  zip.end();
  const parts: Buffer[] = [];
  for await (const chunk of zip.outputStream) parts.push(chunk as Buffer);
  const bytes = Buffer.concat(parts);
  if (badDeflate) {
    // Its local header names it first (the central directory comes last); its data follows the
    // name and the extra field. Block type 3 is reserved: inflate fails at the first byte.
    const nameAt = bytes.indexOf(Buffer.from(badDeflate));
    bytes[nameAt + Buffer.byteLength(badDeflate) + bytes.readUInt16LE(nameAt - 2)] = 0x07;
  }
  return bytes;
}

async function sendZip(res: ServerResponse, reply: ZipReply): Promise<void> {
  const bytes = await zipBytes(reply.zip, reply.damage, reply.badDeflate);
  res.writeHead(200, { 'Content-Type': 'application/zip' });
  if (reply.stall !== undefined) {
    res.write(bytes.subarray(0, reply.stall));
    return; // …and never another byte
  }
  if (reply.truncate !== undefined) {
    res.end(bytes.subarray(0, reply.truncate));
    return;
  }
  res.end(bytes);
}
