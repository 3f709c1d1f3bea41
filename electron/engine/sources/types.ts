import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
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
  /**
   * Whether lines without a readable hour count as bad lines in this hour's export (default
   * true). A file spanning many hours is read for each of them; its hourless lines are reported
   * with one hour only, not once per hour.
   */
  reportHourless?: boolean;
}

/**
 * One hour of a source, opened once per export: whatever it needs (an Amplitude download) is
 * fetched once and read as often as the hour's datasets need. Every read throws when the
 * export's signal aborts — a source never ends quietly part-way.
 */
export interface SourceHour {
  /** The hour's events as named streams, in a fixed order (may be read more than once). */
  events(): AsyncIterable<NamedStream>;
  /**
   * The hour's merged Amplitude IDs when the source has them (by `merge_server_time`); null
   * when it does not, and the pipeline derives them from the hour's events instead.
   */
  mergedIds(): Promise<MergedId[] | null>;
  /** Remove what opening fetched (a downloaded zip). */
  close(): Promise<void>;
  /**
   * How many lines of this hour its streams hold, when the source knows it without reading them
   * (a files index counts them): sizes the de-duplication memory once. Never a promise about
   * the export — only a hint; absent when not known.
   */
  expectedLines?: number;
}

/**
 * Where a project's events come from. Each source gives one UTC hour (of `server_upload_time`)
 * at a time, as NDJSON byte streams in a fixed order, so the same hour always reads the same.
 *
 * An hour without data is only ever reported by the source's own answer (an empty folder, an
 * Amplitude "no data" reply): anything ambiguous is an error, never an empty hour.
 */
export interface EventSource {
  readonly kind: 'demo' | 'files' | 'amplitude';
  /** How long after an hour ends its data is complete (the scheduler waits this long). */
  readonly settleDelayMs: number;
  /** True when streams may hold other hours too; the pipeline then keeps only this hour's lines. */
  readonly mixedHours: boolean;
  /** Open the hour (`yyyy-MM-ddTHH`) for reading. */
  open(hour: string, signal: AbortSignal): Promise<SourceHour>;
}

/** How a source problem is treated: its code names it; transient ones are retried later. */
export interface SourceErrorOptions {
  /** A short name for the problem (`too-large`, `corrupt`, `endpoint`, …); `source` by default. */
  code?: string;
  /** Worth retrying as is (network, throttling, a service hiccup). */
  transient?: boolean;
}

/** A problem with the source itself (missing folder, refused API key), with what to do about it. */
export class SourceError extends Error {
  readonly code: string;
  readonly transient: boolean;

  constructor(
    message: string,
    readonly fix: string | null = null,
    options: SourceErrorOptions = {},
  ) {
    super(message);
    this.name = 'SourceError';
    this.code = options.code ?? 'source';
    this.transient = options.transient ?? false;
  }
}

/**
 * A stream's bytes gunzipped. Joined by `pipeline`, not `pipe`: an error of the source (a file
 * gone, a broken zip entry) must fail the reader, not reach no listener and end the process.
 */
export function gunzipped(raw: Readable): Readable {
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  pipeline(raw, gunzip, () => undefined);
  return gunzip;
}

/** Wrap a stream's chunks so any failure while reading names the stream it happened in. */
export async function* namedFailures(
  chunks: AsyncIterable<Uint8Array>,
  describe: (error: Error) => Error,
): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of chunks) yield chunk;
  } catch (error) {
    throw describe(error as Error);
  }
}
