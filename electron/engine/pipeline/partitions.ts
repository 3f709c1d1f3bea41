import { createHash, type Hash } from 'node:crypto';
import type { StagedObject } from '../sinks/types';
import type { QueryCopyBatches } from '../query/batches';
import type { EventsExportOptions, StagedFile } from './event-types';
import { GzipWriter } from './gzip';

const NEWLINE = Buffer.from('\n');

interface OpenPartition {
  key: string;
  writer: StagedObject;
  gzip: GzipWriter;
  hash: Hash;
  compressed: number;
  events: number;
}

/** The hour's output files: `#1`, `#2`, … each at most `partitionBytes` uncompressed. */
export class Partitions {
  readonly objects: StagedFile[] = [];
  compressedBytes = 0;
  private closedRaw = 0;
  private open: OpenPartition | null = null;
  /** Consecutive complete lines of one block not copied yet: copied in one go, not line by line. */
  private run: { buf: Uint8Array; start: number; end: number; events: number } | null = null;

  constructor(
    private readonly options: Pick<
      EventsExportOptions,
      'sink' | 'pool' | 'objectKey' | 'partitionBytes' | 'gzipLevel' | 'signal'
    >,
    /** Gets every byte the partitions get, in order (the query copy). */
    private readonly copy: Pick<QueryCopyBatches, 'write' | 'drain'> | null = null,
  ) {}

  get rawBytes(): number {
    return this.closedRaw + (this.open?.gzip.size ?? 0);
  }

  /**
   * Write one line (`buf[start, end)` + optional suffix + newline), starting a new file when
   * full. Synchronous unless a file has to be closed or opened: then it returns a promise.
   */
  line(
    buf: Uint8Array,
    start: number,
    end: number,
    suffix: Buffer | null,
  ): Promise<void> | undefined {
    const part = this.open;
    const size = end - start + (suffix?.length ?? 0) + 1;
    const used = part ? part.gzip.size + (this.run ? this.run.end - this.run.start : 0) : 0;
    if (!part || (used > 0 && used + size > this.options.partitionBytes))
      return this.lineInNewFile(buf, start, end, suffix);
    if (!suffix && buf[end] === 0x0a) {
      // The line and its own newline, joined to the run of lines before it when they touch.
      const run = this.run;
      if (run && run.buf === buf && run.end === start) {
        run.end = end + 1;
        run.events++;
      } else {
        this.flush();
        this.run = { buf, start, end: end + 1, events: 1 };
      }
      return undefined;
    }
    this.flush();
    part.gzip.write(buf, start, end);
    if (suffix) part.gzip.write(suffix);
    part.gzip.write(NEWLINE);
    if (this.copy) {
      this.copy.write(buf, start, end);
      if (suffix) this.copy.write(suffix, 0, suffix.length);
      this.copy.write(NEWLINE, 0, 1);
    }
    part.events++;
    return undefined;
  }

  /** Copy the pending run of lines; call before the block they live in is reused. */
  flush(): void {
    const run = this.run;
    if (!run || !this.open) return;
    this.run = null;
    this.open.gzip.write(run.buf, run.start, run.end);
    this.copy?.write(run.buf, run.start, run.end);
    this.open.events += run.events;
  }

  private async lineInNewFile(
    buf: Uint8Array,
    start: number,
    end: number,
    suffix: Buffer | null,
  ): Promise<void> {
    this.flush();
    if (this.open) await this.close(this.open);
    await this.start();
    await this.line(buf, start, end, suffix);
  }

  async drain(): Promise<void> {
    this.flush();
    await this.open?.gzip.drain();
    await this.copy?.drain();
  }

  async finish(): Promise<void> {
    this.flush();
    if (this.open) await this.close(this.open);
  }

  /** Throw away every partition of the hour: the open one and the ones already sealed. */
  async abort(): Promise<void> {
    this.run = null;
    const part = this.open;
    this.open = null;
    if (part) {
      await part.gzip.discard();
      await part.writer.abort();
    }
    await Promise.allSettled(this.objects.map((o) => this.options.sink.discard(o.staged)));
  }

  private async start(): Promise<OpenPartition> {
    const key = this.options.objectKey(this.objects.length + 1);
    const writer = await this.options.sink.stage(key, this.options.signal);
    const hash = createHash('sha256');
    const part: OpenPartition = {
      key,
      writer,
      hash,
      compressed: 0,
      events: 0,
      gzip: null as unknown as GzipWriter,
    };
    part.gzip = new GzipWriter(this.options.pool, this.options.gzipLevel, async (bytes) => {
      hash.update(bytes);
      part.compressed += bytes.length;
      await writer.write(bytes);
    });
    this.open = part;
    return part;
  }

  private async close(part: OpenPartition): Promise<void> {
    const { rawBytes } = await part.gzip.finish();
    const staged = await part.writer.seal();
    this.open = null;
    this.objects.push({
      key: part.key,
      bytes: part.compressed,
      rawBytes,
      events: part.events,
      sha256: part.hash.digest('hex'),
      etag: null,
      staged,
    });
    this.compressedBytes += part.compressed;
    this.closedRaw += rawBytes;
  }
}
