import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import yazl from 'yazl';

export interface ExportRequest {
  start: string | null;
  end: string | null;
  authorization: string | undefined;
}

export type Reply = { status: number; body?: string } | { zip: Record<string, string> };

/**
 * A stand-in for Amplitude's Export API on 127.0.0.1: answers `GET /api/2/export` with the
 * scripted replies in order (the last one repeats), building real zip files of gzipped NDJSON
 * entries the way the API documents, and records every request.
 */
export async function startAmplitudeServer(
  replies: Reply[],
): Promise<{ url: string; requests: ExportRequest[]; close(): Promise<void> }> {
  const requests: ExportRequest[] = [];
  let next = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api/2/export') {
      res.writeHead(404).end();
      return;
    }
    requests.push({
      start: url.searchParams.get('start'),
      end: url.searchParams.get('end'),
      authorization: req.headers.authorization,
    });
    const reply = replies[Math.min(next++, replies.length - 1)]!;
    if ('status' in reply) {
      res.writeHead(reply.status, { 'Content-Type': 'text/plain' }).end(reply.body ?? '');
      return;
    }
    const zip = new yazl.ZipFile();
    for (const [name, text] of Object.entries(reply.zip)) zip.addBuffer(zlib.gzipSync(text), name);
    zip.end();
    res.writeHead(200, { 'Content-Type': 'application/zip' });
    zip.outputStream.pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
