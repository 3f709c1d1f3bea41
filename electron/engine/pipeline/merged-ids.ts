import { createHash } from 'node:crypto';
import {
  epochOfTimestamp,
  hourIndex,
  hourOfTimestamp,
  MERGED_ID_FIELDS,
  type MergedId,
} from '../../../shared/model/export-format';
import { lineBlocks } from '../sources/lines';
import type { EventSource } from '../sources/types';
import type { Sink } from '../sinks/types';
import type { WrittenObject } from './events';
import { GzipWriter, type Deflater } from './gzip';
import { EventScanner, VALUE } from './scan';

export interface MergedIdsExportOptions {
  hour: string;
  source: EventSource;
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
  objects: WrittenObject[];
  removedStale: string[];
  cleanedUp: number;
}

/**
 * Export one hour of merged Amplitude IDs as one file (no file when the hour has none).
 *
 * Merges come from the source when it has them (demo, a files source with `merged_ids/`);
 * otherwise they are derived from the hour's events — see `deriveMerges` for the rule. Lines
 * are sorted (merge_server_time, amplitude_id, merged_amplitude_id) so output is repeatable.
 */
export async function exportMergedIdsHour(
  options: MergedIdsExportOptions,
): Promise<MergedIdsExportResult> {
  const { sink, key } = options;
  const cleanedUp = await sink.cleanup(key);
  let merges = await options.source.mergedIds(options.hour, options.signal);
  const derived = merges === null;
  merges ??= await deriveMerges(options.source, options.hour, options.projectId, options.signal);
  merges.sort(
    (a, b) =>
      a.merge_server_time - b.merge_server_time ||
      a.amplitude_id - b.amplitude_id ||
      a.merged_amplitude_id - b.merged_amplitude_id,
  );

  if (merges.length === 0) {
    const stale = (await sink.list(key)).filter((o) => o.key === key).map((o) => o.key);
    if (stale.length > 0) await sink.deleteObjects(stale);
    return { merges: 0, derived, objects: [], removedStale: stale, cleanedUp };
  }

  const writer = await sink.openObject(key);
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
    const { etag } = await writer.finish();
    return {
      merges: merges.length,
      derived,
      objects: [
        {
          key,
          bytes: compressed,
          rawBytes,
          events: merges.length,
          sha256: hash.digest('hex'),
          etag,
        },
      ],
      removedStale: [],
      cleanedUp,
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
  source: EventSource,
  hour: string,
  projectId: number,
  signal: AbortSignal,
): Promise<MergedId[]> {
  const wanted = hourIndex(hour);
  const scanner = new EventScanner();
  const users = new Map<string, Map<number, { time: number; serverTime: number }>>();
  for await (const stream of source.events(hour, signal)) {
    try {
      for await (const block of lineBlocks(stream.chunks)) {
        if (signal.aborted) throw signal.reason ?? new Error('Cancelled');
        const buf = Buffer.from(block.buf.buffer, block.buf.byteOffset, block.buf.byteLength);
        for (let k = 0; k < block.starts.length; k++) {
          const ids = readIds(scanner, buf, block.starts[k]!, block.ends[k]!);
          if (!ids || ids.serverTime === null) continue;
          if (source.mixedHours && hourOfTimestamp(ids.serverTime) !== wanted) continue;
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
  return merges;
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
