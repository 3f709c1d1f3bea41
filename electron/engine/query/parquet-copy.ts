/**
 * The query copy of a file set of an upload hour (query/batches.ts): its exported lines as
 * Parquet (zstd), one file per date the events happened on (docs/query-copy.md). Rows keep the
 * lines' order; the same lines give the same bytes.
 *
 * Memory stays bounded by the row group: rows wait per date until a group is full, then are
 * encoded and compressed; only the compressed files are kept whole.
 */
import * as zlib from 'node:zlib';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import {
  hourIndex,
  type MERGED_ID_FIELDS,
  type MergedId,
} from '../../../shared/model/export-format';
import {
  QUERY_EVENT_COLUMNS,
  QUERY_MERGED_ID_COLUMNS,
  UPLOAD_HOUR_COLUMN,
  type QueryColumn,
} from '../../../shared/model/query-format';
import { columnValue, dateOfMicros, QueryValueError, type RowValue } from './rows';

/** Rows per row group: 4,096 events of ~1.5 KB; 16,384 held ~120 MB more at the peak (bench). */
export const ROW_GROUP_ROWS = 4096;
const ZSTD_LEVEL = 3;

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];
/** Named in each file's footer; no version, so a newer Ferry rewrites an hour byte for byte. */
const CREATED_BY = 'Ferry';

/** One file of the copy: the rows of the file set whose events happened on `eventDate`. */
export interface QueryCopyFile {
  eventDate: string;
  rows: number;
  bytes: Uint8Array;
}

type ZstdZlib = { zstdCompressSync?: (input: Uint8Array, options: object) => Buffer };

/** zstd from Node's zlib (Node 22.15 and later; Electron's Node has it). */
function zstd(input: Uint8Array): Uint8Array {
  const compress = (zlib as ZstdZlib).zstdCompressSync;
  if (!compress) throw new Error('The query copy needs zstd, in Node.js 22.15 or later.');
  return compress(input, {
    params: { [(zlib.constants as Record<string, number>).ZSTD_c_compressionLevel!]: ZSTD_LEVEL },
  });
}

function schemaElement(column: QueryColumn): SchemaElement {
  const base = { name: column.name, repetition_type: 'OPTIONAL' } as const;
  switch (column.kind) {
    case 'timestamp':
      return {
        ...base,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      };
    case 'bigint':
      return { ...base, type: 'INT64' };
    case 'double':
      return { ...base, type: 'DOUBLE' };
    case 'boolean':
      return { ...base, type: 'BOOLEAN' };
    case 'json':
    case 'string':
      return {
        ...base,
        type: 'BYTE_ARRAY',
        converted_type: 'UTF8',
        logical_type: { type: 'STRING' },
      };
  }
}

const UPLOAD_HOUR: QueryColumn = {
  name: UPLOAD_HOUR_COLUMN,
  field: 'server_upload_time',
  kind: 'timestamp',
};
const EVENT_COLUMNS: readonly QueryColumn[] = [...QUERY_EVENT_COLUMNS, UPLOAD_HOUR];
const MERGED_ID_COLUMNS: readonly QueryColumn[] = [...QUERY_MERGED_ID_COLUMNS, UPLOAD_HOUR];

function schemaOf(columns: readonly QueryColumn[]): SchemaElement[] {
  return [{ name: 'schema', num_children: columns.length }, ...columns.map(schemaElement)];
}
/** Where `event_time` sits in a row: the row's date comes from it. */
const EVENT_TIME_AT = QUERY_EVENT_COLUMNS.findIndex((c) => c.field === 'event_time');

/** One file of the copy, written a row group at a time. */
class CopyFile {
  private readonly out = new ByteWriter();
  private readonly writer: ParquetWriter;
  private pending: RowValue[][];
  rows = 0;

  constructor(private readonly columns: readonly QueryColumn[]) {
    this.writer = new ParquetWriter({
      writer: this.out,
      schema: schemaOf(columns),
      codec: 'ZSTD',
      compressors: { ZSTD: zstd },
      createdBy: CREATED_BY,
    });
    this.pending = columns.map(() => []);
  }

  add(values: RowValue[]): void {
    values.forEach((value, i) => this.pending[i]!.push(value));
    this.rows++;
    if (this.pending[0]!.length >= ROW_GROUP_ROWS) this.flush();
  }

  finish(): Uint8Array {
    this.flush();
    void this.writer.finish();
    return this.out.getBytes();
  }

  private flush(): void {
    const size = this.pending[0]!.length;
    if (size === 0) return;
    void this.writer.write({
      columnData: this.columns.map((column, i) => ({
        name: column.name,
        data: this.pending[i]!,
        // A property dict's min and max would copy whole dicts into the footer: none for JSON.
        statistics: column.kind !== 'json',
      })),
      rowGroupSize: size,
    });
    this.pending = this.columns.map(() => []);
  }
}

/**
 * Builds the query copy of a file set of an upload hour, line by line. An event without an
 * `event_time`, or with one after its upload hour's date, goes to its upload hour's date.
 */
export class EventsQueryCopy {
  private readonly files = new Map<string, CopyFile>();
  private readonly uploadMicros: bigint;
  private readonly uploadDate: string;

  constructor(hour: string) {
    this.uploadMicros = BigInt(hourIndex(hour)) * 3_600_000_000n;
    this.uploadDate = hour.slice(0, 10);
  }

  /** Adds one exported line (a JSON object); `where` names it in an error. */
  addLine(line: string, where: string): void {
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`The query copy could not read ${where}: it is not JSON`);
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event))
      throw new Error(`The query copy could not read ${where}: it is not a JSON object`);
    let values: RowValue[];
    try {
      values = QUERY_EVENT_COLUMNS.map((c) => columnValue(c, event[c.field]));
    } catch (error) {
      if (error instanceof QueryValueError) error.message += ` (${where})`;
      throw error;
    }
    values.push(this.uploadMicros);
    const at = values[EVENT_TIME_AT];
    // An event can not happen after it was uploaded: one timed later (a wrong client clock) goes
    // under its upload hour's date, which the table's projection (up to NOW) always reads.
    const happened = typeof at === 'bigint' ? dateOfMicros(at) : this.uploadDate;
    const date = happened > this.uploadDate ? this.uploadDate : happened;
    let file = this.files.get(date);
    if (!file) this.files.set(date, (file = new CopyFile(EVENT_COLUMNS)));
    file.add(values);
  }

  /** The finished files, by date. */
  finish(): QueryCopyFile[] {
    return [...this.files.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([eventDate, file]) => ({ eventDate, rows: file.rows, bytes: file.finish() }));
  }
}

/**
 * The query copy of an hour's merged Amplitude IDs (in the order the JSON file has them): one
 * Parquet file, its times as timestamps. Small (merges are few), so written at once.
 */
export function mergedIdsQueryCopy(merges: readonly MergedId[], hour: string): Uint8Array {
  const upload = BigInt(hourIndex(hour)) * 3_600_000_000n;
  const file = new CopyFile(MERGED_ID_COLUMNS);
  for (const merge of merges) {
    const values = QUERY_MERGED_ID_COLUMNS.map((c) =>
      columnValue(c, merge[c.field as (typeof MERGED_ID_FIELDS)[number]]),
    );
    values.push(upload);
    file.add(values);
  }
  return file.finish();
}
