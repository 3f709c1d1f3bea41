import { createHash } from 'node:crypto';
import {
  epochOfTimestamp,
  hourIndex,
  hourOfTimestamp,
  MERGED_ID_FIELDS,
  type MergedId,
} from '../../../shared/model/export-format';
import { lineBlocks } from '../sources/lines';
import { SourceError, type SourceHour } from '../sources/types';
import type { Sink } from '../sinks/types';
import type { StagedFile } from './event-types';
import { GzipWriter, type Deflater } from './gzip';
import { EventScanner, VALUE } from '../format/scan';
import { mergedIdsQueryCopy } from '../query/parquet-copy';
import { QUERY_VALUE_FIX, QueryValueError } from '../query/rows';
import { stageWholeFile } from '../query/stage-file';

export interface MergedIdsExportOptions {
  hour: string;
  /** The opened hour of the project's source. */
  source: SourceHour;
  /** True when the source's streams may hold other hours (only this hour's lines count). */
  mixedHours: boolean;
  sink: Sink;
  pool: Deflater;
  /** `-<orgId>_<yyyy-MM-dd>_<H>.json.gz` under the prefix. */
  key: string;
  projectId: number;
  gzipLevel: number;
  /** Where the hour's query copy goes (docs/query-copy.md); null: the connection writes none. */
  queryKey?: string | null;
  signal: AbortSignal;
}

export interface MergedIdsExportResult {
  merges: number;
  /** True when the source had no merges of its own and they were derived from events. */
  derived: boolean;
  /**
   * What the merges were read from: the source's own merges, or the hour's readable events they
   * were derived from. 0 with no bad line: the source answered nothing at all for the hour.
   */
  read: number;
  /** Events that could not be read (derived merges only): the answer was not read whole. */
  badLines: number;
  /** The hour's file, sealed but not visible yet; null when the hour has no merges. */
  object: StagedFile | null;
  /** Its query copy, sealed likewise; null when the hour has no merges or no copy is wanted. */
  queryObject: StagedFile | null;
}

/**
 * Write one hour of merged Amplitude IDs as one staged file (none when the hour has none).
 *
 * Merges come from the source when it has them (demo, a files source with `merged_ids/`);
 * otherwise they are derived from the hour's events — see `deriveMerges` for the rule. Lines
 * are sorted (merge_server_time, amplitude_id, merged_amplitude_id) so output is repeatable.
 * Nothing becomes visible here: the hour's commit does that.
 */
export async function exportMergedIdsHour(
  options: MergedIdsExportOptions,
): Promise<MergedIdsExportResult> {
  const { sink, signal } = options;
  let merges = await options.source.mergedIds();
  const derived = merges === null;
  let read = merges?.length ?? 0;
  let badLines = 0;
  if (!merges) {
    const seen = await deriveMerges(
      options.source,
      options.mixedHours,
      options.hour,
      options.projectId,
      signal,
    );
    ({ merges, read, badLines } = seen);
  }
  signal.throwIfAborted();
  merges.sort(
    (a, b) =>
      a.merge_server_time - b.merge_server_time ||
      a.amplitude_id - b.amplitude_id ||
      a.merged_amplitude_id - b.merged_amplitude_id,
  );
  if (merges.length === 0)
    return { merges: 0, derived, read, badLines, object: null, queryObject: null };

  const object = await stageJson(options, merges);
  let queryObject: StagedFile | null = null;
  try {
    if (options.queryKey) queryObject = await stageQueryCopy(options, options.queryKey, merges);
  } catch (error) {
    await sink.discard(object.staged);
    throw error;
  }
  return { merges: merges.length, derived, read, badLines, object, queryObject };
}

/** The hour's JSON file (gzipped NDJSON, the export's field order), staged. */
async function stageJson(options: MergedIdsExportOptions, merges: MergedId[]): Promise<StagedFile> {
  const { sink, key, signal } = options;
  const writer = await sink.stage(key, signal);
  const hash = createHash('sha256');
  let compressed = 0;
  const gzip = new GzipWriter(options.pool, options.gzipLevel, async (bytes) => {
    hash.update(bytes);
    compressed += bytes.length;
    await writer.write(bytes);
  });
  try {
    for (const merge of merges) {
      const line: Record<string, number> = {};
      for (const field of MERGED_ID_FIELDS) line[field] = merge[field];
      gzip.write(Buffer.from(`${JSON.stringify(line)}\n`));
      await gzip.drain();
    }
    const { rawBytes } = await gzip.finish();
    signal.throwIfAborted();
    const staged = await writer.seal();
    return {
      key,
      bytes: compressed,
      rawBytes,
      events: merges.length,
      sha256: hash.digest('hex'),
      etag: null,
      staged,
    };
  } catch (error) {
    await gzip.discard();
    await writer.abort();
    throw error;
  }
}

/** The merges' query copy (one Parquet file), staged beside the JSON file. */
async function stageQueryCopy(
  options: MergedIdsExportOptions,
  key: string,
  merges: MergedId[],
): Promise<StagedFile> {
  let bytes: Uint8Array;
  try {
    bytes = mergedIdsQueryCopy(merges, options.hour);
  } catch (error) {
    if (!(error instanceof QueryValueError)) throw error;
    throw new SourceError(`${error.message} (merged Amplitude IDs)`, QUERY_VALUE_FIX, {
      code: 'query-copy-value',
    });
  }
  return stageWholeFile(options.sink, key, bytes, merges.length, options.signal);
}

/** Merges seen in one hour of events, and how well the events could be read. */
export interface DerivedMerges {
  merges: MergedId[];
  /** Readable events of the hour. */
  read: number;
  /** Lines that are not a JSON object, or (in a stream of several hours) have no hour. */
  badLines: number;
}

/**
 * Merges seen in one hour of events, for sources that do not provide them.
 *
 * Rule: within the hour, a `user_id` seen with more than one `amplitude_id` was merged. The
 * smallest of its ids (Amplitude assigns ids in increasing order, so the oldest) is the id the
 * others were merged into: one line per other id, with `amplitude_id` = the smallest,
 * `merged_amplitude_id` = the other, `merge_time` / `merge_server_time` = `event_time` /
 * `server_upload_time` of the first event carrying the other id, `scope` = the project id.
 * Merges whose ids never meet in the same hour are not seen; use a source with merge data
 * (a `merged_ids/` folder) when that matters. See docs/pipeline.md.
 *
 * Bad lines are counted as the events export counts them (a line without an hour in a stream
 * of several hours only with the hour the stream reports them for), so that merges derived from
 * an answer that could not be read whole never replace an exported file (`replace-rule.ts`).
 */
export async function deriveMerges(
  source: SourceHour,
  mixedHours: boolean,
  hour: string,
  projectId: number,
  signal: AbortSignal,
): Promise<DerivedMerges> {
  const wanted = hourIndex(hour);
  let read = 0;
  let badLines = 0;
  const scanner = new EventScanner();
  const users = new Map<string, Map<number, { time: number; serverTime: number }>>();
  for await (const stream of source.events()) {
    const reportHourless = stream.reportHourless ?? true;
    try {
      for await (const block of lineBlocks(stream.chunks)) {
        signal.throwIfAborted();
        const buf = Buffer.from(block.buf.buffer, block.buf.byteOffset, block.buf.byteLength);
        for (let k = 0; k < block.starts.length; k++) {
          const start = block.starts[k]!;
          const end = block.ends[k]!;
          if (isBlank(buf, start, end)) continue;
          const ids = readIds(scanner, buf, start, end);
          if (ids === 'bad') {
            // Not an event, so no hour either: in a stream of several hours, one reports it.
            if (!mixedHours || reportHourless) badLines++;
            continue;
          }
          if (mixedHours) {
            const at = ids.serverTime === null ? null : hourOfTimestamp(ids.serverTime);
            if (at === null) {
              if (reportHourless) badLines++;
              continue;
            }
            if (at !== wanted) continue;
          }
          read++;
          if (ids.userId === null || ids.amplitudeId === null || ids.serverTime === null) continue;
          let seen = users.get(ids.userId);
          if (!seen) users.set(ids.userId, (seen = new Map()));
          if (!seen.has(ids.amplitudeId))
            seen.set(ids.amplitudeId, {
              time: ids.time ?? ids.serverTime,
              serverTime: ids.serverTime,
            });
        }
      }
    } finally {
      await stream.close?.();
    }
  }
  const merges: MergedId[] = [];
  for (const seen of users.values()) {
    if (seen.size < 2) continue;
    const original = Math.min(...seen.keys());
    for (const [id, first] of seen) {
      if (id === original) continue;
      merges.push({
        scope: projectId,
        merge_time: first.time,
        merge_server_time: first.serverTime,
        amplitude_id: original,
        merged_amplitude_id: id,
      });
    }
  }
  return { merges, read, badLines };
}

/** Whether a line holds only white space (as the events export skips it). */
function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

interface EventIds {
  userId: string | null;
  amplitudeId: number | null;
  time: number | null;
  serverTime: number | null;
}

/** The ids and times of one event line, or 'bad' when the line is not a JSON object. */
function readIds(s: EventScanner, buf: Buffer, start: number, end: number): EventIds | 'bad' {
  let event: Record<string, unknown>;
  if (s.scan(buf, start, end) && !s.keyEscaped) {
    const get = (slot: number): unknown => {
      const from = s.valueStart[slot]!;
      return from < 0 ? undefined : JSON.parse(buf.toString('utf8', from, s.valueEnd[slot]));
    };
    event = {
      user_id: get(VALUE.userId),
      amplitude_id: get(VALUE.amplitudeId),
      event_time: get(VALUE.eventTime),
      server_upload_time: get(VALUE.serverUploadTime),
    };
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(buf.toString('utf8', start, end));
    } catch {
      return 'bad';
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'bad';
    event = parsed as Record<string, unknown>;
  }
  return {
    userId: typeof event.user_id === 'string' && event.user_id !== '' ? event.user_id : null,
    amplitudeId: typeof event.amplitude_id === 'number' ? event.amplitude_id : null,
    time: epochOfTimestamp(event.event_time),
    serverTime: epochOfTimestamp(event.server_upload_time),
  };
}
