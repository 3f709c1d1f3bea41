/**
 * The Glue Data Catalog table over a connection's query copy (docs/query-copy.md, "The Glue
 * table"), as pure functions shared by the engine, the CLI and the console: its names, its
 * definition (with partition projection, so a new date is queryable without a crawler or
 * `MSCK REPAIR`), the same as Athena DDL, and a query to run.
 */
import { z } from 'zod';
import {
  EVENT_DATE_KEY,
  GLUE_TYPES,
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

/** `ferry.amplitude_events_<projectId>`: one table per project (Glue names: `[a-z0-9_]`). */
export function queryTableNames(projectId: number): QueryTableNames {
  return { database: QUERY_DATABASE, table: `amplitude_events_${projectId}` };
}

/** Where the copy lives: the destination of an S3 connection. */
export interface QueryTableTarget {
  bucket: string;
  /** Folder prefix ("" or ending in "/"). */
  prefix: string;
  projectId: number;
}

/** `s3://bucket/<prefix>_query/events/`: the table's location. */
export function queryEventsLocation(target: QueryTableTarget): string {
  return `s3://${target.bucket}/${queryRoot(target.prefix)}events/`;
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

/** The copy's columns, typed as Glue (Hive) knows them, in the files' order. */
export function queryTableColumns(): { Name: string; Type: string; Comment?: string }[] {
  return [
    ...QUERY_EVENT_COLUMNS.map((c) => ({
      Name: c.name,
      Type: GLUE_TYPES[c.kind],
      ...(c.kind === 'json' ? { Comment: 'JSON text: read with json_extract' } : {}),
      ...(c.name !== c.field ? { Comment: `the export's "${c.field}"` } : {}),
    })),
    { Name: UPLOAD_HOUR_COLUMN, Type: 'timestamp', Comment: 'start of the UTC upload hour' },
  ];
}

/**
 * The table over the copy. `event_date` is projected as a date from `since` (the earliest event
 * date of the copy) to NOW, one partition a day, at the copy's own folders — so Athena finds
 * every date without a partition in the catalog.
 */
export function queryTableInput(target: QueryTableTarget, since: string): GlueTableInput {
  const location = queryEventsLocation(target);
  return {
    Name: queryTableNames(target.projectId).table,
    Description: `Amplitude events of project ${target.projectId}, exported by Ferry (Parquet query copy, by event date).`,
    TableType: 'EXTERNAL_TABLE',
    Parameters: {
      classification: 'parquet',
      'parquet.compression': 'ZSTD',
      'projection.enabled': 'true',
      [`projection.${EVENT_DATE_KEY}.type`]: 'date',
      [`projection.${EVENT_DATE_KEY}.format`]: 'yyyy-MM-dd',
      [`projection.${EVENT_DATE_KEY}.range`]: `${since},NOW`,
      [`projection.${EVENT_DATE_KEY}.interval`]: '1',
      [`projection.${EVENT_DATE_KEY}.interval.unit`]: 'DAYS',
      'storage.location.template': `${location}${EVENT_DATE_KEY}=\${${EVENT_DATE_KEY}}/`,
      'ferry.project': String(target.projectId),
    },
    PartitionKeys: [{ Name: EVENT_DATE_KEY, Type: 'string' }],
    StorageDescriptor: {
      Columns: queryTableColumns(),
      Location: location,
      InputFormat: PARQUET.input,
      OutputFormat: PARQUET.output,
      SerdeInfo: { SerializationLibrary: PARQUET.serde, Parameters: {} },
    },
  };
}

/** The first date of a table's projection (`projection.event_date.range`), or null. */
export function projectionSince(table: Pick<GlueTableInput, 'Parameters'>): string | null {
  const range = table.Parameters[`projection.${EVENT_DATE_KEY}.range`];
  return /^(\d{4}-\d{2}-\d{2}),/.exec(range ?? '')?.[1] ?? null;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The same table as Athena DDL, for admins who apply changes by their own process. */
export function queryTableDdl(target: QueryTableTarget, since: string): string {
  const input = queryTableInput(target, since);
  const { database } = queryTableNames(target.projectId);
  const columns = input.StorageDescriptor.Columns.map(
    (c) => `  \`${c.Name}\` ${c.Type}${c.Comment ? ` COMMENT ${quote(c.Comment)}` : ''}`,
  ).join(',\n');
  const properties = Object.entries(input.Parameters)
    .map(([k, v]) => `  ${quote(k)} = ${quote(v)}`)
    .join(',\n');
  return [
    `CREATE DATABASE IF NOT EXISTS \`${database}\`;`,
    '',
    `CREATE EXTERNAL TABLE \`${database}\`.\`${input.Name}\` (`,
    columns,
    `)`,
    `COMMENT ${quote(input.Description)}`,
    `PARTITIONED BY (\`${EVENT_DATE_KEY}\` string)`,
    `ROW FORMAT SERDE ${quote(PARQUET.serde)}`,
    `STORED AS INPUTFORMAT ${quote(PARQUET.input)}`,
    `  OUTPUTFORMAT ${quote(PARQUET.output)}`,
    `LOCATION ${quote(input.StorageDescriptor.Location)}`,
    `TBLPROPERTIES (`,
    properties,
    `);`,
    '',
  ].join('\n');
}

/**
 * An Athena query over one upload hour (`yyyy-MM-ddTHH`): its events by type. Filtered on the
 * hour's own date and its `upload_hour`, so Athena reads that date's files only (late events of
 * the hour lie in earlier dates: drop the `event_date` filter to count them too).
 */
export function lastHourQuery(projectId: number, hour: string): string {
  const { database, table } = queryTableNames(projectId);
  const day = hour.slice(0, 10);
  return [
    `SELECT event_type, count(*) AS events`,
    `FROM "${database}"."${table}"`,
    `WHERE ${EVENT_DATE_KEY} = '${day}'`,
    `  AND ${UPLOAD_HOUR_COLUMN} = TIMESTAMP '${day} ${hour.slice(11, 13)}:00:00'`,
    `GROUP BY event_type`,
    `ORDER BY events DESC`,
    `LIMIT 100;`,
  ].join('\n');
}

/** What `ferry query-setup` (API `query.plan`) shows: the table now, the table proposed. */
export const queryTablePlan = z.object({
  database: z.string(),
  table: z.string(),
  /** `glue://<database>/<table>`: what backups call it. */
  target: z.string(),
  location: z.string(),
  /** The projection's first date: the copy's earliest event date (today when it has none). */
  since: z.string(),
  /** The table as it is now (Ferry's fields, stable JSON); null when there is none. */
  current: z.string().nullable(),
  proposed: z.string(),
  change: z.enum(['create', 'update', 'none']),
  /** The same table as Athena DDL. */
  ddl: z.string(),
  /** An Athena query over the newest exported hour (else the last hour that ended). */
  query: z.string(),
});
export type QueryTablePlan = z.infer<typeof queryTablePlan>;
