import { createHash, type Hash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EVENT_FIELDS, hourIndex, hourOfTimestamp } from '../../../shared/model/export-format';
import type { SourceHour } from '../sources/types';
import { lineTooLong, MAX_LINE_BYTES } from '../sources/lines';
import type { Sink, StagedHandle, StagedObject } from '../sinks/types';
import { FingerprintSet } from './dedupe';
import { GzipWriter } from './gzip';
import { F, FLAG, fingerprintOf, STRIDE, type ScanConfig } from './line-scan';
import type { WorkerPool } from './pool';

export interface EventFilter {
  mode: 'include' | 'exclude';
  eventTypes: string[];
}

export interface EventsExportOptions {
  hour: string;
  /** The opened hour of the project's source. */
  source: SourceHour;
  /** True when the source's streams may hold other hours (only this hour's lines are kept). */
  mixedHours: boolean;
  sink: Sink;
  pool: WorkerPool;
  /** Key of partition n (from 1). */
  objectKey(partition: number): string;
  partitionBytes: number;
  gzipLevel: number;
  filter: EventFilter | null;
  signal: AbortSignal;
  onProgress?(progress: { events: number; bytes: number }): void;
}

/** One object of an hour, with what the job records about it. */
export interface WrittenObject {
  key: string;
  bytes: number;
  rawBytes: number;
  events: number;
  sha256: string;
  etag: string | null;
}

/** An object written and sealed but not visible yet: its hour's commit makes it visible. */
export interface StagedFile extends WrittenObject {
  staged: StagedHandle;
}

export interface EventsExportResult {
  counts: {
    eventsIn: number;
    eventsOut: number;
    duplicates: number;
    filtered: number;
    badLines: number;
  };
  bytes: { raw: number; compressed: number };
  /** Partitions #1…#n, sealed: nothing is visible until the hour commits. */
  objects: StagedFile[];
  /** The first bad lines, as "file:line: reason". */
  badLineSamples: string[];
}

const MAX_BAD_SAMPLES = 20;
const BLOCK_BYTES = 1024 * 1024;
/** Room for a block plus the read chunk that completes it. */
const BLOCK_CAPACITY = 2 * 1024 * 1024;
/** Blocks being scanned ahead of the one being written. */
const LOOKAHEAD = 4;
const NEWLINE = Buffer.from('\n');
/** Spare blocks kept for the next export: enough for a few exports running at once. */
const MAX_SPARE_BLOCKS = 4 * (LOOKAHEAD + 2);
const SPARE_BLOCKS: SharedArrayBuffer[] = [];

let gc: (() => void) | null = null;
let sinceGc = 0;
/**
 * Collect garbage after every 64 MiB of input. Chunks coming back from the workers are freed
 * memory V8 only reclaims when its external-memory budget runs out, which on a 10-million-event
 * hour adds tens of MiB to the peak; a regular collection keeps the export within its budget.
 */
function collectGarbage(bytes: number): void {
  sinceGc += bytes;
  if (sinceGc < 64 * 1024 * 1024) return;
  sinceGc = 0;
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/**
 * Write one hour of events, staged: source → (this hour only) → event-type filter →
 * de-duplicate → complete every schema field → partitions of at most `partitionBytes` →
 * parallel gzip → sealed objects in the sink, not yet visible.
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
  const partitions = new Partitions(options);
  const blocks = new SharedBlocks();
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
        lineNo = await decide.block(
          block,
          await records,
          { file: stream.name, reportHourless },
          lineNo,
          partitions,
        );
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
            records: pool.scan(block.buffer as SharedArrayBuffer, block.length, config),
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
  } catch (error) {
    await partitions.abort();
    throw error;
  }

  return {
    counts: decide.counts,
    bytes: { raw: partitions.rawBytes, compressed: partitions.compressedBytes },
    objects: partitions.objects,
    badLineSamples: decide.badSamples,
  };
}

/**
 * Cuts byte streams into blocks of whole lines (about 1 MiB) in shared memory, which the
 * workers read without a copy. Blocks are reused once released: fresh memory costs page faults
 * that would otherwise be a real share of an export's CPU time.
 */
class SharedBlocks {
  /**
   * Spare blocks, shared by every export of the process: a backfill of thousands of small hours
   * reuses a handful of buffers instead of allocating (and leaving the allocator holding) 2 MiB
   * per hour — which grew a server past 600 MB.
   */
  private readonly spare = SPARE_BLOCKS;

  async *from(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    const pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const emit = (upTo: number): Uint8Array => {
      const sab =
        upTo <= BLOCK_CAPACITY
          ? (this.spare.pop() ?? new SharedArrayBuffer(BLOCK_CAPACITY))
          : new SharedArrayBuffer(upTo);
      const view = new Uint8Array(sab, 0, upTo);
      let at = 0;
      while (at < upTo) {
        const head = pending[0]!;
        const take = Math.min(head.length, upTo - at);
        view.set(head.subarray(0, take), at);
        at += take;
        if (take === head.length) pending.shift();
        else pending[0] = head.subarray(take);
      }
      pendingBytes -= upTo;
      return view;
    };
    for await (const chunk of chunks) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes < BLOCK_BYTES) continue;
      const nl = chunk.lastIndexOf(10);
      if (nl < 0) {
        // A line longer than the block: keep collecting, up to the longest line Ferry reads.
        if (pendingBytes > MAX_LINE_BYTES + BLOCK_BYTES) throw lineTooLong();
        continue;
      }
      yield emit(pendingBytes - (chunk.length - nl - 1));
      // What is left is the start of the next line; keep it independent of the producer's buffer.
      if (pending.length === 1) pending[0] = pending[0]!.slice();
    }
    if (pendingBytes > 0) yield emit(pendingBytes);
  }

  /** The same blocks, read straight into shared memory (plain files): no intermediate buffers. */
  async *fromReader(
    read: (target: Uint8Array, offset: number, length: number) => Promise<number>,
  ): AsyncGenerator<Uint8Array> {
    let carry: Uint8Array | null = null;
    let capacity = BLOCK_CAPACITY;
    for (;;) {
      const sab =
        capacity === BLOCK_CAPACITY
          ? (this.spare.pop() ?? new SharedArrayBuffer(capacity))
          : new SharedArrayBuffer(capacity);
      const view = new Uint8Array(sab);
      let used = 0;
      if (carry) {
        view.set(carry);
        used = carry.length;
      }
      let ended = false;
      while (used < BLOCK_BYTES) {
        const n = await read(view, used, capacity - used);
        if (n === 0) {
          ended = true;
          break;
        }
        used += n;
        if (used === capacity) break;
      }
      if (ended) {
        if (used > 0) yield view.subarray(0, used);
        return;
      }
      const nl = view.lastIndexOf(10, used - 1);
      if (nl < 0) {
        // One line fills the whole block: read it into a bigger one.
        if (capacity > MAX_LINE_BYTES) throw lineTooLong();
        carry = view.slice(0, used);
        capacity *= 2;
        continue;
      }
      capacity = BLOCK_CAPACITY;
      carry = nl + 1 < used ? view.slice(nl + 1, used) : null;
      yield view.subarray(0, nl + 1);
    }
  }

  release(block: Uint8Array): void {
    if (block.buffer.byteLength === BLOCK_CAPACITY && this.spare.length < MAX_SPARE_BLOCKS)
      this.spare.push(block.buffer as SharedArrayBuffer);
  }
}

/** The ordered, stateful part of an hour's export: de-duplication and counting. */
class LineDecider {
  readonly counts = { eventsIn: 0, eventsOut: 0, duplicates: 0, filtered: 0, badLines: 0 };
  readonly badSamples: string[] = [];
  private readonly seen = new FingerprintSet();
  private readonly hour: number;
  private readonly checkHour: boolean;
  private readonly filter: { include: boolean; types: Set<string> } | null;
  private readonly suffixes = new Map<string, Buffer>();

  constructor(options: EventsExportOptions) {
    this.hour = hourIndex(options.hour);
    this.checkHour = options.mixedHours;
    this.filter = options.filter
      ? { include: options.filter.mode === 'include', types: new Set(options.filter.eventTypes) }
      : null;
  }

  /** Decide every line of a scanned block and write the kept ones; returns the last line number. */
  async block(
    buf: Uint8Array,
    records: Int32Array,
    stream: { file: string; reportHourless: boolean },
    lineNo: number,
    out: Partitions,
  ): Promise<number> {
    const { file } = stream;
    for (let at = 0; at < records.length; at += STRIDE) {
      lineNo++;
      const flags = records[at + F.flags]!;
      if (flags & FLAG.blank) continue;
      const start = records[at + F.start]!;
      const end = records[at + F.end]!;
      if (!(flags & FLAG.valid)) {
        const bytes = this.slow(buf, start, end, stream, lineNo);
        if (bytes) await out.line(bytes, 0, bytes.length, null);
        continue;
      }
      if (this.checkHour) {
        if (flags & FLAG.noHour) {
          if (stream.reportHourless)
            this.bad(file, lineNo, 'no valid server_upload_time, so it belongs to no hour');
          continue;
        }
        if (!(flags & FLAG.inHour)) continue;
      }
      this.counts.eventsIn++;
      if (!(flags & FLAG.wanted)) {
        this.counts.filtered++;
        continue;
      }
      if (flags & FLAG.hasId && !this.seen.add(records[at + F.fpLo]!, records[at + F.fpHi]!)) {
        this.counts.duplicates++;
        continue;
      }
      this.counts.eventsOut++;
      const pending =
        flags & FLAG.complete
          ? out.line(buf, start, end, null)
          : out.line(
              buf,
              start,
              records[at + F.close]!,
              this.suffix(
                records[at + F.missingLo]!,
                records[at + F.missingHi]!,
                (flags & FLAG.empty) !== 0,
              ),
            );
      if (pending) await pending;
    }
    return lineNo;
  }

  /** A line the fast scanner would not vouch for: JSON.parse decides. Returns bytes to write or null. */
  private slow(
    buf: Uint8Array,
    start: number,
    end: number,
    stream: { file: string; reportHourless: boolean },
    lineNo: number,
  ): Buffer | null {
    const { file } = stream;
    const text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8');
    // A line that is not an event has no hour either: a stream holding several hours reports it
    // with one of them only, not once per hour it is read for.
    const unreadable = (reason: string) =>
      !this.checkHour || stream.reportHourless ? this.bad(file, lineNo, reason) : null;
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch (error) {
      return unreadable(`not valid JSON (${(error as Error).message})`);
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event))
      return unreadable('not a JSON object');
    const record = event as Record<string, unknown>;
    if (this.checkHour) {
      const hour = hourOfTimestamp(record.server_upload_time);
      if (hour === null)
        return stream.reportHourless
          ? this.bad(file, lineNo, 'no valid server_upload_time, so it belongs to no hour')
          : null;
      if (hour !== this.hour) return null;
    }
    this.counts.eventsIn++;
    if (this.filter) {
      const listed =
        typeof record.event_type === 'string' && this.filter.types.has(record.event_type);
      if (listed !== this.filter.include) {
        this.counts.filtered++;
        return null;
      }
    }
    const id =
      typeof record.$insert_id === 'string'
        ? fingerprintOf(record.$insert_id, 'insert_id')
        : typeof record.uuid === 'string'
          ? fingerprintOf(record.uuid, 'uuid')
          : null;
    if (id && !this.seen.add(id[0], id[1])) {
      this.counts.duplicates++;
      return null;
    }
    for (const field of EVENT_FIELDS) if (!(field in record)) record[field] = null;
    this.counts.eventsOut++;
    return Buffer.from(JSON.stringify(record));
  }

  private bad(file: string, lineNo: number, reason: string): null {
    this.counts.badLines++;
    if (this.badSamples.length < MAX_BAD_SAMPLES)
      this.badSamples.push(`${file}:${lineNo}: ${reason}`);
    return null;
  }

  /** `,"f":null,…}` for the fields a line lacks (cached: lines tend to lack the same ones). */
  private suffix(lo: number, hi: number, empty: boolean): Buffer {
    const key = `${lo}:${hi}:${empty ? 1 : 0}`;
    let suffix = this.suffixes.get(key);
    if (!suffix) {
      const missing = EVENT_FIELDS.filter((_, i) =>
        i < 32 ? (lo >>> i) & 1 : (hi >>> (i - 32)) & 1,
      ).map((field) => `${JSON.stringify(field)}:null`);
      suffix = Buffer.from(`${empty ? '' : ','}${missing.join(',')}}`);
      this.suffixes.set(key, suffix);
    }
    return suffix;
  }
}

interface OpenPartition {
  key: string;
  writer: StagedObject;
  gzip: GzipWriter;
  hash: Hash;
  compressed: number;
  events: number;
}

/** The hour's output files: `#1`, `#2`, … each at most `partitionBytes` uncompressed. */
class Partitions {
  readonly objects: StagedFile[] = [];
  compressedBytes = 0;
  private closedRaw = 0;
  private open: OpenPartition | null = null;
  /** Consecutive complete lines of one block not copied yet: copied in one go, not line by line. */
  private run: { buf: Uint8Array; start: number; end: number; events: number } | null = null;

  constructor(private readonly options: EventsExportOptions) {}

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
    part.events++;
    return undefined;
  }

  /** Copy the pending run of lines; call before the block they live in is reused. */
  flush(): void {
    const run = this.run;
    if (!run || !this.open) return;
    this.run = null;
    this.open.gzip.write(run.buf, run.start, run.end);
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
