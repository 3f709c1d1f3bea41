import { crc32Combine } from './crc32';
import type { Deflated } from './pool';

/** What compresses chunks: the worker pool (or anything with the same two members). */
export interface Deflater {
  readonly size: number;
  deflate(
    input: ArrayBuffer,
    length: number,
    dictionary: Uint8Array | null,
    level: number,
    finish: boolean,
    output?: ArrayBuffer | null,
  ): Promise<Deflated>;
}

const WINDOW = 32 * 1024;
/** Chunk size: also fixes where chunk borders fall, so it is part of what makes output repeatable. */
export const DEFAULT_CHUNK = 1024 * 1024;

/**
 * One gzip file written from many chunks compressed in parallel, like pigz.
 *
 * Each chunk is raw-deflated with the previous chunk's last 32 KiB as its dictionary and ends
 * on a byte boundary; the pieces are joined in order between a fixed header and the CRC-32 and
 * length trailer (the workers checksum their chunks; the CRCs are combined here). The result is
 * a standard single-member gzip that any gunzip reads, and the same bytes in give the same file
 * out, whatever the number of workers (chunk borders depend only on byte offsets; the header
 * carries no time or OS). Chunk buffers travel to a worker and back, and are filled again; so
 * do the output buffers, so `output` must be done with the bytes it is given when it resolves
 * (copy them to keep them).
 */
export class GzipWriter {
  private chunk: Uint8Array;
  private used = 0;
  private dictionary: Uint8Array | null = null;
  private crc = 0;
  private rawBytes = 0;
  private readonly pending: { result: Promise<Deflated>; length: number }[] = [];
  private readonly spare: ArrayBuffer[] = [];
  /** Output buffers back from the workers, written out and free to fill again. */
  private readonly spareOutput: ArrayBuffer[] = [];
  private started = false;

  constructor(
    private readonly pool: Deflater,
    private readonly level: number,
    private readonly output: (bytes: Buffer) => Promise<void>,
    private readonly chunkSize = DEFAULT_CHUNK,
    private readonly maxInFlight = pool.size * 2,
  ) {
    this.chunk = new Uint8Array(chunkSize);
  }

  /** Uncompressed bytes written so far. */
  get size(): number {
    return this.rawBytes + this.used;
  }

  /** Add bytes; synchronous so a loop over lines stays cheap. Call `drain` now and then. */
  write(bytes: Uint8Array, start = 0, end = bytes.length): void {
    while (start < end) {
      const n = Math.min(end - start, this.chunkSize - this.used);
      this.chunk.set(bytes.subarray(start, start + n), this.used);
      this.used += n;
      start += n;
      if (this.used === this.chunkSize) this.flushChunk(false);
    }
  }

  /** Wait until no more than the allowed number of chunks are in flight, writing out results. */
  async drain(limit = this.maxInFlight): Promise<void> {
    if (!this.started) {
      this.started = true;
      await this.output(gzipHeader(this.level));
    }
    while (this.pending.length > limit) {
      const { result, length } = this.pending.shift()!;
      const done = await result;
      this.crc = crc32Combine(this.crc, done.crc, length);
      if (done.input.byteLength === this.chunkSize && this.spare.length < this.maxInFlight)
        this.spare.push(done.input);
      if (done.unused) this.keepOutput(done.unused);
      await this.output(done.output);
      // Written (the sinks copy or write before they resolve): the buffer may be filled again.
      this.keepOutput(done.outputBuffer);
    }
  }

  /** Compress what is left, write the trailer; returns the uncompressed size and CRC. */
  async finish(): Promise<{ rawBytes: number; crc32: number }> {
    this.flushChunk(true);
    await this.drain(0);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.rawBytes % 2 ** 32, 4);
    await this.output(trailer);
    return { rawBytes: this.rawBytes, crc32: this.crc >>> 0 };
  }

  /** Drop whatever is in flight (after a failure); results are awaited so no worker is left busy. */
  async discard(): Promise<void> {
    await Promise.allSettled(this.pending.splice(0).map((p) => p.result));
  }

  private keepOutput(buffer: ArrayBuffer): void {
    if (buffer.byteLength === this.chunkSize && this.spareOutput.length <= this.maxInFlight)
      this.spareOutput.push(buffer);
  }

  private flushChunk(finish: boolean): void {
    const length = this.used;
    const data = this.chunk.subarray(0, length);
    const nextDictionary =
      length >= WINDOW ? data.slice(length - WINDOW) : concatTail(this.dictionary, data);
    this.pending.push({
      result: this.pool.deflate(
        this.chunk.buffer as ArrayBuffer,
        length,
        this.dictionary,
        this.level,
        finish,
        // As big as a chunk: deflate output fits unless the chunk does not compress.
        this.spareOutput.pop() ?? new ArrayBuffer(this.chunkSize),
      ),
      length,
    });
    this.rawBytes += length;
    this.dictionary = nextDictionary;
    const spare = this.spare.pop();
    this.chunk = spare ? new Uint8Array(spare) : new Uint8Array(this.chunkSize);
    this.used = 0;
  }
}

/** The last 32 KiB of `previous + data`, for chunks smaller than the window. */
function concatTail(previous: Uint8Array | null, data: Uint8Array): Uint8Array {
  const joined = new Uint8Array((previous?.length ?? 0) + data.length);
  if (previous) joined.set(previous, 0);
  joined.set(data, previous?.length ?? 0);
  return joined.length > WINDOW ? joined.slice(joined.length - WINDOW) : joined;
}

/** A fixed gzip header: no name, no time, OS "unknown" — so output never depends on when or where. */
function gzipHeader(level: number): Buffer {
  const xfl = level >= 9 ? 2 : level <= 1 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, xfl, 0xff]);
}
