/**
 * The Glue Data Catalog tables of a connection (docs/query-copy.md, "The Glue tables"), as pure
 * functions shared by the engine, the CLI and the console: their names, their definitions (over
 * the query copy with partition projection, so a new date is queryable without a crawler or
 * `MSCK REPAIR`; over the exact JSON export as it is), the same as Athena DDL, and a query to run.
 */
import { z } from 'zod';
import { eventObjectPrefix } from '../model/export-format';
import type { Dataset } from '../model/fields';
import {
  GLUE_TYPES,
  QUERY_DATASETS,
  QUERY_EVENT_COLUMNS,
  UPLOAD_HOUR_COLUMN,
  queryRoot,
} from '../model/query-format';

/** The database every Ferry table lives in. */
export const QUERY_DATABASE = 'ferry';

export interface QueryTableNames {
  database: string;
  table: string;
}

/**
 * A table Ferry makes: over a dataset's query copy (`events`, `merged-ids`), or over the exact
 * JSON export of the events (`json`, where the admin asks for it).
 */
export const queryTableKind = z.enum(['events', 'merged-ids', 'json']);
export type QueryTableKind = z.infer<typeof queryTableKind>;

/** Every kind, in the order a connection's tables are listed. */
export const QUERY_TABLE_KINDS: readonly QueryTableKind[] = queryTableKind.options;

const TABLE_STEMS: Record<QueryTableKind, string> = {
  events: 'amplitude_events',
  'merged-ids': 'amplitude_merged_ids',
  json: 'amplitude_events_json',
};

/**
 * `ferry.amplitude_events_<projectId>`, `ferry.amplitude_merged_ids_<projectId>` and
 * `ferry.amplitude_events_json_<projectId>`: one table per project and kind (Glue names:
 * `[a-z0-9_]`).
 */
export function queryTableNames(
  projectId: number,
  kind: QueryTableKind = 'events',
): QueryTableNames {
  return { database: QUERY_DATABASE, table: `${TABLE_STEMS[kind]}_${projectId}` };
}

/** The tables of a connection's query copy: one per dataset it exports, events first. */
export function queryDatasetsOf(datasets: readonly Dataset[]): Dataset[] {
  return (['events', 'merged-ids'] as const).filter((d) => datasets.includes(d));
}

/**
 * The tables a connection asks for: one per dataset of its query copy (when it writes one), and
 * the table over its JSON export (when the admin turned it on).
 */
export function queryTableKindsOf(connection: {
  datasets: readonly Dataset[];
  options: { queryCopy: boolean; jsonTable: boolean };
}): QueryTableKind[] {
  return [
    ...(connection.options.queryCopy ? queryDatasetsOf(connection.datasets) : []),
    ...(connection.options.jsonTable ? (['json'] as const) : []),
  ];
}

/**
 * The tables `query-setup` plans and the console lists: those the connection asks for — or,
 * when it asks for none yet, its copy's (they would stay empty until the copy is on).
 */
export function plannedQueryTables(
  connection: Parameters<typeof queryTableKindsOf>[0],
): QueryTableKind[] {
  const kinds = queryTableKindsOf(connection);
  return kinds.length > 0 ? kinds : queryDatasetsOf(connection.datasets);
}

/** Where the copy lives: the destination of an S3 connection — and which connection it is. */
export interface QueryTableTarget {
  bucket: string;
  /** Folder prefix ("" or ending in "/"). */
  prefix: string;
  projectId: number;
  /** The connection whose files the tables read: named in each table (`ferry.connection`). */
  connectionId: string;
}

/**
 * The table parameter naming the connection a table was made for: a table of this connection
 * that still reads where the connection exported before it was moved is recognised by it, and
 * pointed at the new place instead of being refused as another connection's.
 */
export const TABLE_OWNER_PARAMETER = 'ferry.connection';

/** The connection a table definition names (`ferry.connection`), or null. */
export function tableOwner(table: Pick<GlueTableInput, 'Parameters'>): string | null {
  return table.Parameters[TABLE_OWNER_PARAMETER] ?? null;
}

/**
 * Where a table definition (as the catalog holds it, in stable JSON) reads, and the connection it
 * names; nulls for text that is not one.
 */
export function tableReads(document: string): { location: string | null; owner: string | null } {
  let table: Partial<GlueTableInput> | null = null;
  try {
    table = JSON.parse(document) as Partial<GlueTableInput>;
  } catch {
    // Not a definition: it reads nowhere Ferry knows, for no connection.
  }
  return {
    location: table?.StorageDescriptor?.Location ?? null,
    owner: table?.Parameters ? tableOwner({ Parameters: table.Parameters }) : null,
  };
}

/**
 * `s3://bucket/<prefix>_query/events/` (or `merged_ids/`): a copy table's location; the JSON
 * table's is the export's own folder, `s3://bucket/<prefix>`.
 */
export function queryTableLocation(
  target: QueryTableTarget,
  kind: QueryTableKind = 'events',
): string {
  if (kind === 'json') return `s3://${target.bucket}/${target.prefix}`;
  return `s3://${target.bucket}/${queryRoot(target.prefix)}${QUERY_DATASETS[kind].folder}/`;
}

/** Glue's `TableInput`, in the fields Ferry sets (and compares, and backs up). */
export interface GlueTableInput {
  Name: string;
  Description: string;
  TableType: 'EXTERNAL_TABLE';
  Parameters: Record<string, string>;
  PartitionKeys: { Name: string; Type: string }[];
  StorageDescriptor: {
    Columns: { Name: string; Type: string; Comment?: string }[];
    Location: string;
    InputFormat: string;
    OutputFormat: string;
    SerdeInfo: { SerializationLibrary: string; Parameters: Record<string, string> };
  };
}

const PARQUET = {
  input: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  output: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serde: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
};

/** Gzipped JSON lines, read by the OpenX JSON SerDe (which maps `$`-named fields to columns). */
const JSON_LINES = {
  input: 'org.apache.hadoop.mapred.TextInputFormat',
  output: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
  serde: 'org.openx.data.jsonserde.JsonSerDe',
};

type GlueColumn = GlueTableInput['StorageDescriptor']['Columns'][number];

/** The copy's columns, typed as Glue (Hive) knows them, in the files' order. */
export function queryTableColumns(dataset: Dataset = 'events'): GlueColumn[] {
  return [
    ...QUERY_DATASETS[dataset].columns.map((c) => ({
      Name: c.name,
      Type: GLUE_TYPES[c.kind],
      ...(c.kind === 'json' ? { Comment: 'JSON text: read with json_extract' } : {}),
      ...(c.name !== c.field ? { Comment: `the export's "${c.field}"` } : {}),
    })),
    { Name: UPLOAD_HOUR_COLUMN, Type: 'timestamp', Comment: 'start of the UTC upload hour' },
  ];
}

/**
 * The JSON table's columns: the copy's names and types, except that times stay the text the
 * export holds (`yyyy-MM-dd HH:mm:ss.SSSSSS`, UTC) — a table over the exact export reads every
 * line, whatever a source put in a time field — and there is no `upload_hour`.
 */
export function jsonTableColumns(): GlueColumn[] {
  return QUERY_EVENT_COLUMNS.map((c) => ({
    Name: c.name,
    Type: c.kind === 'timestamp' ? 'string' : GLUE_TYPES[c.kind],
    ...(c.kind === 'timestamp' ? { Comment: 'UTC time as exported: CAST it AS timestamp(6)' } : {}),
    ...(c.kind === 'json' ? { Comment: 'JSON text: read with json_extract' } : {}),
    ...(c.name !== c.field ? { Comment: `the export's "${c.field}"` } : {}),
  }));
}

const DESCRIPTIONS: Record<QueryTableKind, (projectId: number) => string> = {
  events: (p) =>
    `Amplitude events of project ${p}, exported by Ferry (Parquet query copy, by event date).`,
  'merged-ids': (p) =>
    `Merged Amplitude IDs of project ${p}'s organization, exported by Ferry (Parquet query copy, by merge date).`,
  json: (p) =>
    `Every JSON file in the folder Ferry exports project ${p} to, as exported (not partitioned: a query reads the whole folder). Filter on "$path" for one project or hour: the folder holds merged-ID files and other projects' files too.`,
};

/**
 * A connection's table of one kind. A copy table's date key (`event_date`, `merge_date`) is
 * projected as a date from `since` (the copy's earliest date) to NOW, one partition a day, at the
 * copy's own folders — so Athena finds every date without a partition in the catalog. The JSON
 * table reads the export's folder as it is (`since` does not apply).
 */
export function queryTableInput(
  target: QueryTableTarget,
  since: string,
  kind: QueryTableKind = 'events',
): GlueTableInput {
  if (kind === 'json') return jsonTableInput(target);
  const location = queryTableLocation(target, kind);
  const key = QUERY_DATASETS[kind].dateKey;
  return {
    Name: queryTableNames(target.projectId, kind).table,
    Description: DESCRIPTIONS[kind](target.projectId),
    TableType: 'EXTERNAL_TABLE',
    Parameters: {
      classification: 'parquet',
      'parquet.compression': 'ZSTD',
      'projection.enabled': 'true',
      [`projection.${key}.type`]: 'date',
      [`projection.${key}.format`]: 'yyyy-MM-dd',
      [`projection.${key}.range`]: `${since},NOW`,
      [`projection.${key}.interval`]: '1',
      [`projection.${key}.interval.unit`]: 'DAYS',
      'storage.location.template': `${location}${key}=\${${key}}/`,
      'ferry.project': String(target.projectId),
      [TABLE_OWNER_PARAMETER]: target.connectionId,
    },
    PartitionKeys: [{ Name: key, Type: 'string' }],
    StorageDescriptor: {
      Columns: queryTableColumns(kind),
      Location: location,
      InputFormat: PARQUET.input,
      OutputFormat: PARQUET.output,
      SerdeInfo: { SerializationLibrary: PARQUET.serde, Parameters: {} },
    },
  };
}

/**
 * The table over the exact JSON export: the export's folder, gzipped JSON lines. Athena skips
 * names starting with `_` or `.`, so Ferry's own objects there (the copy, manifests, claims) are
 * not read; the merged-ID files and other projects' files are.
 */
function jsonTableInput(target: QueryTableTarget): GlueTableInput {
  return {
    Name: queryTableNames(target.projectId, 'json').table,
    Description: DESCRIPTIONS.json(target.projectId),
    TableType: 'EXTERNAL_TABLE',
    Parameters: {
      classification: 'json',
      compressionType: 'gzip',
      'ferry.project': String(target.projectId),
      [TABLE_OWNER_PARAMETER]: target.connectionId,
    },
    PartitionKeys: [],
    StorageDescriptor: {
      Columns: jsonTableColumns(),
      Location: queryTableLocation(target, 'json'),
      InputFormat: JSON_LINES.input,
      OutputFormat: JSON_LINES.output,
      SerdeInfo: {
        SerializationLibrary: JSON_LINES.serde,
        // The columns named unlike their field (`schema` for `$schema`), read from that field.
        Parameters: Object.fromEntries(
          QUERY_EVENT_COLUMNS.filter((c) => c.name !== c.field).map((c) => [
            `mapping.${c.name}`,
            c.field,
          ]),
        ),
      },
    },
  };
}

/** The first date of a table's projection (`projection.<date key>.range`), or null. */
export function projectionSince(
  table: Pick<GlueTableInput, 'Parameters'>,
  kind: QueryTableKind = 'events',
): string | null {
  if (kind === 'json') return null;
  const range = table.Parameters[`projection.${QUERY_DATASETS[kind].dateKey}.range`];
  return /^(\d{4}-\d{2}-\d{2}),/.exec(range ?? '')?.[1] ?? null;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The tables as Athena DDL, for admins who apply changes by their own process: each database
 * created once, then one statement per table.
 */
export function queryTablesDdl(
  target: QueryTableTarget,
  tables: readonly { since: string | null; dataset: QueryTableKind }[],
): string {
  const databases = new Set(
    tables.map((t) => queryTableNames(target.projectId, t.dataset).database),
  );
  return [
    ...[...databases].map((database) => `CREATE DATABASE IF NOT EXISTS \`${database}\`;\n`),
    ...tables.map((t) => queryTableDdl(target, t.since ?? '', t.dataset)),
  ].join('\n');
}

/** One table as Athena DDL (its database made elsewhere: `queryTablesDdl`), from its input. */
function queryTableDdl(target: QueryTableTarget, since: string, kind: QueryTableKind): string {
  const input = queryTableInput(target, since, kind);
  const { database } = queryTableNames(target.projectId, kind);
  const { Columns, SerdeInfo, InputFormat, OutputFormat, Location } = input.StorageDescriptor;
  const columns = Columns.map(
    (c) => `  \`${c.Name}\` ${c.Type}${c.Comment ? ` COMMENT ${quote(c.Comment)}` : ''}`,
  ).join(',\n');
  const pairs = (map: Record<string, string>) =>
    Object.entries(map)
      .map(([k, v]) => `  ${quote(k)} = ${quote(v)}`)
      .join(',\n');
  const serdeProperties = Object.keys(SerdeInfo.Parameters).length
    ? [`WITH SERDEPROPERTIES (`, pairs(SerdeInfo.Parameters), `)`]
    : [];
  return [
    `CREATE EXTERNAL TABLE \`${database}\`.\`${input.Name}\` (`,
    columns,
    `)`,
    `COMMENT ${quote(input.Description)}`,
    ...input.PartitionKeys.map((k) => `PARTITIONED BY (\`${k.Name}\` ${k.Type})`),
    `ROW FORMAT SERDE ${quote(SerdeInfo.SerializationLibrary)}`,
    ...serdeProperties,
    `STORED AS INPUTFORMAT ${quote(InputFormat)}`,
    `  OUTPUTFORMAT ${quote(OutputFormat)}`,
    `LOCATION ${quote(Location)}`,
    `TBLPROPERTIES (`,
    pairs(input.Parameters),
    `);`,
    '',
  ].join('\n');
}

/**
 * An Athena query over one upload hour (`yyyy-MM-ddTHH`): its events by type (its merges, for a
 * connection exporting merged IDs only). On a copy table it is filtered on the hour's own date and
 * its `upload_hour`, so Athena reads that date's files only (late events of the hour lie in
 * earlier dates: drop the `event_date` filter to count them too); on the JSON table, on the
 * hour's own files (`"$path"`), which also leaves out merged IDs and other projects.
 */
export function lastHourQuery(
  target: QueryTableTarget,
  hour: string,
  kind: QueryTableKind = 'events',
): string {
  const { database, table } = queryTableNames(target.projectId, kind);
  const day = hour.slice(0, 10);
  const where =
    kind === 'json'
      ? [`WHERE "$path" LIKE ${quote(`${escapeLike(hourFiles(target, hour))}%`)}`, `  ESCAPE '\\'`]
      : [
          `WHERE ${QUERY_DATASETS[kind].dateKey} = '${day}'`,
          `  AND ${UPLOAD_HOUR_COLUMN} = TIMESTAMP '${day} ${hour.slice(11, 13)}:00:00'`,
        ];
  if (kind === 'merged-ids')
    return [
      `SELECT amplitude_id, merged_amplitude_id, merge_time`,
      `FROM "${database}"."${table}"`,
      ...where,
      `ORDER BY merge_server_time`,
      `LIMIT 100;`,
    ].join('\n');
  return [
    `SELECT event_type, count(*) AS events`,
    `FROM "${database}"."${table}"`,
    ...where,
    `GROUP BY event_type`,
    `ORDER BY events DESC`,
    `LIMIT 100;`,
  ].join('\n');
}

/** `s3://bucket/<prefix><pid>_<yyyy-MM-dd>_<H>#`: what every JSON file of the hour starts with. */
function hourFiles(target: QueryTableTarget, hour: string): string {
  return `s3://${target.bucket}/${eventObjectPrefix(target.prefix, target.projectId, hour)}`;
}

/** `text` matched literally by LIKE … ESCAPE '\' (its `%`, `_` and `\` escaped). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Where a planned table reads now, when that is not where Ferry proposes it to read (a
 * connection's own table from before it moved to another bucket or prefix); null otherwise.
 */
export function readsElsewhere(table: { current: string | null; location: string }): string | null {
  const reads = table.current === null ? null : tableReads(table.current).location;
  return reads !== null && reads !== table.location ? reads : null;
}

/** One table of `ferry query-setup`'s plan: the table now, the table proposed. */
export const queryTableChange = z.object({
  /** The dataset whose copy it reads, or `json`: the exact JSON export. */
  dataset: queryTableKind,
  database: z.string(),
  table: z.string(),
  /** `glue://<database>/<table>`: what backups call it. */
  target: z.string(),
  location: z.string(),
  /**
   * The projection's first date: the copy's earliest date (today when it has none); null for the
   * JSON table, which is not projected.
   */
  since: z.string().nullable(),
  /** The table as it is now (Ferry's fields, stable JSON); null when there is none. */
  current: z.string().nullable(),
  proposed: z.string(),
  change: z.enum(['create', 'update', 'none']),
});
export type QueryTableChange = z.infer<typeof queryTableChange>;

/** What `ferry query-setup` (API `query.plan`) shows: each table of the connection's copy. */
export const queryTablePlan = z.object({
  /** One per dataset of the connection's copy, events first, then the JSON table if asked for. */
  tables: z.array(queryTableChange).min(1),
  /** `none` when every table is as proposed; `create` when none exists yet. */
  change: z.enum(['create', 'update', 'none']),
  /** Every table as Athena DDL. */
  ddl: z.string(),
  /** An Athena query over the newest exported hour (else the last hour that ended). */
  query: z.string(),
});
export type QueryTablePlan = z.infer<typeof queryTablePlan>;

/** The change of a whole plan, from its tables'. */
export function planChange(
  tables: readonly Pick<QueryTableChange, 'change'>[],
): QueryTablePlan['change'] {
  if (tables.every((t) => t.change === 'none')) return 'none';
  if (tables.every((t) => t.change === 'create')) return 'create';
  return 'update';
}
