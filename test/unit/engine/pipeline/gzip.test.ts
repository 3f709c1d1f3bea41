import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32Combine } from '../../../../electron/engine/pipeline/crc32';
import { FingerprintSet } from '../../../../electron/engine/pipeline/dedupe';
import { GzipWriter, type Deflater } from '../../../../electron/engine/pipeline/gzip';
import { WorkerPool } from '../../../../electron/engine/pipeline/pool';

const pools = [new WorkerPool(1), new WorkerPool(3)];
afterAll(() => Promise.all(pools.map((p) => p.close())));

async function gzipWith(
  pool: WorkerPool,
  data: Buffer,
  chunkSize: number,
  pieces = 7,
): Promise<Buffer> {
  const out: Buffer[] = [];
  // Copied: the writer fills the same output buffers again once the callback resolves.
  const writer = new GzipWriter(pool, 6, async (b) => void out.push(Buffer.from(b)), chunkSize);
  const step = Math.max(1, Math.ceil(data.length / pieces));
  for (let i = 0; i < data.length; i += step) {
    writer.write(data, i, Math.min(data.length, i + step));
    await writer.drain();
  }
  const { rawBytes, crc32 } = await writer.finish();
  expect(rawBytes).toBe(data.length);
  expect(crc32).toBe(zlib.crc32(data));
  return Buffer.concat(out);
}

/** Text that compresses like events do: repeated structure, random ids. */
function sample(bytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `{"n":${i},"id":"${randomBytes(12).toString('hex')}","type":"page_view","path":"/docs/${i % 97}"}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

describe('parallel gzip', () => {
  it.each([0, 1, 100, 32 * 1024, 64 * 1024 + 17, 300_000])(
    'writes a standard gzip of %i bytes that gunzip reads back',
    async (size) => {
      const data = sample(size);
      const gz = await gzipWith(pools[1]!, data, 64 * 1024);
      expect(zlib.gunzipSync(gz).equals(data)).toBe(true);
      expect(execFileSync('gzip', ['-dc'], { input: gz }).equals(data)).toBe(true);
      expect(gz.subarray(0, 10)).toEqual(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]));
    },
  );

  it('gives byte-identical files whatever the number of workers or how bytes arrive', async () => {
    const data = sample(700_000);
    const a = await gzipWith(pools[0]!, data, 64 * 1024, 3);
    const b = await gzipWith(pools[1]!, data, 64 * 1024, 41);
    expect(a.equals(b)).toBe(true);
  });

  it('compresses about as well as one stream', async () => {
    const data = sample(2_000_000);
    const parallel = await gzipWith(pools[1]!, data, 256 * 1024);
    const single = zlib.gzipSync(data, { level: 6 });
    expect(parallel.length).toBeLessThan(single.length * 1.02);
  });

  it('fills a few output buffers again and again instead of one new buffer per chunk', async () => {
    const pool = pools[1]!;
    // Buffers come back from a worker as new objects over the same memory: a buffer given to a
    // deflate is reused when it is one an earlier deflate handed back.
    const handedBack = new WeakSet<ArrayBuffer>();
    let fresh = 0;
    let given = 0;
    const counting: Deflater = {
      size: pool.size,
      async deflate(input, length, dictionary, level, finish, output) {
        given++;
        if (output && !handedBack.has(output)) fresh++;
        const done = await pool.deflate(input, length, dictionary, level, finish, output);
        handedBack.add(done.outputBuffer);
        if (done.unused) handedBack.add(done.unused);
        return done;
      },
    };
    const out: Buffer[] = [];
    const writer = new GzipWriter(
      counting,
      6,
      async (b) => void out.push(Buffer.from(b)),
      64 * 1024,
    );
    const data = sample(4 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 100_000) {
      writer.write(data, i, Math.min(data.length, i + 100_000));
      await writer.drain();
    }
    await writer.finish();
    expect(zlib.gunzipSync(Buffer.concat(out)).equals(data)).toBe(true);
    expect(given).toBeGreaterThan(60);
    // No more new buffers than can be in flight at once (and one being filled).
    expect(fresh).toBeLessThanOrEqual(pool.size * 2 + 2);
  });

  it('combines CRC-32s as zlib does', () => {
    const a = randomBytes(1000);
    const b = randomBytes(123_457);
    expect(crc32Combine(zlib.crc32(a), zlib.crc32(b), b.length)).toBe(
      zlib.crc32(Buffer.concat([a, b])),
    );
    expect(crc32Combine(zlib.crc32(a), 0, 0)).toBe(zlib.crc32(a));
  });
});

describe('the fingerprint set', () => {
  it('answers first-seen and duplicate across growth', () => {
    const set = new FingerprintSet();
    for (let i = 0; i < 200_000; i++) expect(set.add(i * 2654435761, i ^ 0x5bd1e995)).toBe(true);
    for (let i = 0; i < 200_000; i += 997)
      expect(set.add(i * 2654435761, i ^ 0x5bd1e995)).toBe(false);
    expect(set.size).toBe(200_000);
    expect(set.add(0, 0)).toBe(true); // the empty-slot marker is still a storable id
    expect(set.add(0, 0)).toBe(false);
  });

  // Growing by 15% rehashes every fingerprint ~7 times over an hour: a source that knows its
  // count (a files index) sizes the tables once. (Seen: without the size, bytes grow here.)
  it('sized for an expected count, holds that many without growing, and grows past it', () => {
    // Fingerprints are hashes: spread over the tables as ids' hashes are.
    const mix = (x: number) => {
      x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
      x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
      return (x ^ (x >>> 16)) >>> 0;
    };
    const add = (set: FingerprintSet, i: number) => set.add(mix(i), mix(i + 0x9e3779b9));
    const expected = 300_000;
    const set = new FingerprintSet(expected);
    const start = set.bytes;
    expect(start).toBeLessThan(expected * 9); // ~8 bytes a fingerprint
    for (let i = 0; i < expected; i++) expect(add(set, i)).toBe(true);
    expect(set.bytes).toBe(start);
    for (let i = 0; i < expected; i += 97) expect(add(set, i)).toBe(false);
    for (let i = expected; i < 2 * expected; i++) expect(add(set, i)).toBe(true);
    expect(set.bytes).toBeGreaterThan(start);
    expect(set.size).toBe(2 * expected);
    // A small count takes no more than a set sized for none.
    expect(new FingerprintSet(1_000).bytes).toBe(new FingerprintSet().bytes);
    // An absurd count does not take absurd memory: it is capped (~130 MB).
    expect(new FingerprintSet(1e12).bytes).toBeLessThan(140 * 1024 * 1024);
  });
});
