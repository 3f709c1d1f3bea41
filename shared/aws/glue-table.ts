/**
 * The Glue Data Catalog table over a connection's query copy (docs/query-copy.md, "The Glue
 * table"), as pure functions shared by the engine, the CLI and the console: its names, its
 * definition (with partition projection, so a new date is queryable without a crawler or
 * `MSCK REPAIR`), the same as Athena DDL, and a query to run.
 */
import { z } from 'zod';
import { dataset as datasetSchema, type Dataset } from '../model/fields';
import { GLUE_TYPES, QUERY_DATASETS, UPLOAD_HOUR_COLUMN, queryRoot } from '../model/query-format';

/** The database every Ferry table lives in. */
export const QUERY_DATABASE = 'ferry';

export interface QueryTableNames {
  database: string;
  table: string;
}

const TABLE_STEMS: Record<Dataset, string> = {
  events: 'amplitude_events',
  'merged-ids': 'amplitude_merged_ids',
};

/**
 * `ferry.amplitude_events_<projectId>` and `ferry.amplitude_merged_ids_<projectId>`: one table
 * per project and dataset (Glue names: `[a-z0-9_]`).
 */
export function queryTableNames(projectId: number, dataset: Dataset = 'events'): QueryTableNames {
  return { database: QUERY_DATABASE, table: `${TABLE_STEMS[dataset]}_${projectId}` };
}

/** The tables of a connection's query copy: one per dataset it exports, events first. */
export function queryDatasetsOf(datasets: readonly Dataset[]): Dataset[] {
  return (['events', 'merged-ids'] as const).filter((d) => datasets.includes(d));
}

/** Where the copy lives: the destination of an S3 connection. */
export interface QueryTableTarget {
  bucket: string;
  /** Folder prefix ("" or ending in "/"). */
  prefix: string;
  projectId: number;
}

/** `s3://bucket/<prefix>_query/events/` (or `merged_ids/`): a table's location. */
export function queryTableLocation(target: QueryTableTarget, dataset: Dataset = 'events'): string {
  return `s3://${target.bucket}/${queryRoot(target.prefix)}${QUERY_DATASETS[dataset].folder}/`;
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
export function queryTableColumns(
  dataset: Dataset = 'events',
): { Name: string; Type: string; Comment?: string }[] {
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

const DESCRIPTIONS: Record<Dataset, (projectId: number) => string> = {
  events: (p) =>
    `Amplitude events of project ${p}, exported by Ferry (Parquet query copy, by event date).`,
  'merged-ids': (p) =>
    `Merged Amplitude IDs of project ${p}'s organization, exported by Ferry (Parquet query copy, by merge date).`,
};

/**
 * The table over a dataset's copy. Its date key (`event_date`, `merge_date`) is projected as a
 * date from `since` (the copy's earliest date) to NOW, one partition a day, at the copy's own
 * folders — so Athena finds every date without a partition in the catalog.
 */
export function queryTableInput(
  target: QueryTableTarget,
  since: string,
  dataset: Dataset = 'events',
): GlueTableInput {
  const location = queryTableLocation(target, dataset);
  const key = QUERY_DATASETS[dataset].dateKey;
  return {
    Name: queryTableNames(target.projectId, dataset).table,
    Description: DESCRIPTIONS[dataset](target.projectId),
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
    },
    PartitionKeys: [{ Name: key, Type: 'string' }],
    StorageDescriptor: {
      Columns: queryTableColumns(dataset),
      Location: location,
      InputFormat: PARQUET.input,
      OutputFormat: PARQUET.output,
      SerdeInfo: { SerializationLibrary: PARQUET.serde, Parameters: {} },
    },
  };
}

/** The first date of a table's projection (`projection.<date key>.range`), or null. */
export function projectionSince(
  table: Pick<GlueTableInput, 'Parameters'>,
  dataset: Dataset = 'events',
): string | null {
  const range = table.Parameters[`projection.${QUERY_DATASETS[dataset].dateKey}.range`];
  return /^(\d{4}-\d{2}-\d{2}),/.exec(range ?? '')?.[1] ?? null;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * The tables as Athena DDL, for admins who apply changes by their own process: each database
 * created once, then one statement per table.
 */
export function queryTablesDdl(
  target: QueryTableTarget,
  tables: readonly { since: string; dataset: Dataset }[],
): string {
  const databases = new Set(
    tables.map((t) => queryTableNames(target.projectId, t.dataset).database),
  );
  return [
    ...[...databases].map((database) => `CREATE DATABASE IF NOT EXISTS \`${database}\`;\n`),
    ...tables.map((t) => queryTableDdl(target, t.since, t.dataset)),
  ].join('\n');
}

/** One table as Athena DDL (its database made elsewhere: `queryTablesDdl`). */
function queryTableDdl(
  target: QueryTableTarget,
  since: string,
  dataset: Dataset = 'events',
): string {
  const input = queryTableInput(target, since, dataset);
  const { database } = queryTableNames(target.projectId, dataset);
  const columns = input.StorageDescriptor.Columns.map(
    (c) => `  \`${c.Name}\` ${c.Type}${c.Comment ? ` COMMENT ${quote(c.Comment)}` : ''}`,
  ).join(',\n');
  const properties = Object.entries(input.Parameters)
    .map(([k, v]) => `  ${quote(k)} = ${quote(v)}`)
    .join(',\n');
  return [
    `CREATE EXTERNAL TABLE \`${database}\`.\`${input.Name}\` (`,
    columns,
    `)`,
    `COMMENT ${quote(input.Description)}`,
    `PARTITIONED BY (\`${QUERY_DATASETS[dataset].dateKey}\` string)`,
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
 * An Athena query over one upload hour (`yyyy-MM-ddTHH`): its events by type (its merges, for a
 * connection exporting merged IDs only). Filtered on the hour's own date and its `upload_hour`,
 * so Athena reads that date's files only (late events of the hour lie in earlier dates: drop the
 * `event_date` filter to count them too).
 */
export function lastHourQuery(
  projectId: number,
  hour: string,
  dataset: Dataset = 'events',
): string {
  const { database, table } = queryTableNames(projectId, dataset);
  const day = hour.slice(0, 10);
  const where = [
    `WHERE ${QUERY_DATASETS[dataset].dateKey} = '${day}'`,
    `  AND ${UPLOAD_HOUR_COLUMN} = TIMESTAMP '${day} ${hour.slice(11, 13)}:00:00'`,
  ];
  if (dataset === 'merged-ids')
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

/** One table of `ferry query-setup`'s plan: the table now, the table proposed. */
export const queryTableChange = z.object({
  /** The dataset whose copy it reads. */
  dataset: datasetSchema,
  database: z.string(),
  table: z.string(),
  /** `glue://<database>/<table>`: what backups call it. */
  target: z.string(),
  location: z.string(),
  /** The projection's first date: the copy's earliest date (today when it has none). */
  since: z.string(),
  /** The table as it is now (Ferry's fields, stable JSON); null when there is none. */
  current: z.string().nullable(),
  proposed: z.string(),
  change: z.enum(['create', 'update', 'none']),
});
export type QueryTableChange = z.infer<typeof queryTableChange>;

/** What `ferry query-setup` (API `query.plan`) shows: each table of the connection's copy. */
export const queryTablePlan = z.object({
  /** One per dataset the connection exports, events first. */
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
