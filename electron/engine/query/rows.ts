/**
 * One exported event as a row of the query copy: each field typed as its column says
 * (shared/model/query-format.ts). Pure.
 *
 * A value the column can not hold exactly is an error naming the field and the value, never a
 * null in its place: the copy says what the JSON export says, or the hour fails and keeps its
 * files.
 */
import { epochMicrosOfTimestamp } from '../../../shared/model/export-format';
import type { QueryColumn } from '../../../shared/model/query-format';

/** A value as the Parquet writer takes it for its column. */
export type RowValue = bigint | number | boolean | string | null;

const MICROS_PER_DAY = 86_400_000_000n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER = /^-?\d{1,19}$/;

/** The next step for an hour whose values the copy can not type. */
export const QUERY_VALUE_FIX =
  'The JSON files are as the source gave them; the query copy types every column (docs/query-copy.md). Correct the value at the source, or turn the query copy off for this connection.';

/** Raised for a value its column can not hold; the message says which and why. */
export class QueryValueError extends Error {
  constructor(column: QueryColumn, value: unknown, expected: string) {
    const shown = JSON.stringify(value) ?? String(value);
    super(
      `The query copy can not type "${column.field}": ${shown.length > 80 ? `${shown.slice(0, 77)}…` : shown} is not ${expected}`,
    );
    this.name = 'QueryValueError';
  }
}

function timestamp(column: QueryColumn, value: unknown): bigint {
  const micros = epochMicrosOfTimestamp(value);
  if (micros === null) throw new QueryValueError(column, value, 'a timestamp');
  return micros;
}

function bigint(column: QueryColumn, value: unknown): bigint {
  let whole: bigint | null = null;
  if (typeof value === 'number' && Number.isSafeInteger(value)) whole = BigInt(value);
  else if (typeof value === 'string' && INTEGER.test(value)) whole = BigInt(value);
  if (whole === null || whole < INT64_MIN || whole > INT64_MAX)
    throw new QueryValueError(column, value, 'a whole number that fits 64 bits exactly');
  return whole;
}

function double(column: QueryColumn, value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new QueryValueError(column, value, 'a number');
  return n;
}

function boolean(column: QueryColumn, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new QueryValueError(column, value, 'true or false');
}

/** The value of one field as its column holds it; null and a missing field are null. */
export function columnValue(column: QueryColumn, value: unknown): RowValue {
  if (value === null || value === undefined) return null;
  switch (column.kind) {
    case 'timestamp':
      return timestamp(column, value);
    case 'bigint':
      return bigint(column, value);
    case 'double':
      return double(column, value);
    case 'boolean':
      return boolean(column, value);
    case 'json':
      return JSON.stringify(value);
    case 'string':
      // A number or an object where a string belongs keeps its JSON text: nothing is dropped.
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

/** Dates by day number: every event of the copy has one, and most share a few. */
const dates = new Map<number, string>();
const DATES_KEPT = 4096;

/** `yyyy-MM-dd` of epoch microseconds, in UTC. */
export function dateOfMicros(micros: bigint): string {
  const day = Number(micros >= 0n ? micros / MICROS_PER_DAY : (micros + 1n) / MICROS_PER_DAY - 1n);
  let date = dates.get(day);
  if (date === undefined) {
    date = new Date(day * 86_400_000).toISOString().slice(0, 10);
    if (dates.size >= DATES_KEPT) dates.clear();
    dates.set(day, date);
  }
  return date;
}
