// Load a job history of any size into a team database straight in SQL (10M jobs through the
// store's putMany would take the bench ~15 minutes): the same records as scripts/bench-jobs.ts
// makes (two objects a job, 2% failed with an access error, 10% backfills), `connections`
// connections × 2 datasets an hour, the newest hour 2026-11-26T09, in batches of 500,000 rows,
// each written (touched) when it ended, as a history that grew over years.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../electron/engine/store/postgres/schema';

export async function loadJobsInSql(
  db: Kysely<Database>,
  jobs: number,
  connections: number,
  onBatch: (done: number) => void = () => undefined,
): Promise<void> {
  const perHour = connections * 2;
  const last = Math.floor(Date.parse('2026-11-26T09:00:00Z') / 3_600_000);
  const BATCH = 500_000;
  for (let from = 0; from < jobs; from += BATCH) {
    const to = Math.min(jobs, from + BATCH) - 1;
    await sql`
      WITH g AS (
        SELECT n,
          n % ${perHour} AS slot,
          ${last} - n / ${perHour} AS hour_index,
          n % 50 = 0 AS failed
        FROM generate_series(${from}::bigint, ${to}::bigint) AS n
      ), j AS (
        SELECT g.*,
          'j_' || lpad(to_hex(n), 9, '0') || '_' || lpad(to_hex(slot), 8, '0') AS id,
          'cn_bench' || lpad((slot / 2)::text, 3, '0') AS connection_id,
          CASE WHEN slot % 2 = 1 THEN 'merged-ids' ELSE 'events' END AS dataset,
          to_char(to_timestamp(hour_index * 3600) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24') AS hour,
          to_char(to_timestamp((hour_index + 1) * 3600 + 300) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS".000Z"') AS at,
          187600 + slot / 2 AS project_id
        FROM g
      )
      INSERT INTO ferry.jobs (id, connection_id, dataset, hour, status, created_at, touched_at, record)
      SELECT id, connection_id, dataset, hour,
        CASE WHEN failed THEN 'failed' ELSE 'succeeded' END,
        at::timestamptz, at::timestamptz,
        jsonb_build_object(
          'id', id, 'connectionId', connection_id, 'dataset', dataset, 'hour', hour,
          'trigger', CASE WHEN n % 10 = 0 THEN 'backfill' ELSE 'scheduled' END,
          'status', CASE WHEN failed THEN 'failed' ELSE 'succeeded' END,
          'attempts', CASE WHEN failed THEN 5 ELSE 1 END,
          'createdAt', at, 'updatedAt', at, 'startedAt', at, 'finishedAt', at,
          'durationMs', 42000,
          'counts', jsonb_build_object('eventsIn', 120000, 'eventsOut', 119400, 'duplicates', 600, 'filtered', 0, 'badLines', 0),
          'bytes', jsonb_build_object('raw', 190000000, 'compressed', 21000000),
          'objects', CASE WHEN failed THEN '[]'::jsonb ELSE jsonb_build_array(
            jsonb_build_object('key', 'amplitude/' || project_id || '_' || left(hour, 10) || '_' || (right(hour, 2)::int) || '#1.json.gz', 'bytes', 10500000, 'rawBytes', 95000000, 'events', 59700, 'sha256', repeat('ab', 32), 'etag', '"' || repeat('cd', 16) || '-3"'),
            jsonb_build_object('key', 'amplitude/' || project_id || '_' || left(hour, 10) || '_' || (right(hour, 2)::int) || '#2.json.gz', 'bytes', 10500000, 'rawBytes', 95000000, 'events', 59700, 'sha256', repeat('ab', 32), 'etag', '"' || repeat('cd', 16) || '-3"')) END,
          'removed', '[]'::jsonb, 'notes', '[]'::jsonb,
          'error', CASE WHEN failed THEN jsonb_build_object('kind', 'access', 'code', 's3:PutObject', 'message', 'Missing permission s3:PutObject (PutObject was refused: Access Denied)', 'fix', 'Grant s3:PutObject to the export role.') ELSE 'null'::jsonb END
        )
      FROM j`.execute(db);
    onBatch(to + 1);
  }
  // Settled, as a history that grew over years is: no autovacuum of the load while measuring.
  await sql`VACUUM (ANALYZE) ferry.jobs`.execute(db);
}
