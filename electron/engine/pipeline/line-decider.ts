import { EVENT_FIELDS, hourIndex, hourOfTimestamp } from '../../../shared/model/export-format';
import { FingerprintSet } from './dedupe';
import type { EventsExportOptions } from './event-types';
import { F, FLAG, fingerprintOf, STRIDE } from './line-scan';
import type { Partitions } from './partitions';

const MAX_BAD_SAMPLES = 20;

/** The ordered, stateful part of an hour's export: de-duplication and counting. */
export class LineDecider {
  readonly counts = { eventsIn: 0, eventsOut: 0, duplicates: 0, filtered: 0, badLines: 0 };
  readonly badSamples: string[] = [];
  /** Readable events of other hours in what the source gave: left to their own hours. */
  otherHourLines = 0;
  private readonly seen: FingerprintSet;
  private readonly hour: number;
  private readonly checkHour: boolean;
  private readonly filter: { include: boolean; types: Set<string> } | null;
  private readonly suffixes = new Map<string, Buffer>();

  constructor(options: Pick<EventsExportOptions, 'hour' | 'mixedHours' | 'filter' | 'source'>) {
    this.seen = new FingerprintSet(options.source.expectedLines ?? 0);
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
        if (!(flags & FLAG.inHour)) {
          this.otherHourLines++;
          continue;
        }
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
      if (hour !== this.hour) {
        this.otherHourLines++;
        return null;
      }
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
