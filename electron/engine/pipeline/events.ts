import { hourIndex } from '../../../shared/model/export-format';
import type { EventsExportOptions, EventsExportResult } from './event-types';
import { LineDecider } from './line-decider';
import { STRIDE, type ScanConfig } from './line-scan';
import { QueryCopyBatches } from '../query/batches';
import { Partitions } from './partitions';
import { collectGarbage, LOOKAHEAD, SharedBlocks } from './shared-blocks';

/** Room for the records of 2,048 lines: a block of 1 MiB holds fewer unless its lines are short. */
const RECORD_BYTES = 2048 * STRIDE * 4;

/**
 * Write one hour of events, staged: source → (this hour only) → event-type filter →
 * de-duplicate → complete every schema field → partitions of at most `partitionBytes` →
 * parallel gzip → sealed objects in the sink, not yet visible; where asked, the same bytes also
 * → the query copy's Parquet files (query/batches.ts), sealed likewise.
 *
 * Worker threads scan blocks of lines in shared memory (validity, schema fields, hour, filter,
 * id fingerprint); this thread only makes the ordered decisions and copies bytes. A line that
 * already carries every field is written byte for byte as it came; a line missing fields gets
 * `,"field":null` spliced before its closing brace, so values are never re-serialised. Only lines
 * the fast scanner will not vouch for go through JSON.parse here, and a line that is not a JSON
 * object is counted and reported with its file and line number.
 *
 * Resolves only when the source was read to its end; a cancel throws. On any failure every
 * partition written so far is thrown away, so the destination is as it was.
 */
export async function exportEventsHour(options: EventsExportOptions): Promise<EventsExportResult> {
  const { signal, pool } = options;
  const decide = new LineDecider(options);
  const copy = options.queryCopy
    ? new QueryCopyBatches({ ...options, ...options.queryCopy })
    : null;
  const partitions = new Partitions(options, copy);
  const blocks = new SharedBlocks();
  // Record buffers travel to a worker and back, and are filled again: no new buffer per block.
  const spareRecords: ArrayBuffer[] = [];
  const config: ScanConfig = {
    hour: options.mixedHours ? hourIndex(options.hour) : null,
    filter: options.filter
      ? { include: options.filter.mode === 'include', types: options.filter.eventTypes }
      : null,
  };

  try {
    for await (const stream of options.source.events()) {
      let lineNo = 0;
      const inFlight: { block: Uint8Array; records: Promise<Int32Array> }[] = [];
      const reportHourless = stream.reportHourless ?? true;
      const handleOldest = async () => {
        const { block, records } = inFlight.shift()!;
        const scanned = await records;
        lineNo = await decide.block(
          block,
          scanned,
          { file: stream.name, reportHourless },
          lineNo,
          partitions,
        );
        if (scanned.buffer.byteLength === RECORD_BYTES)
          spareRecords.push(scanned.buffer as ArrayBuffer);
        partitions.flush();
        blocks.release(block);
        collectGarbage(block.length);
        await partitions.drain();
        options.onProgress?.({ events: decide.counts.eventsOut, bytes: partitions.rawBytes });
      };
      try {
        const source = stream.readInto
          ? blocks.fromReader(stream.readInto.bind(stream))
          : blocks.from(stream.chunks);
        for await (const block of source) {
          signal.throwIfAborted();
          inFlight.push({
            block,
            records: pool.scan(
              block.buffer as SharedArrayBuffer,
              block.length,
              config,
              spareRecords.pop() ?? new ArrayBuffer(RECORD_BYTES),
            ),
          });
          if (inFlight.length >= LOOKAHEAD) await handleOldest();
        }
        while (inFlight.length > 0) await handleOldest();
      } finally {
        await Promise.allSettled(inFlight.map((f) => f.records));
        await stream.close?.();
      }
    }
    // A source that stopped early because of the signal never counts as the end of the hour.
    signal.throwIfAborted();
    await partitions.finish();
    await copy?.finish();
  } catch (error) {
    await Promise.all([partitions.abort(), copy?.abort()]);
    throw error;
  }

  return {
    counts: decide.counts,
    bytes: { raw: partitions.rawBytes, compressed: partitions.compressedBytes },
    objects: partitions.objects,
    queryObjects: copy?.objects ?? [],
    badLineSamples: decide.badSamples,
    otherHourLines: decide.otherHourLines,
  };
}
