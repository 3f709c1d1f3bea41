/**
 * The query copy's contract (docs/query-copy.md): each exported hour also as Parquet, partitioned
 * by the date events happened, with typed columns Athena and Glue read as they are.
 *
 * Pure names and constants, used by the engine to write, by the Glue table and by the console.
 */
import { EVENT_FIELDS, MERGED_ID_FIELDS } from './export-format';
import type { Dataset } from './fields';

/** How a column is typed in the copy; its Glue (Hive) type follows from it. */
export type QueryColumnKind = 'timestamp' | 'bigint' | 'double' | 'boolean' | 'json' | 'string';

export interface QueryColumn {
  /** The column's name in the copy and the table: Athena takes only `[a-z0-9_]`. */
  name: string;
  /** The export field it comes from. */
  field: (typeof EVENT_FIELDS)[number] | (typeof MERGED_ID_FIELDS)[number];
  kind: QueryColumnKind;
}

const KINDS: Partial<Record<(typeof EVENT_FIELDS)[number], QueryColumnKind>> = {
  server_received_time: 'timestamp',
  event_time: 'timestamp',
  processed_time: 'timestamp',
  user_creation_time: 'timestamp',
  client_upload_time: 'timestamp',
  server_upload_time: 'timestamp',
  client_event_time: 'timestamp',
  app: 'bigint',
  $schema: 'bigint',
  amplitude_id: 'bigint',
  event_id: 'bigint',
  session_id: 'bigint',
  location_lat: 'double',
  location_lng: 'double',
  sample_rate: 'double',
  is_attribution_event: 'boolean',
  group_properties: 'json',
  user_properties: 'json',
  event_properties: 'json',
  groups: 'json',
  data: 'json',
  amplitude_attribution_ids: 'json',
};

/**
 * Every export field as a column of the copy, in the export's order. `$schema` and `$insert_id`
 * lose their `$` (Athena refuses it in a name); a field not typed above is a string.
 */
export const QUERY_EVENT_COLUMNS: readonly QueryColumn[] = EVENT_FIELDS.map((field) => ({
  name: field.replace(/^\$/, ''),
  field,
  kind: KINDS[field] ?? 'string',
}));

/** The merged-ID export's fields as columns: ids as BIGINT, times (epoch ms) as TIMESTAMP. */
export const QUERY_MERGED_ID_COLUMNS: readonly QueryColumn[] = MERGED_ID_FIELDS.map((field) => ({
  name: field,
  field,
  kind: field === 'merge_time' || field === 'merge_server_time' ? 'timestamp' : 'bigint',
}));

/** Added to every row: the start of the UTC upload hour the row was exported with. */
export const UPLOAD_HOUR_COLUMN = 'upload_hour';

/** The Hive partition key of the events copy: the UTC date of `event_time`. */
export const EVENT_DATE_KEY = 'event_date';

/** The Hive partition key of the merged-ID copy: the UTC date of the hour the merges were made. */
export const MERGE_DATE_KEY = 'merge_date';

/** Where each dataset's copy lives under `<prefix>_query/`, and the key it is partitioned by. */
export const QUERY_DATASETS: Record<
  Dataset,
  { folder: string; dateKey: string; columns: readonly QueryColumn[] }
> = {
  events: { folder: 'events', dateKey: EVENT_DATE_KEY, columns: QUERY_EVENT_COLUMNS },
  'merged-ids': {
    folder: 'merged_ids',
    dateKey: MERGE_DATE_KEY,
    columns: QUERY_MERGED_ID_COLUMNS,
  },
};

/** Glue's (Hive's) type for each kind of column. */
export const GLUE_TYPES: Record<QueryColumnKind, string> = {
  timestamp: 'timestamp',
  bigint: 'bigint',
  double: 'double',
  boolean: 'boolean',
  json: 'string',
  string: 'string',
};

/** `<prefix>_query/`: where the copy of every dataset lives, beside the exact export. */
export function queryRoot(prefix: string): string {
  return `${prefix}_query/`;
}

/**
 * `<prefix>_query/events/event_date=<yyyy-MM-dd>/<projectId>_<yyyy-MM-dd>_<H>#<n>.parquet`: the
 * rows of export partition n of an upload hour whose events happened on `eventDate`. Named by
 * the upload hour, so re-exporting an hour replaces exactly its own files in every date.
 */
export function queryEventObjectKey(
  prefix: string,
  projectId: number,
  eventDate: string,
  hour: string,
  partition: number,
): string {
  const upload = `${hour.slice(0, 10)}_${Number(hour.slice(11, 13))}`;
  return `${queryRoot(prefix)}events/${EVENT_DATE_KEY}=${eventDate}/${projectId}_${upload}#${partition}.parquet`;
}

/**
 * `<prefix>_query/merged_ids/merge_date=<yyyy-MM-dd>/-<orgId>_<yyyy-MM-dd>_<H>.parquet`: the
 * merged Amplitude IDs of an upload hour, one file named like the hour's JSON file — so a
 * re-export replaces it, and an hour that has no merges any more deletes it.
 */
export function queryMergedIdsObjectKey(prefix: string, orgId: number, hour: string): string {
  const day = hour.slice(0, 10);
  return `${queryRoot(prefix)}merged_ids/${MERGE_DATE_KEY}=${day}/-${orgId}_${day}_${Number(hour.slice(11, 13))}.parquet`;
}

/** The org and upload hour of a merged-ID copy file under `prefix`, or null for any other key. */
export function queryMergedIdsKeyParts(
  key: string,
  prefix: string,
): { orgId: number; hour: string } | null {
  const head = `${queryRoot(prefix)}merged_ids/${MERGE_DATE_KEY}=`;
  if (!key.startsWith(head)) return null;
  const m = /^\d{4}-\d{2}-\d{2}\/-(\d+)_(\d{4}-\d{2}-\d{2})_(\d{1,2})\.parquet$/.exec(
    key.slice(head.length),
  );
  if (!m) return null;
  const parts = { orgId: Number(m[1]), hour: `${m[2]}T${m[3]!.padStart(2, '0')}` };
  // Only a name the copy writes exactly.
  return queryMergedIdsObjectKey(prefix, parts.orgId, parts.hour) === key ? parts : null;
}

/**
 * `<prefix>_query/uploads/<projectId>_<yyyy-MM-dd>_<H>/`: one empty marker per file of an upload
 * hour's copy, in every date — so re-exporting the hour finds and replaces exactly its own files
 * with the s3:ListBucket the export already has (query/markers.ts).
 */
export function queryMarkerPrefix(prefix: string, projectId: number, hour: string): string {
  return `${queryMarkersOf(prefix, projectId)}${hour.slice(0, 10)}_${Number(hour.slice(11, 13))}/`;
}

/** `<prefix>_query/uploads/`: the folder of every project's marker folders. */
export function queryMarkersRoot(prefix: string): string {
  return `${queryRoot(prefix)}uploads/`;
}

/** `<prefix>_query/uploads/<projectId>_`: what a project's marker folders start with. */
export function queryMarkersOf(prefix: string, projectId: number): string {
  return `${queryMarkersRoot(prefix)}${projectId}_`;
}

/** `<marker prefix><event yyyy-MM-dd>#<n>`: the marker of one copy file (null: not a copy file). */
export function queryMarkerKey(copyKey: string, prefix: string): string | null {
  const parts = queryEventKeyParts(copyKey, prefix);
  if (!parts) return null;
  return `${queryMarkerPrefix(prefix, parts.projectId, parts.hour)}${parts.eventDate}#${parts.partition}`;
}

/** The copy file a marker of this hour names, or null for any other key. */
export function queryFileOfMarker(
  markerKey: string,
  prefix: string,
  projectId: number,
  hour: string,
): string | null {
  const head = queryMarkerPrefix(prefix, projectId, hour);
  if (!markerKey.startsWith(head)) return null;
  const m = /^(\d{4}-\d{2}-\d{2})#([1-9]\d{0,6})$/.exec(markerKey.slice(head.length));
  if (!m || !isCalendarDate(m[1]!)) return null;
  const file = queryEventObjectKey(prefix, projectId, m[1]!, hour, Number(m[2]));
  // Only a name the copy writes exactly (a real date, no leading zeros).
  return queryMarkerKey(file, prefix) === markerKey ? file : null;
}

function isCalendarDate(day: string): boolean {
  const at = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === day;
}

/** The parts of a query-copy file's key under `prefix`, or null for any other key. */
export function queryEventKeyParts(
  key: string,
  prefix: string,
): { projectId: number; eventDate: string; hour: string; partition: number } | null {
  const head = `${queryRoot(prefix)}events/${EVENT_DATE_KEY}=`;
  if (!key.startsWith(head)) return null;
  const m =
    /^(\d{4}-\d{2}-\d{2})\/(\d+)_(\d{4}-\d{2}-\d{2})_(\d{1,2})#([1-9]\d{0,6})\.parquet$/.exec(
      key.slice(head.length),
    );
  if (!m) return null;
  const [, eventDate, project, day, h, n] = m;
  const hour = `${day}T${h!.padStart(2, '0')}`;
  const parts = { projectId: Number(project), eventDate: eventDate!, hour, partition: Number(n) };
  // Only a name the copy writes exactly (no zero-padded hour, no leading zeros).
  return queryEventObjectKey(prefix, parts.projectId, parts.eventDate, hour, parts.partition) ===
    key
    ? parts
    : null;
}

/** True when `key` is a file of this project's query copy of upload hour `hour` (any date). */
export function isQueryCopyOf(
  key: string,
  prefix: string,
  projectId: number,
  hour: string,
): boolean {
  const parts = queryEventKeyParts(key, prefix);
  return parts?.projectId === projectId && parts.hour === hour;
}
