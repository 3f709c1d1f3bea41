import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { S3Sink } from '../../../../electron/engine/sinks/s3';

const PART = 5 * 1024 * 1024;

/** One UploadPart as the server got it: the headers that sign and check it, and its bytes. */
interface PartSeen {
  number: number;
  contentSha256: string | undefined;
  checksumCrc32: string | undefined;
  signedHeaders: string[];
  body: Buffer;
}

/**
 * A few lines of S3: it starts multipart uploads and takes their parts, recording each part as
 * it arrived. Enough to see what the real SDK puts on the wire for the sink's parts.
 */
let server: Server;
let endpoint: string;
const parts: PartSeen[] = [];
/** Refuse parts sent unsigned, as an S3-compatible server that wants every byte signed may. */
let refuseUnsigned = false;
let refused = 0;

beforeEach(async () => {
  parts.splice(0);
  refuseUnsigned = false;
  refused = 0;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://s3');
      if (req.method === 'POST' && url.searchParams.has('uploads')) {
        res.setHeader('content-type', 'application/xml');
        res.end(
          '<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>',
        );
        return;
      }
      if (req.method === 'PUT' && url.searchParams.has('partNumber')) {
        const number = Number(url.searchParams.get('partNumber'));
        if (refuseUnsigned && req.headers['x-amz-content-sha256'] === 'UNSIGNED-PAYLOAD') {
          refused++;
          res.statusCode = 400;
          res.setHeader('content-type', 'application/xml');
          res.end('<Error><Code>InvalidRequest</Code><Message>Unsigned payload</Message></Error>');
          return;
        }
        const auth = String(req.headers.authorization ?? '');
        parts.push({
          number,
          contentSha256: req.headers['x-amz-content-sha256'] as string | undefined,
          checksumCrc32: req.headers['x-amz-checksum-crc32'] as string | undefined,
          signedHeaders: /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(';') ?? [],
          body: joined(chunks),
        });
        res.setHeader('etag', `"etag-${number}"`);
        res.end();
        return;
      }
      res.statusCode = 400;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

/** The chunks as one buffer, made with `Buffer.alloc`: the test counts `allocUnsafe` calls. */
function joined(chunks: Buffer[]): Buffer {
  const all = Buffer.alloc(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) at += c.copy(all, at);
  return all;
}

afterEach(async () => {
  vi.restoreAllMocks();
  await new Promise((resolve) => server.close(resolve));
});

function sink(unsignedParts: boolean) {
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' },
  });
  return new S3Sink(client, { bucket: 'b', sse: null, unsignedParts });
}

/** `parts` × 5 MiB of bytes that differ part to part (a reused buffer sent early would show). */
function bytesOf(count: number): Buffer {
  const all = Buffer.alloc(count * PART);
  for (let i = 0; i < all.length; i += 4096) all.writeUInt32LE((i * 2654435761) >>> 0, i);
  return all;
}

async function upload(unsignedParts: boolean, data: Buffer) {
  const staged = await sink(unsignedParts).stage('k');
  // Written as the gzip writer does: in pieces smaller than a part.
  for (let at = 0; at < data.length; at += 256 * 1024)
    await staged.write(data.subarray(at, at + 256 * 1024));
  return staged.seal();
}

const crcOf = (bytes: Buffer) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc32(bytes) >>> 0);
  return b.toString('base64');
};

describe('the parts of an S3 upload', () => {
  it('are signed without their bytes where the path is protected, still with a signed CRC-32', async () => {
    const data = bytesOf(2);
    await upload(true, data);
    expect(parts.map((p) => p.number).sort()).toEqual([1, 2]);
    for (const part of parts) {
      expect(part.contentSha256).toBe('UNSIGNED-PAYLOAD');
      expect(part.checksumCrc32).toBe(crcOf(part.body));
      expect(part.signedHeaders).toEqual(
        expect.arrayContaining(['x-amz-checksum-crc32', 'x-amz-content-sha256']),
      );
    }
  });

  it('carry the SHA-256 of their bytes in the signature otherwise', async () => {
    await upload(false, bytesOf(2));
    for (const part of parts) {
      expect(part.contentSha256).toBe(createHash('sha256').update(part.body).digest('hex'));
      expect(part.signedHeaders).toContain('x-amz-content-sha256');
    }
  });

  it('are sent signed, from the one refused on, to a server that wants them signed', async () => {
    refuseUnsigned = true;
    const data = bytesOf(3);
    const sealed = await upload(true, data);
    // Parts 1 and 2 go out together; each refused once at most, then every later one signed.
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(refused).toBeLessThanOrEqual(2);
    const sent = [...parts].sort((a, b) => a.number - b.number);
    expect(sent.map((p) => p.number)).toEqual([1, 2, 3]);
    for (const part of sent) expect(part.contentSha256).not.toBe('UNSIGNED-PAYLOAD');
    expect(Buffer.concat(sent.map((p) => p.body)).equals(data)).toBe(true);
    expect(sealed.bytes).toBe(data.length);
  });

  // Each part's buffer is filled again once S3 has taken it: a 2 GB hour would otherwise leave
  // 400 dead buffers outside V8's heap. Filled too early, a part would go out with the next
  // part's bytes — its CRC-32 and the joined bytes would show it.
  it('reuse the buffers of parts S3 has taken, and send every byte as written', async () => {
    const allocations = vi.spyOn(Buffer, 'allocUnsafe');
    const data = bytesOf(8);
    const sealed = await upload(true, data);
    const sent = [...parts].sort((a, b) => a.number - b.number);
    expect(sent.map((p) => p.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const part of sent) expect(part.checksumCrc32).toBe(crcOf(part.body));
    expect(Buffer.concat(sent.map((p) => p.body)).equals(data)).toBe(true);
    expect(sealed.bytes).toBe(data.length);
    // The sink's only: one being filled, two in flight (its queue), one on its way back — not one
    // a part.
    const partBuffers = allocations.mock.calls.filter(([size]) => size === PART).length;
    expect(partBuffers).toBeLessThanOrEqual(4);
  });
});
