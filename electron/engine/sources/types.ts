import type { MergedId } from '../../../shared/model/export-format';

/** One named stream of NDJSON bytes (a file, a zip entry, a generated hour). */
export interface NamedStream {
  /** Shown with line numbers when a line is bad, e.g. `exports/2020-01-25.json.gz`. */
  name: string;
  chunks: AsyncIterable<Uint8Array>;
  /**
   * For plain files: read the next bytes straight into `target[offset, offset + length)` and
   * return how many (0 at the end). Lets the pipeline skip a copy; `chunks` is then unused.
   */
  readInto?(target: Uint8Array, offset: number, length: number): Promise<number>;
  /** Release what the stream holds open (called after the last read, or on failure). */
  close?(): Promise<void>;
}

/**
 * Where a project's events come from. Each source yields one UTC hour (of `server_upload_time`)
 * at a time, as NDJSON byte streams in a fixed order, so the same hour always reads the same.
 */
export interface EventSource {
  readonly kind: 'demo' | 'files' | 'amplitude';
  /** How long after an hour ends its data is complete (the scheduler waits this long). */
  readonly settleDelayMs: number;
  /** True when streams may hold other hours too; the pipeline then keeps only this hour's lines. */
  readonly mixedHours: boolean;
  /** The hour's events (`hour` is `yyyy-MM-ddTHH`). */
  events(hour: string, signal: AbortSignal): AsyncIterable<NamedStream>;
  /**
   * The hour's merged Amplitude IDs when the source has them (by `merge_server_time`); null
   * when it does not, and the pipeline derives them from the hour's events instead.
   */
  mergedIds(hour: string, signal: AbortSignal): Promise<MergedId[] | null>;
}

/** A problem with the source itself (missing folder, refused API key): not worth retrying as is. */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly fix: string | null = null,
    readonly transient = false,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}
