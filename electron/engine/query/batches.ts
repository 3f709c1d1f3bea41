/**
 * The query copy of an hour's events, written beside its partitions: the exact bytes the JSON
 * files get are cut into batches of whole lines, each batch made into Parquet files (one per
 * event date) by the worker pool, and the files staged in the sink to be committed with the hour.
 *
 * A batch ends at the first line end at or past `batchBytes` of the hour's output, so the same
 * output gives the same batches, the same files and the same names (`#n`: the n-th file of this
 * upload hour in that date, in batch order), whatever the source's chunks or the number of
 * workers. At most one batch per worker is in flight, so memory stays bounded.
 */
import { createHash } from 'node:crypto';
import { queryEventObjectKey } from '../../../shared/model/query-format';
import type { StagedFile } from '../pipeline/event-types';
import { WorkerRefusal, type WorkerPool } from '../pipeline/pool';
import type { Sink } from '../sinks/types';
import { SourceError } from '../sources/types';
import type { QueryCopyFile } from './parquet-copy';

/** 32 MiB of NDJSON (~20k events) a batch: files of a few MB, two batches per worker in memory. */
export const QUERY_BATCH_BYTES = 32 * 1024 * 1024;

export interface QueryCopyOptions {
  pool: Pick<WorkerPool, 'size' | 'queryCopy'>;
  sink: Sink;
  hour: string;
  projectId: number;
  prefix: string;
  signal: AbortSignal;
  batchBytes?: number;
}

const VALUE_FIX =
  'The JSON files are as the source gave them; the query copy types every column (docs/query-copy.md). Correct the value at the source, or turn the query copy off for this connection.';

export class QueryCopyBatches {
  /** The copy's files, sealed, in the order they were written. */
  readonly objects: StagedFile[] = [];
  private readonly batchBytes: number;
  private buffer: Uint8Array;
  private used = 0;
  private firstLine = 1;
  private readonly inFlight: Promise<{ files: QueryCopyFile[]; input: ArrayBuffer }>[] = [];
  private readonly filesPerDate = new Map<string, number>();
  private readonly spare: ArrayBuffer[] = [];

  constructor(private readonly options: QueryCopyOptions) {
    this.batchBytes = options.batchBytes ?? QUERY_BATCH_BYTES;
    this.buffer = new Uint8Array(this.batchBytes);
  }

  /** Add bytes of the hour's output (synchronous; `drain` now and then). */
  write(src: Uint8Array, start: number, end: number): void {
    const bytes = Buffer.from(src.buffer, src.byteOffset, src.byteLength);
    while (start < end) {
      const room = this.batchBytes - this.used;
      if (end - start < room) return this.append(src, start, end);
      const cut = bytes.indexOf(0x0a, Math.max(start, start + room - 1));
      if (cut < 0 || cut >= end) return this.append(src, start, end);
      this.append(src, start, cut + 1);
      this.send();
      start = cut + 1;
    }
  }

  /** Wait while every worker has a batch of the copy. */
  async drain(): Promise<void> {
    while (this.inFlight.length >= this.options.pool.size) await this.stageOldest();
  }

  /** The last batch, then every file staged; returns them. */
  async finish(): Promise<StagedFile[]> {
    if (this.used > 0) this.send();
    while (this.inFlight.length > 0) await this.stageOldest();
    return this.objects;
  }

  /** Throw away every file staged and every batch in flight. */
  async abort(): Promise<void> {
    await Promise.allSettled(this.inFlight.splice(0));
    await Promise.allSettled(this.objects.map((o) => this.options.sink.discard(o.staged)));
  }

  private append(src: Uint8Array, start: number, end: number): void {
    const size = end - start;
    if (this.used + size > this.buffer.length) {
      // A line past the batch's size: the buffer grows to hold it whole.
      const bigger = new Uint8Array(Math.max(this.buffer.length * 2, this.used + size));
      bigger.set(this.buffer.subarray(0, this.used));
      this.buffer = bigger;
    }
    this.buffer.set(src.subarray(start, end), this.used);
    this.used += size;
  }

  private send(): void {
    const { buffer, used } = this;
    const bytes = Buffer.from(buffer.buffer, 0, used);
    let lines = 0;
    for (let at = bytes.indexOf(0x0a); at >= 0; at = bytes.indexOf(0x0a, at + 1)) lines++;
    const batch = this.options.pool.queryCopy(
      buffer.buffer as ArrayBuffer,
      used,
      this.options.hour,
      this.firstLine,
    );
    // Awaited in order by stageOldest, or settled by abort: a refusal never goes unhandled.
    batch.catch(() => undefined);
    this.inFlight.push(batch);
    this.firstLine += lines;
    const reuse = this.spare.pop();
    this.buffer = reuse ? new Uint8Array(reuse) : new Uint8Array(this.batchBytes);
    this.used = 0;
  }

  private async stageOldest(): Promise<void> {
    const { sink, signal, prefix, projectId, hour } = this.options;
    let batch: { files: QueryCopyFile[]; input: ArrayBuffer };
    try {
      batch = await this.inFlight.shift()!;
    } catch (error) {
      if (error instanceof WorkerRefusal)
        throw new SourceError(error.message, VALUE_FIX, { code: 'query-copy-value' });
      throw error;
    }
    if (batch.input.byteLength === this.batchBytes) this.spare.push(batch.input);
    for (const file of batch.files) {
      const n = (this.filesPerDate.get(file.eventDate) ?? 0) + 1;
      this.filesPerDate.set(file.eventDate, n);
      const key = queryEventObjectKey(prefix, projectId, file.eventDate, hour, n);
      const body = Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength);
      const object = await sink.stage(key, signal);
      try {
        await object.write(body);
        const staged = await object.seal();
        this.objects.push({
          key,
          bytes: body.length,
          rawBytes: body.length,
          events: file.rows,
          sha256: createHash('sha256').update(body).digest('hex'),
          etag: null,
          staged,
        });
      } catch (error) {
        await object.abort();
        throw error;
      }
    }
  }
}
