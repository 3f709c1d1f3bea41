/**
 * The output contract (README "What lands in the bucket", docs/pipeline.md): object names, the
 * event schema, merged-ID lines.
 *
 * Pure functions and constants, used by the engine to write and by tests and the UI to read.
 */

/** Every field of an exported event, in Amplitude's export order. Missing ones are written as null. */
export const EVENT_FIELDS = [
  'server_received_time',
  'app',
  'device_carrier',
  '$schema',
  'city',
  'user_id',
  'uuid',
  'event_time',
  'platform',
  'os_version',
  'amplitude_id',
  'processed_time',
  'user_creation_time',
  'version_name',
  'ip_address',
  'paying',
  'dma',
  'group_properties',
  'user_properties',
  'client_upload_time',
  '$insert_id',
  'event_type',
  'library',
  'amplitude_attribution_ids',
  'device_type',
  'device_manufacturer',
  'start_version',
  'location_lng',
  'server_upload_time',
  'event_id',
  'location_lat',
  'os_name',
  'amplitude_event_type',
  'device_brand',
  'groups',
  'event_properties',
  'data',
  'device_id',
  'language',
  'device_model',
  'country',
  'region',
  'is_attribution_event',
  'adid',
  'session_id',
  'device_family',
  'sample_rate',
  'idfa',
  'client_event_time',
] as const;

/** The fields of a merged-Amplitude-ID line, in order. */
export const MERGED_ID_FIELDS = [
  'scope',
  'merge_time',
  'merge_server_time',
  'amplitude_id',
  'merged_amplitude_id',
] as const;

export interface MergedId {
  scope: number;
  merge_time: number;
  merge_server_time: number;
  amplitude_id: number;
  merged_amplitude_id: number;
}

/** A UTC hour as the number of hours since 1970-01-01T00 (so hours are easy to step through). */
export type HourIndex = number;

const HOUR_MS = 3_600_000;

/** `2020-01-25T17` → hour index. */
export function hourIndex(hour: string): HourIndex {
  return Date.parse(`${hour}:00:00Z`) / HOUR_MS;
}

/** Hour index → `2020-01-25T17`. */
export function hourString(index: HourIndex): string {
  return new Date(index * HOUR_MS).toISOString().slice(0, 13);
}

/** The hour a moment falls in. */
export function hourOfTime(epochMs: number): HourIndex {
  return Math.floor(epochMs / HOUR_MS);
}

/** Every hour from `from` to `to`, both included. */
export function hoursBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let h = hourIndex(from); h <= hourIndex(to); h++) out.push(hourString(h));
  return out;
}

/** `<yyyy-MM-dd>_<H>`: the date and the hour without zero padding, as Amplitude names files. */
function datePart(hour: string): string {
  return `${hour.slice(0, 10)}_${Number(hour.slice(11, 13))}`;
}

/** `<prefix><projectId>_<yyyy-MM-dd>_<H>#<n>.json.gz` — partition n of an hour's events (n from 1). */
export function eventObjectKey(
  prefix: string,
  projectId: number,
  hour: string,
  partition: number,
): string {
  return `${prefix}${projectId}_${datePart(hour)}#${partition}.json.gz`;
}

/** What all partitions of an hour's events share: list with it to find an earlier export's. */
export function eventObjectPrefix(prefix: string, projectId: number, hour: string): string {
  return `${prefix}${projectId}_${datePart(hour)}#`;
}

/** The partition number of an event object key of this hour, or null for any other key. */
export function partitionOf(
  key: string,
  prefix: string,
  projectId: number,
  hour: string,
): number | null {
  const head = eventObjectPrefix(prefix, projectId, hour);
  if (!key.startsWith(head) || !key.endsWith('.json.gz')) return null;
  const n = key.slice(head.length, -'.json.gz'.length);
  return /^[1-9]\d*$/.test(n) ? Number(n) : null;
}

/** `<prefix>-<orgId>_<yyyy-MM-dd>_<H>.json.gz` — an hour's merged Amplitude IDs. */
export function mergedIdsObjectKey(prefix: string, orgId: number, hour: string): string {
  return `${prefix}-${orgId}_${datePart(hour)}.json.gz`;
}

/** `<prefix>_manifests/<projectId>_<yyyy-MM-dd>_<H>.json` — what an hour's export wrote (opt-in). */
export function manifestKey(prefix: string, projectId: number, hour: string): string {
  return `${manifestPrefix(prefix, projectId)}${datePart(hour)}.json`;
}

/** `<prefix>_manifests/<projectId>_`: what every manifest of a project starts with. */
export function manifestPrefix(prefix: string, projectId: number): string {
  return `${prefix}_manifests/${projectId}_`;
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** 400 Gregorian years, in milliseconds: the calendar repeats exactly after them. */
const FOUR_CENTURIES_MS = 146_097 * 86_400_000;

/**
 * Date.UTC for every four-digit year: Date.UTC reads years 0–99 as 1900–1999, so a year 0050 is
 * computed 400 years on (the same calendar) and brought back.
 */
function utcOf(y: number, mo0: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  return y >= 100
    ? Date.UTC(y, mo0, d, h, mi, s, ms)
    : Date.UTC(y + 400, mo0, d, h, mi, s, ms) - FOUR_CENTURIES_MS;
}

/** Epoch milliseconds of each hour met in Amplitude's own form (NaN: no such date), by its digits. */
const hourStarts = new Map<number, number>();
const HOUR_STARTS_KEPT = 4096;
/** The number the `count` digits of `v` from `from` make, or -1 where one is not a digit. */
function digitsAt(v: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const digit = v.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

/**
 * The parts of a timestamp in Amplitude's own form (`2020-01-25 17:03:12.123456`), read by
 * position: every event has several. `undefined` for any other form and for a date that is not
 * one (the regular expression reads those); otherwise the same answer as it.
 */
function fixedTimestampParts(v: string): { ms: number; micros: number } | null | undefined {
  if (v.length !== 26 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return undefined;
  if (v.charCodeAt(10) !== 32 || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58)
    return undefined;
  if (v.charCodeAt(19) !== 46) return undefined;
  const y = digitsAt(v, 0, 4);
  const mo = digitsAt(v, 5, 2);
  const d = digitsAt(v, 8, 2);
  const h = digitsAt(v, 11, 2);
  const mi = digitsAt(v, 14, 2);
  const s = digitsAt(v, 17, 2);
  const ms = digitsAt(v, 20, 3);
  const micros = digitsAt(v, 23, 3);
  if ((y | mo | d | h | mi | s | ms | micros) < 0 || h > 23) return undefined;
  const key = ((y * 100 + mo) * 100 + d) * 24 + h;
  let start = hourStarts.get(key);
  if (start === undefined) {
    const utc = utcOf(y, mo - 1, d, h);
    start = mo >= 1 && mo <= 12 && new Date(utc).getUTCDate() === d ? utc : NaN;
    if (hourStarts.size >= HOUR_STARTS_KEPT) hourStarts.clear();
    hourStarts.set(key, start);
  }
  if (Number.isNaN(start)) return undefined;
  if (mi > 59 || s > 60) return null;
  return { ms: start + mi * 60_000 + s * 1000 + ms, micros };
}

/** A timestamp string's UTC epoch milliseconds and the microseconds past them (0–999), or null. */
function timestampParts(value: string): { ms: number; micros: number } | null {
  const fixed = fixedTimestampParts(value);
  if (fixed !== undefined) return fixed;
  const m = TIMESTAMP.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '00', frac = '', zone] = m;
  if (Number(mo) < 1 || Number(mo) > 12 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60)
    return null;
  const utc = utcOf(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    Number(frac.padEnd(3, '0').slice(0, 3)),
  );
  if (new Date(utc).getUTCDate() !== Number(d)) return null;
  const micros = Number(frac.padEnd(6, '0').slice(3, 6));
  if (!zone || zone.toUpperCase() === 'Z') return { ms: utc, micros };
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const [zoneHours, zoneMinutes] = [Number(digits.slice(0, 2)), Number(digits.slice(2))];
  // An offset is at most 23:59, as Date.parse takes it: `-0262` is not a zone.
  if (zoneHours > 23 || zoneMinutes > 59) return null;
  const offset = (zoneHours * 60 + zoneMinutes) * 60_000;
  return { ms: utc - sign * offset, micros };
}

/**
 * Epoch milliseconds of a timestamp as Amplitude writes them, or null when it is not one.
 *
 * Accepts ISO-8601 (`2020-01-25T17:03:12.123Z`, with an offset, or without a zone) and Amplitude's
 * own `2020-01-25 17:03:12.123456`; a time without a zone is UTC, never local time. Numbers are
 * epoch milliseconds already.
 */
export function epochOfTimestamp(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  return timestampParts(value)?.ms ?? null;
}

/**
 * Epoch microseconds of a timestamp (same forms as epochOfTimestamp, digits past the
 * millisecond kept; a number is whole epoch milliseconds), or null when it is not one.
 */
export function epochMicrosOfTimestamp(value: unknown): bigint | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) * 1000n : null;
  if (typeof value !== 'string') return null;
  const parts = timestampParts(value);
  if (!parts) return null;
  // One BigInt, not three, where the sum is exact as a number (years up to ~2255).
  const micros = parts.ms * 1000 + parts.micros;
  return Number.isSafeInteger(micros)
    ? BigInt(micros)
    : BigInt(parts.ms) * 1000n + BigInt(parts.micros);
}

/** The UTC hour a timestamp falls in (same forms as epochOfTimestamp), or null. */
export function hourOfTimestamp(value: unknown): HourIndex | null {
  const epoch = epochOfTimestamp(value);
  return epoch === null ? null : hourOfTime(epoch);
}
