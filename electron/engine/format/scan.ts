import { isUtf8 } from 'node:buffer';
import { EVENT_FIELDS } from '../../../shared/model/export-format';

/**
 * The values the pipeline reads from each event, without parsing it into objects.
 * Indexes into `EventScanner.valueStart/valueEnd`.
 */
export const VALUE = {
  insertId: 0,
  uuid: 1,
  eventType: 2,
  serverUploadTime: 3,
  userId: 4,
  amplitudeId: 5,
  eventTime: 6,
  app: 7,
} as const;
const VALUE_KEYS: Record<string, number> = {
  $insert_id: VALUE.insertId,
  uuid: VALUE.uuid,
  event_type: VALUE.eventType,
  server_upload_time: VALUE.serverUploadTime,
  user_id: VALUE.userId,
  amplitude_id: VALUE.amplitudeId,
  event_time: VALUE.eventTime,
  app: VALUE.app,
};
const VALUE_COUNT = Object.keys(VALUE).length;

const TABLE_BITS = 9;
const TABLE_SIZE = 1 << TABLE_BITS;
/** Deeper nesting is refused here and left to JSON.parse on the slow path. */
const MAX_DEPTH = 256;

/**
 * A strict, allocation-free JSON scanner for one event line (the pipeline's hot path).
 *
 * It checks that the line is exactly one valid JSON object in valid UTF-8 — the same lines
 * `JSON.parse` accepts, so a line passed through unchanged always parses — and on the way it
 * records which of the export schema's fields are present at the top level and where the
 * values the pipeline needs are. A complete line can then be written out as it came, with no
 * parse and re-serialize; that is what keeps an hour of events near gzip speed.
 */
export class EventScanner {
  /** How many distinct schema fields the last scanned line has at its top level. */
  fieldsFound = 0;
  /** Whether a top-level key was written with escapes (then fields can not be matched by bytes). */
  keyEscaped = false;
  /** Byte offsets of the recorded values (strings include their quotes); -1 when absent. */
  readonly valueStart = new Int32Array(VALUE_COUNT);
  readonly valueEnd = new Int32Array(VALUE_COUNT);
  /** Whether a recorded string value contains a backslash escape. */
  readonly valueEscaped = new Uint8Array(VALUE_COUNT);

  private readonly keyBytes: Uint8Array[] = [];
  /** Each key's bytes as little-endian 32-bit words (its tail bytes compared one by one). */
  private readonly keyWords: Uint32Array[] = [];
  private readonly keyField: number[] = [];
  private readonly keyValue: number[] = [];
  /** The key that followed each known key in the last line (-1: none known): the next guess. */
  private next: Int16Array = new Int16Array(0);
  private firstKey = -1;
  /** Open-addressing table: hash slot → key index + 1 (0 = empty). */
  private readonly table = new Int16Array(TABLE_SIZE);
  /** Per schema field (in EVENT_FIELDS order): 1 when the last line has it. */
  readonly seen = new Uint8Array(EVENT_FIELDS.length);
  /** Set by scanString: whether the string had an escape. */
  private lastEscaped = false;
  /** The scanned bytes' buffer seen as 32-bit words, for checking four bytes per step. */
  private words: Uint32Array | null = null;
  private view: DataView | null = null;
  private wordsOf: ArrayBufferLike | null = null;
  private base = 0;

  constructor() {
    const encoder = new TextEncoder();
    const names = new Set<string>([...EVENT_FIELDS, ...Object.keys(VALUE_KEYS)]);
    for (const name of names) {
      const bytes = encoder.encode(name);
      const index = this.keyBytes.length;
      this.keyBytes.push(bytes);
      const words = new Uint32Array(bytes.length >>> 2);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let w = 0; w < words.length; w++) words[w] = view.getUint32(w * 4, true);
      this.keyWords.push(words);
      this.keyField.push(EVENT_FIELDS.indexOf(name as (typeof EVENT_FIELDS)[number]));
      this.keyValue.push(VALUE_KEYS[name] ?? -1);
      let slot = keyHash(bytes, 0, bytes.length) & (TABLE_SIZE - 1);
      while (this.table[slot] !== 0) slot = (slot + 1) & (TABLE_SIZE - 1);
      this.table[slot] = index + 1;
    }
    this.next = new Int16Array(this.keyBytes.length).fill(-1);
  }

  /** True when the last scanned line has every field of the export schema. */
  get complete(): boolean {
    return this.fieldsFound === EVENT_FIELDS.length;
  }

  /**
   * Scan `buf[start, end)`. Returns true for exactly one valid JSON object (surrounding
   * whitespace allowed), false for anything `JSON.parse` would refuse or that is not an object.
   */
  scan(buf: Uint8Array, start: number, end: number): boolean {
    this.fieldsFound = 0;
    this.keyEscaped = false;
    this.seen.fill(0);
    this.valueStart.fill(-1);
    this.valueEnd.fill(-1);
    if (!isUtf8(buf.subarray(start, end))) return false;
    if (this.wordsOf !== buf.buffer) {
      this.wordsOf = buf.buffer;
      this.words = new Uint32Array(buf.buffer, 0, buf.buffer.byteLength >>> 2);
      this.view = new DataView(buf.buffer);
    }
    this.base = buf.byteOffset;

    let i = skipWs(buf, start, end);
    if (buf[i] !== 0x7b) return false;
    i = skipWs(buf, i + 1, end);
    if (buf[i] === 0x7d) return skipWs(buf, i + 1, end) === end;
    let guess = this.firstKey;
    let previous = -1;
    for (;;) {
      if (buf[i] !== 0x22) return false;
      // Events from one producer repeat their key order: try the key that followed the
      // previous one last time, by comparing bytes, before scanning and looking it up.
      let entry = -1;
      if (guess >= 0) {
        const length = this.keyBytes[guess]!.length;
        if (
          i + 1 + length < end &&
          buf[i + 1 + length] === 0x22 &&
          this.sameKey(buf, i + 1, guess)
        ) {
          entry = guess;
          i += length + 2;
        }
      }
      if (entry < 0) {
        const keyStart = i;
        i = this.scanString(buf, i, end);
        if (i < 0) return false;
        if (this.lastEscaped) this.keyEscaped = true;
        else entry = this.identifyKey(buf, keyStart + 1, i - 1);
      }
      if (previous >= 0) this.next[previous] = entry;
      else this.firstKey = entry;
      previous = entry;
      guess = entry >= 0 ? this.next[entry]! : -1;
      const slot = entry >= 0 ? this.markKey(entry) : -1;
      if (buf[i] !== 0x3a) {
        i = skipWs(buf, i, end);
        if (buf[i] !== 0x3a) return false;
      }
      i++;
      if (buf[i]! <= 0x20) i = skipWs(buf, i, end);
      const valueStart = i;
      const first = buf[i];
      i = this.scanValue(buf, i, end, 1);
      if (i < 0) return false;
      if (slot >= 0) {
        this.valueStart[slot] = valueStart;
        this.valueEnd[slot] = i;
        this.valueEscaped[slot] = first === 0x22 && this.lastEscaped ? 1 : 0;
      }
      let c = buf[i];
      if (c! <= 0x20) {
        i = skipWs(buf, i, end);
        c = buf[i];
      }
      if (c === 0x2c) {
        i++;
        if (buf[i]! <= 0x20) i = skipWs(buf, i, end);
        continue;
      }
      if (c === 0x7d) return skipWs(buf, i + 1, end) === end;
      return false;
    }
  }

  /** Skip one JSON value; returns the index after it, or -1 when it is not valid JSON. */
  private scanValue(buf: Uint8Array, i: number, end: number, depth: number): number {
    const c = buf[i];
    if (c === 0x22) return this.scanString(buf, i, end);
    if (c === 0x7b) return this.scanObject(buf, i, end, depth + 1);
    if (c === 0x5b) return this.scanArray(buf, i, end, depth + 1);
    if (c === 0x6e) return literal(buf, i, end, NULL);
    if (c === 0x74) return literal(buf, i, end, TRUE);
    if (c === 0x66) return literal(buf, i, end, FALSE);
    return scanNumber(buf, i, end);
  }

  private scanObject(buf: Uint8Array, i: number, end: number, depth: number): number {
    if (depth > MAX_DEPTH) return -1;
    i = skipWs(buf, i + 1, end);
    if (buf[i] === 0x7d) return i + 1;
    for (;;) {
      if (buf[i] !== 0x22) return -1;
      i = this.scanString(buf, i, end);
      if (i < 0) return -1;
      i = skipWs(buf, i, end);
      if (buf[i] !== 0x3a) return -1;
      i = skipWs(buf, i + 1, end);
      i = this.scanValue(buf, i, end, depth);
      if (i < 0) return -1;
      i = skipWs(buf, i, end);
      const c = buf[i];
      if (c === 0x2c) {
        i = skipWs(buf, i + 1, end);
        continue;
      }
      return c === 0x7d ? i + 1 : -1;
    }
  }

  private scanArray(buf: Uint8Array, i: number, end: number, depth: number): number {
    if (depth > MAX_DEPTH) return -1;
    i = skipWs(buf, i + 1, end);
    if (buf[i] === 0x5d) return i + 1;
    for (;;) {
      i = this.scanValue(buf, i, end, depth);
      if (i < 0) return -1;
      i = skipWs(buf, i, end);
      const c = buf[i];
      if (c === 0x2c) {
        i = skipWs(buf, i + 1, end);
        continue;
      }
      return c === 0x5d ? i + 1 : -1;
    }
  }

  /** Which known key (index) the bytes name, or -1 for a key Ferry does not track. */
  private identifyKey(buf: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (length === 0) return -1;
    let slot = keyHash(buf, start, length) & (TABLE_SIZE - 1);
    for (;;) {
      const entry = this.table[slot]!;
      if (entry === 0) return -1;
      if (this.keyBytes[entry - 1]!.length === length && this.sameKey(buf, start, entry - 1))
        return entry - 1;
      slot = (slot + 1) & (TABLE_SIZE - 1);
    }
  }

  /** Count a known key's schema field (once per line); returns its recorded-value slot or -1. */
  private markKey(entry: number): number {
    const field = this.keyField[entry]!;
    if (field >= 0 && this.seen[field] === 0) {
      this.seen[field] = 1;
      this.fieldsFound++;
    }
    return this.keyValue[entry]!;
  }

  /** Whether `buf` at `start` holds key `index`'s bytes: four at a time, then the tail. */
  private sameKey(buf: Uint8Array, start: number, index: number): boolean {
    const words = this.keyWords[index]!;
    const view = this.view!;
    const at = this.base + start;
    for (let w = 0; w < words.length; w++)
      if (view.getUint32(at + w * 4, true) !== words[w]) return false;
    const bytes = this.keyBytes[index]!;
    for (let k = words.length * 4; k < bytes.length; k++)
      if (buf[start + k] !== bytes[k]) return false;
    return true;
  }

  /**
   * Scan a JSON string starting at its opening quote; returns the index after the closing
   * quote, or -1. Sets lastEscaped.
   */
  private scanString(buf: Uint8Array, i: number, end: number): number {
    let escaped = false;
    const words = this.words!;
    const base = this.base;
    i++;
    while (i < end) {
      // Four bytes per step while none of them is a quote, a backslash or a control character.
      const at = base + i;
      if ((at & 3) === 0 && i + 4 <= end) {
        const w = words[at >>> 2]!;
        const quote = w ^ 0x22222222;
        const slash = w ^ 0x5c5c5c5c;
        if (
          (((w - 0x20202020) & ~w) |
            ((quote - 0x01010101) & ~quote) |
            ((slash - 0x01010101) & ~slash)) &
          0x80808080
            ? false
            : true
        ) {
          i += 4;
          continue;
        }
      }
      const c = buf[i]!;
      if (c > 0x22 && c !== 0x5c) {
        i++;
        continue;
      }
      if (c === 0x22) {
        this.lastEscaped = escaped;
        return i + 1;
      }
      if (c < 0x20) return -1;
      if (c === 0x5c) {
        escaped = true;
        const e = buf[i + 1];
        if (e === 0x75) {
          if (i + 5 >= end) return -1;
          for (let k = 2; k < 6; k++) if (!isHex(buf[i + k]!)) return -1;
          i += 6;
          continue;
        }
        if (
          e === 0x22 ||
          e === 0x5c ||
          e === 0x2f ||
          e === 0x62 ||
          e === 0x66 ||
          e === 0x6e ||
          e === 0x72 ||
          e === 0x74
        ) {
          i += 2;
          continue;
        }
        return -1;
      }
      // 0x20 and 0x21: space and "!".
      i++;
    }
    return -1;
  }
}

const TRUE = new Uint8Array([0x74, 0x72, 0x75, 0x65]);
const FALSE = new Uint8Array([0x66, 0x61, 0x6c, 0x73, 0x65]);
const NULL = new Uint8Array([0x6e, 0x75, 0x6c, 0x6c]);

function literal(buf: Uint8Array, i: number, end: number, word: Uint8Array): number {
  if (i + word.length > end) return -1;
  for (let k = 0; k < word.length; k++) if (buf[i + k] !== word[k]) return -1;
  return i + word.length;
}

/** -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
function scanNumber(buf: Uint8Array, i: number, end: number): number {
  if (buf[i] === 0x2d) i++;
  if (i >= end) return -1;
  if (buf[i] === 0x30) i++;
  else if (isDigit(buf[i]!)) while (i < end && isDigit(buf[i]!)) i++;
  else return -1;
  if (i < end && buf[i] === 0x2e) {
    i++;
    if (i >= end || !isDigit(buf[i]!)) return -1;
    while (i < end && isDigit(buf[i]!)) i++;
  }
  if (i < end && (buf[i] === 0x65 || buf[i] === 0x45)) {
    i++;
    if (i < end && (buf[i] === 0x2b || buf[i] === 0x2d)) i++;
    if (i >= end || !isDigit(buf[i]!)) return -1;
    while (i < end && isDigit(buf[i]!)) i++;
  }
  return i;
}

function skipWs(buf: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = buf[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    i++;
  }
  return i;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** A cheap key hash from the length and three bytes; the table then compares whole keys. */
function keyHash(buf: Uint8Array, start: number, length: number): number {
  return (
    (length * 131 +
      buf[start]! * 31 +
      buf[start + length - 1]! * 7 +
      buf[start + (length >> 1)]!) >>>
    0
  );
}
