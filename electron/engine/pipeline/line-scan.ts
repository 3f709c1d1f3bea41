import { hourOfTimestamp } from '../../../shared/model/export-format';
import { murmur3 } from './dedupe';
import { EventScanner, VALUE } from '../format/scan';

/**
 * Per-line facts about a block of NDJSON, computed off the main thread.
 *
 * One record of `STRIDE` int32s per line: where it is, what the scanner found, its
 * de-duplication fingerprint and which schema fields it lacks. The main thread then only makes
 * the ordered decisions (first of its id? which partition?) and copies bytes.
 */
export const STRIDE = 8;
export const F = {
  start: 0,
  end: 1,
  flags: 2,
  fpLo: 3,
  fpHi: 4,
  missingLo: 5,
  missingHi: 6,
  /** Index of the closing brace, for splicing missing fields in. */
  close: 7,
} as const;

export const FLAG = {
  /** Whitespace only: not an event. */
  blank: 1,
  /** Valid JSON object the fast path can write as bytes. Unset: the main thread decides with JSON.parse. */
  valid: 2,
  /** Has every schema field. */
  complete: 4,
  /** server_upload_time is in the hour asked for (only checked for sources that mix hours). */
  inHour: 8,
  /** No readable server_upload_time. */
  noHour: 16,
  /** Passes the event-type filter. */
  wanted: 32,
  /** Has a `$insert_id` or `uuid` string; fpLo/fpHi hold its fingerprint. */
  hasId: 64,
  /** The object has no members at all (`{}`): missing fields go in without a leading comma. */
  empty: 128,
} as const;

export interface ScanConfig {
  /** Hour index to keep, or null to keep every line (sources that give one hour). */
  hour: number | null;
  filter: { include: boolean; types: string[] } | null;
}

let scanner: EventScanner | null = null;
let filterCache: { key: string; types: Set<string> } | null = null;

/**
 * Scan every complete line of `buf[0, length)` (which ends at a line break or at the end of a
 * stream) and return their records: in `into` when they fit (cleared first), else in a new array.
 */
export function scanBlock(
  buf: Uint8Array,
  length: number,
  config: ScanConfig,
  into?: Int32Array,
): Int32Array {
  scanner ??= new EventScanner();
  const s = scanner;
  let types: Set<string> | null = null;
  if (config.filter) {
    const key = config.filter.types.join('\u0000');
    if (filterCache?.key !== key) filterCache = { key, types: new Set(config.filter.types) };
    types = filterCache.types;
  }
  let count = 0;
  for (let pos = 0; pos < length;) {
    const nl = buf.indexOf(10, pos);
    const end = nl < 0 || nl >= length ? length : nl;
    count++;
    pos = end + 1;
  }
  const size = count * STRIDE;
  const out = into && into.length >= size ? into.subarray(0, size).fill(0) : new Int32Array(size);
  let at = 0;
  for (let pos = 0; pos < length; at += STRIDE) {
    const nl = buf.indexOf(10, pos);
    const lineEnd = nl < 0 || nl >= length ? length : nl;
    const end = lineEnd > pos && buf[lineEnd - 1] === 13 ? lineEnd - 1 : lineEnd;
    out[at + F.start] = pos;
    out[at + F.end] = end;
    pos = lineEnd + 1;
    const start = out[at + F.start]!;
    if (isBlank(buf, start, end)) {
      out[at + F.flags] = FLAG.blank;
      continue;
    }
    if (!s.scan(buf, start, end) || s.keyEscaped) continue;
    let flags: number = FLAG.valid;
    if (s.complete) flags |= FLAG.complete;
    else {
      let lo = 0;
      let hi = 0;
      for (let i = 0; i < 32; i++) if (s.seen[i] === 0) lo |= 1 << i;
      for (let i = 32; i < s.seen.length; i++) if (s.seen[i] === 0) hi |= 1 << (i - 32);
      out[at + F.missingLo] = lo;
      out[at + F.missingHi] = hi;
      let close = end - 1;
      while (buf[close] !== 0x7d) close--;
      out[at + F.close] = close;
      if (s.fieldsFound === 0 && isEmptyObject(buf, start, close)) flags |= FLAG.empty;
    }
    if (config.hour !== null) {
      const quick = quickHourMatch(s, buf, config.hour);
      if (quick === 1) flags |= FLAG.inHour;
      else if (quick === 0) {
        const hour = hourOfValue(s, buf, VALUE.serverUploadTime);
        if (hour === null) flags |= FLAG.noHour;
        else if (hour === config.hour) flags |= FLAG.inHour;
      }
    }
    if (types) {
      const type = stringValue(s, buf, VALUE.eventType);
      const listed = type !== null && types.has(type);
      if (config.filter!.include === listed) flags |= FLAG.wanted;
    } else flags |= FLAG.wanted;
    let slot: number = VALUE.insertId;
    let seed = 1;
    if (!isString(s, buf, slot)) {
      slot = VALUE.uuid;
      seed = 3;
    }
    if (isString(s, buf, slot)) {
      flags |= FLAG.hasId;
      let bytes = buf;
      let from = s.valueStart[slot]! + 1;
      let to = s.valueEnd[slot]! - 1;
      if (s.valueEscaped[slot]) {
        // Compare ids as strings, not as their escaped spellings.
        bytes = Buffer.from(stringValue(s, buf, slot) ?? '');
        from = 0;
        to = bytes.length;
      }
      out[at + F.fpLo] = murmur3(bytes, from, to, seed);
      out[at + F.fpHi] = murmur3(bytes, from, to, seed + 1);
    }
    out[at + F.flags] = flags;
  }
  return out;
}

/** The fingerprint of an id given as a string (the main thread's JSON.parse path). */
export function fingerprintOf(id: string, kind: 'insert_id' | 'uuid'): [number, number] {
  const bytes = Buffer.from(id);
  const seed = kind === 'insert_id' ? 1 : 3;
  return [murmur3(bytes, 0, bytes.length, seed), murmur3(bytes, 0, bytes.length, seed + 1)];
}

let hourBytes: { hour: number; bytes: Uint8Array } | null = null;

/**
 * The common case without a regex: a zone-less `yyyy-MM-dd HH:…` (or `T`) timestamp whose first
 * 13 characters name the wanted hour. 1 = in the hour, -1 = plainly another hour, 0 = look closer.
 */
function quickHourMatch(s: EventScanner, buf: Uint8Array, hour: number): number {
  const from = s.valueStart[VALUE.serverUploadTime]!;
  const to = s.valueEnd[VALUE.serverUploadTime]!;
  if (from < 0 || buf[from] !== 0x22 || s.valueEscaped[VALUE.serverUploadTime] || to - from < 21)
    return 0;
  if (hourBytes?.hour !== hour)
    hourBytes = { hour, bytes: Buffer.from(new Date(hour * 3_600_000).toISOString().slice(0, 13)) };
  const want = hourBytes.bytes;
  // Only digits, ':' and '.' after the hour: no zone, so the written hour is the UTC hour.
  for (let i = from + 14; i < to - 1; i++) {
    const c = buf[i]!;
    if (!((c >= 0x30 && c <= 0x39) || c === 0x3a || c === 0x2e)) return 0;
  }
  const sep = buf[from + 11];
  if (sep !== 0x20 && sep !== 0x54) return 0;
  let same = true;
  for (let k = 0; k < 13; k++) {
    if (k === 10) continue;
    const c = buf[from + 1 + k]!;
    if (k !== 4 && k !== 7 && (c < 0x30 || c > 0x39)) return 0;
    if (c !== want[k]) same = false;
  }
  return same ? 1 : -1;
}

function isString(s: EventScanner, buf: Uint8Array, slot: number): boolean {
  const from = s.valueStart[slot]!;
  return from >= 0 && buf[from] === 0x22;
}

function stringValue(s: EventScanner, buf: Uint8Array, slot: number): string | null {
  if (!isString(s, buf, slot)) return null;
  const from = s.valueStart[slot]!;
  const raw = Buffer.from(buf.buffer, buf.byteOffset + from, s.valueEnd[slot]! - from).toString(
    'utf8',
  );
  return s.valueEscaped[slot] ? (JSON.parse(raw) as string) : raw.slice(1, -1);
}

function hourOfValue(s: EventScanner, buf: Uint8Array, slot: number): number | null {
  const from = s.valueStart[slot]!;
  if (from < 0) return null;
  if (buf[from] === 0x22) return hourOfTimestamp(stringValue(s, buf, slot));
  const raw = Buffer.from(buf.buffer, buf.byteOffset + from, s.valueEnd[slot]! - from).toString(
    'latin1',
  );
  return raw === 'null' ? null : hourOfTimestamp(Number(raw));
}

export function isBlank(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

function isEmptyObject(buf: Uint8Array, start: number, close: number): boolean {
  let i = start;
  while (buf[i] !== 0x7b) i++;
  return isBlank(buf, i + 1, close);
}
