import { createHash } from 'node:crypto';
import {
  epochOfTimestamp,
  hourIndex,
  hourOfTimestamp,
  MERGED_ID_FIELDS,
  type MergedId,
} from '../../../shared/model/export-format';
import { lineBlocks } from '../sources/lines';
import type { SourceHour } from '../sources/types';
import type { Sink } from '../sinks/types';
import type { StagedFile } from './events';
import { GzipWriter, type Deflater } from './gzip';
import { EventScanner, VALUE } from './scan';

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
  signal: AbortSignal;
}

export interface MergedIdsExportResult {
  merges: number;
  /** True when the source had no merges of its own and they were derived from events. */
  derived: boolean;
  /** True when the source answered nothing at all for the hour (no merges, no events). */
  sourceEmpty: boolean;
  /** The hour's file, sealed but not visible yet; null when the hour has no merges. */
  object: StagedFile | null;
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
  const { sink, key, signal } = options;
  let merges = await options.source.mergedIds();
  const derived = merges === null;
  let sourceEmpty = merges?.length === 0;
  if (!merges) {
    const seen = await deriveMerges(
      options.source,
      options.mixedHours,
      options.hour,
      options.projectId,
      signal,
    );
    merges = seen.merges;
    sourceEmpty = seen.linesRead === 0;
  }
  signal.throwIfAborted();
  merges.sort(
    (a, b) =>
      a.merge_server_time - b.merge_server_time ||
      a.amplitude_id - b.amplitude_id ||
      a.merged_amplitude_id - b.merged_amplitude_id,
  );
  if (merges.length === 0) return { merges: 0, derived, sourceEmpty, object: null };

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
      merges: merges.length,
      derived,
      sourceEmpty,
      object: {
        key,
        bytes: compressed,
        rawBytes,
        events: merges.length,
        sha256: hash.digest('hex'),
        etag: null,
        staged,
      },
    };
  } catch (error) {
    await gzip.discard();
    await writer.abort();
    throw error;
  }
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
 */
export async function deriveMerges(
  source: SourceHour,
  mixedHours: boolean,
  hour: string,
  projectId: number,
  signal: AbortSignal,
): Promise<{ merges: MergedId[]; linesRead: number }> {
  const wanted = hourIndex(hour);
  let linesRead = 0;
  const scanner = new EventScanner();
  const users = new Map<string, Map<number, { time: number; serverTime: number }>>();
  for await (const stream of source.events()) {
    try {
      for await (const block of lineBlocks(stream.chunks)) {
        signal.throwIfAborted();
        const buf = Buffer.from(block.buf.buffer, block.buf.byteOffset, block.buf.byteLength);
        for (let k = 0; k < block.starts.length; k++) {
          if (block.ends[k]! > block.starts[k]!) linesRead++;
          const ids = readIds(scanner, buf, block.starts[k]!, block.ends[k]!);
          if (!ids || ids.serverTime === null) continue;
          if (mixedHours && hourOfTimestamp(ids.serverTime) !== wanted) continue;
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
  return { merges, linesRead };
}

function readIds(
  s: EventScanner,
  buf: Buffer,
  start: number,
  end: number,
): { userId: string; amplitudeId: number; time: number | null; serverTime: number | null } | null {
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
    try {
      event = JSON.parse(buf.toString('utf8', start, end)) as Record<string, unknown>;
    } catch {
      return null; // reported by the events export of the same hour
    }
    if (typeof event !== 'object' || event === null) return null;
  }
  if (
    typeof event.user_id !== 'string' ||
    event.user_id === '' ||
    typeof event.amplitude_id !== 'number'
  )
    return null;
  return {
    userId: event.user_id,
    amplitudeId: event.amplitude_id,
    time: epochOfTimestamp(event.event_time),
    serverTime: epochOfTimestamp(event.server_upload_time),
  };
}
