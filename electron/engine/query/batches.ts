/**
 * The query copy of an hour's events, written beside its partitions: the exact bytes the JSON
 * files get go, in chunks of whole lines, to a worker thread of the copy's own, which makes them
 * into Parquet row groups as they come; every `fileBytes` of the hour's output it closes one file
 * per event date, and this thread stages those in the sink, to be committed with the hour.
 *
 * A chunk ends at the first line end at or past `chunkBytes` of the hour's output, and files
 * close after the chunk that reaches `fileBytes`, so the same output gives the same files and
 * names (`#n`: the n-th file of this upload hour in that date), whatever pieces the bytes came in.
 * At most `MAX_IN_FLIGHT` chunks wait for the worker, and it holds one row group per date: memory
 * stays bounded whatever the hour's size.
 */
import { queryEventObjectKey } from '../../../shared/model/query-format';
import type { StagedFile } from '../pipeline/event-types';
import { WorkerPool, WorkerRefusal } from '../pipeline/pool';
import type { Sink } from '../sinks/types';
import { SourceError } from '../sources/types';
import type { QueryCopyFile } from './parquet-copy';
import { QUERY_VALUE_FIX } from './rows';
import { stageWholeFile } from './stage-file';

/** Lines go to the worker 4 MiB at a time. */
export const QUERY_CHUNK_BYTES = 4 * 1024 * 1024;
/** 256 MiB of NDJSON (~170k events) a file set: Parquet files of tens of MB, as Athena likes. */
export const QUERY_FILE_BYTES = 128 * 1024 * 1024;
const MAX_IN_FLIGHT = 3;
/**
 * The worker parses every line: a young generation of 8 MiB ran ~20% faster than the pool's
 * 2 MiB at the same peak (200k events); 48 MiB raised the peak by ~70 MB.
 */
const COPY_WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

export interface QueryCopyOptions {
  sink: Sink;
  hour: string;
  projectId: number;
  prefix: string;
  signal: AbortSignal;
  chunkBytes?: number;
  fileBytes?: number;
}

type Step = Promise<{ input: ArrayBuffer } | { files: QueryCopyFile[] }>;

export class QueryCopyBatches {
  /** The copy's files, sealed, in the order they were written. */
  readonly objects: StagedFile[] = [];
  private readonly chunkBytes: number;
  /**
   * A chunk buffer's size: a chunk ends at the first line end at or past `chunkBytes`, so it
   * holds that much and the line crossing it. A buffer of this size comes back for reuse (one
   * that had to grow for a longer line does not).
   */
  private readonly capacity: number;
  private readonly fileBytes: number;
  private readonly worker = new WorkerPool(1, COPY_WORKER_LIMITS);
  private buffer: Uint8Array;
  private used = 0;
  private firstLine = 1;
  private sinceFiles = 0;
  private readonly steps: Step[] = [];
  private readonly filesPerDate = new Map<string, number>();
  private readonly spare: ArrayBuffer[] = [];

  constructor(private readonly options: QueryCopyOptions) {
    this.chunkBytes = options.chunkBytes ?? QUERY_CHUNK_BYTES;
    this.fileBytes = options.fileBytes ?? QUERY_FILE_BYTES;
    this.capacity = 2 * this.chunkBytes;
    this.buffer = new Uint8Array(this.capacity);
  }

  /** Add bytes of the hour's output (synchronous; `drain` now and then). */
  write(src: Uint8Array, start: number, end: number): void {
    const bytes = Buffer.from(src.buffer, src.byteOffset, src.byteLength);
    while (start < end) {
      const room = this.chunkBytes - this.used;
      if (end - start < room) return this.append(src, start, end);
      const cut = bytes.indexOf(0x0a, Math.max(start, start + room - 1));
      if (cut < 0 || cut >= end) return this.append(src, start, end);
      this.append(src, start, cut + 1);
      this.send();
      start = cut + 1;
    }
  }

  /** Wait while the worker has enough to do. */
  async drain(): Promise<void> {
    while (this.steps.length >= MAX_IN_FLIGHT) await this.next();
  }

  /** The last lines and files, every file staged; returns them. */
  async finish(): Promise<StagedFile[]> {
    try {
      if (this.used > 0) this.send();
      if (this.sinceFiles > 0) this.closeFiles();
      while (this.steps.length > 0) await this.next();
    } finally {
      await this.worker.close();
    }
    return this.objects;
  }

  /** Throw away every file staged and everything the worker holds. */
  async abort(): Promise<void> {
    // Dropped, not awaited (each has its catch): a task the closing worker ran never answers.
    this.steps.length = 0;
    await this.worker.close();
    await Promise.allSettled(this.objects.map((o) => this.options.sink.discard(o.staged)));
  }

  private append(src: Uint8Array, start: number, end: number): void {
    const size = end - start;
    if (this.used + size > this.buffer.length) {
      // A line past the chunk's size: the buffer grows to hold it whole.
      const bigger = new Uint8Array(Math.max(this.buffer.length * 2, this.used + size));
      bigger.set(this.buffer.subarray(0, this.used));
      this.buffer = bigger;
    }
    this.buffer.set(src.subarray(start, end), this.used);
    this.used += size;
  }

  /** The chunk to the worker; after the chunk that reaches `fileBytes`, its files close. */
  private send(): void {
    const { buffer, used } = this;
    const bytes = Buffer.from(buffer.buffer, 0, used);
    let lines = 0;
    for (let at = bytes.indexOf(0x0a); at >= 0; at = bytes.indexOf(0x0a, at + 1)) lines++;
    const hour = this.options.hour;
    this.queue(
      this.worker
        .queryLines(buffer.buffer as ArrayBuffer, used, hour, this.firstLine)
        .then((input) => ({ input })),
    );
    this.firstLine += lines;
    this.sinceFiles += used;
    const reuse = this.spare.pop();
    this.buffer = reuse ? new Uint8Array(reuse) : new Uint8Array(this.capacity);
    this.used = 0;
    if (this.sinceFiles >= this.fileBytes) this.closeFiles();
  }

  private closeFiles(): void {
    this.queue(this.worker.queryFinish().then((files) => ({ files })));
    this.sinceFiles = 0;
  }

  private queue(step: Step): void {
    // Awaited in order by `next`, or settled by abort: a refusal never goes unhandled.
    step.catch(() => undefined);
    this.steps.push(step);
  }

  private async next(): Promise<void> {
    let done: Awaited<Step>;
    try {
      done = await this.steps.shift()!;
    } catch (error) {
      if (error instanceof WorkerRefusal)
        throw new SourceError(error.message, QUERY_VALUE_FIX, { code: 'query-copy-value' });
      throw error;
    }
    if ('input' in done) {
      if (done.input.byteLength === this.capacity) this.spare.push(done.input);
      return;
    }
    for (const file of done.files) await this.stage(file);
  }

  private async stage(file: QueryCopyFile): Promise<void> {
    const { sink, signal, prefix, projectId, hour } = this.options;
    const n = (this.filesPerDate.get(file.eventDate) ?? 0) + 1;
    this.filesPerDate.set(file.eventDate, n);
    const key = queryEventObjectKey(prefix, projectId, file.eventDate, hour, n);
    this.objects.push(await stageWholeFile(sink, key, file.bytes, file.rows, signal));
  }
}
