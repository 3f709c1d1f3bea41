import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_FIELDS, epochMicrosOfTimestamp } from '../../../../shared/model/export-format';
import { GLUE_TYPES, QUERY_EVENT_COLUMNS } from '../../../../shared/model/query-format';
import { EventsQueryCopy, ROW_GROUP_ROWS } from '../../../../electron/engine/query/parquet-copy';

const HOUR = '2026-11-01T05';

/** A full export line: every field, null unless given. */
function line(fields: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(EVENT_FIELDS.map((f) => [f, fields[f] ?? null])));
}

const base = {
  app: 187520,
  $schema: 12,
  amplitude_id: 123456789012,
  event_id: 1,
  session_id: 1793509200000,
  server_upload_time: '2026-11-01 05:10:00.123456',
  server_received_time: '2026-11-01 05:09:59.900000',
  client_upload_time: '2026-11-01T05:09:58.5Z',
  event_time: '2026-11-01 05:09:12.000001',
  event_type: 'Viewed page',
  is_attribution_event: false,
  location_lat: 52.52,
  location_lng: -13.4,
  event_properties: { path: '/a/b', depth: 3 },
  user_properties: { plan: 'team' },
  groups: { company: 'acct-1' },
  data: { path: '/2/httpapi' },
  $insert_id: 'ins-1',
  uuid: 'u-1',
};

const FIXTURE = [
  line(base),
  // Unicode everywhere a string goes, and an emoji in a property value.
  line({
    ...base,
    event_id: 2,
    city: 'São Paulo',
    user_id: 'ユーザー',
    event_properties: { 名前: '🚀 \u2028 "q"' },
  }),
  // Nulls and missing fields (written as null by the export).
  line({
    ...base,
    event_id: 3,
    location_lat: null,
    event_properties: null,
    is_attribution_event: null,
  }),
  // A huge property dict.
  line({
    ...base,
    event_id: 4,
    event_properties: Object.fromEntries(
      Array.from({ length: 2000 }, (_, i) => [`k${i}`, 'v'.repeat(50) + i]),
    ),
  }),
  // Late events: they happened days before their upload hour, each on its own date.
  line({ ...base, event_id: 5, event_time: '2026-10-28 23:59:59.999999' }),
  line({ ...base, event_id: 6, event_time: '2026-10-30T12:00:00+02:00' }),
  // No event time: the upload hour's date.
  line({ ...base, event_id: 7, event_time: null }),
  // Odd but exact upstream types: numbers as strings, a number where a string belongs.
  line({ ...base, event_id: '8', amplitude_id: '9007199254740993', user_id: 42, paying: true }),
];

let dir: string;
let db: DuckDBConnection;
const query = async (sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJS();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-query-copy-'));
  db = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(async () => {
  db.closeSync();
  await rm(dir, { recursive: true, force: true });
});

async function writeCopy(lines: string[]) {
  const copy = new EventsQueryCopy(HOUR);
  lines.forEach((l, i) => copy.addLine(l, `line ${i + 1}`));
  const files = copy.finish();
  for (const f of files) await writeFile(join(dir, `${f.eventDate}.parquet`), f.bytes);
  return files;
}

describe('the query copy of a partition', () => {
  it('puts each event in the file of the date it happened, read back by DuckDB field by field', async () => {
    const files = await writeCopy(FIXTURE);
    expect(files.map((f) => [f.eventDate, f.rows])).toEqual([
      ['2026-10-28', 1],
      ['2026-10-30', 1],
      ['2026-11-01', 6],
    ]);
    const rows = await query(
      `SELECT *, filename FROM read_parquet('${dir}/*.parquet', filename = true) ORDER BY event_id`,
    );
    expect(rows).toHaveLength(FIXTURE.length);
    for (const [i, text] of FIXTURE.entries()) {
      const event = JSON.parse(text) as Record<string, unknown>;
      const row = rows[i]!;
      for (const column of QUERY_EVENT_COLUMNS) {
        const want = event[column.field];
        const got = row[column.name];
        const where = `${column.name} of event ${i + 1}`;
        if (want === null) expect(got, where).toBeNull();
        else if (column.kind === 'timestamp')
          // DuckDB gives TIMESTAMP WITH TIME ZONE as a Date: compare to the millisecond here and
          // to the microsecond below.
          expect((got as Date).getTime(), where).toBe(
            Number(epochMicrosOfTimestamp(want)! / 1000n),
          );
        else if (column.kind === 'bigint') expect(String(got), where).toBe(String(want));
        else if (column.kind === 'json') expect(JSON.parse(got as string), where).toEqual(want);
        else if (column.kind === 'string')
          expect(got, where).toBe(typeof want === 'string' ? want : JSON.stringify(want));
        else expect(got, where).toEqual(want);
      }
      expect(String(row.filename)).toContain(
        i === 4 ? '2026-10-28' : i === 5 ? '2026-10-30' : '2026-11-01',
      );
    }
    const micros = await query(
      `SELECT epoch_us(event_time)::VARCHAR AS us, epoch_us(upload_hour)::VARCHAR AS hour
         FROM read_parquet('${dir}/*.parquet') ORDER BY event_id LIMIT 1`,
    );
    expect(micros).toEqual([{ us: '1793509752000001', hour: '1793509200000000' }]);
  });

  it('puts an event timed after its upload (a wrong clock) under the upload date', () => {
    const copy = new EventsQueryCopy(HOUR);
    const times = [
      '2027-03-01 00:00:00.000000',
      '2026-11-02 00:10:00.000000',
      '2026-10-31 23:00:00',
    ];
    times.forEach((t, i) =>
      copy.addLine(line({ ...base, event_id: i, event_time: t }), `line ${i}`),
    );
    // Nothing goes to a date the table's projection (up to NOW) would not read yet.
    expect(copy.finish().map((f) => [f.eventDate, f.rows])).toEqual([
      ['2026-10-31', 1],
      ['2026-11-01', 2],
    ]);
  });

  it('reads every file with the Glue table’s types without a cast error', async () => {
    await writeCopy(FIXTURE);
    const duck: Record<string, string> = {
      timestamp: 'TIMESTAMP',
      bigint: 'BIGINT',
      double: 'DOUBLE',
      boolean: 'BOOLEAN',
      string: 'VARCHAR',
    };
    const casts = QUERY_EVENT_COLUMNS.map(
      (c) => `CAST("${c.name}" AS ${duck[GLUE_TYPES[c.kind]]}) AS "${c.name}"`,
    );
    const [count] = await query(
      `SELECT count(*)::INTEGER AS n, count(json_extract_string(event_properties, '$.path'))::INTEGER AS paths
         FROM (SELECT ${casts.join(', ')} FROM read_parquet('${dir}/*.parquet'))`,
    );
    expect(count).toEqual({ n: FIXTURE.length, paths: 5 });
  });

  it('gives the same bytes for the same lines, across row groups', () => {
    const many = Array.from({ length: ROW_GROUP_ROWS + 10 }, (_, i) =>
      line({ ...base, event_id: i, uuid: `u-${i}` }),
    );
    const first = new EventsQueryCopy(HOUR);
    const second = new EventsQueryCopy(HOUR);
    many.forEach((l, i) => (first.addLine(l, `${i}`), second.addLine(l, `${i}`)));
    const [a] = first.finish();
    const [b] = second.finish();
    expect(a!.rows).toBe(many.length);
    expect(Buffer.from(a!.bytes).equals(Buffer.from(b!.bytes))).toBe(true);
  });

  it('fails on a value its column can not hold, naming the field, the value and the line', () => {
    const copy = new EventsQueryCopy(HOUR);
    expect(() => copy.addLine(line({ ...base, event_time: 'yesterday' }), 'line 7 of #1')).toThrow(
      'The query copy can not type "event_time": "yesterday" is not a timestamp (line 7 of #1)',
    );
    expect(() => copy.addLine(line({ ...base, amplitude_id: 2 ** 60 }), 'line 8')).toThrow(
      /"amplitude_id": 1152921504606847000 is not a whole number that fits 64 bits exactly/,
    );
    expect(() => copy.addLine('[1]', 'line 9')).toThrow('line 9: it is not a JSON object');
  });
});
