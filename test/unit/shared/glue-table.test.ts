import { describe, expect, it } from 'vitest';
import {
  jsonTableColumns,
  lastHourQuery,
  plannedQueryTables,
  queryTableInput,
  tableOwner,
  queryTableKindsOf,
  queryTablesDdl,
  type QueryTableTarget,
} from '../../../shared/aws/glue-table';
import { EVENT_FIELDS } from '../../../shared/model/export-format';
import { DemoSource } from '../../../electron/engine/sources/demo';

const TARGET: QueryTableTarget = {
  bucket: 'acme',
  prefix: 'amp/',
  projectId: 42,
  connectionId: 'cn_abcdefgh',
};

/** What Athena's LIKE … ESCAPE '\' matches, as a regular expression. */
function likeRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') out += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 's');
}

/** The LIKE pattern of a query's `"$path"` filter (its SQL quotes undone). */
function pathPattern(query: string): string {
  const m = /"\$path" LIKE '((?:[^']|'')*)'\s+ESCAPE '\\'/.exec(query);
  if (!m) throw new Error(`no "$path" filter in:\n${query}`);
  return m[1]!.replace(/''/g, "'");
}

describe('the table over the exact JSON export', () => {
  it('reads the export folder as gzipped JSON lines, every field a column, not partitioned', () => {
    const input = queryTableInput(TARGET, '2020-01-25', 'json');
    expect(input.Name).toBe('amplitude_events_json_42');
    expect(input.StorageDescriptor.Location).toBe('s3://acme/amp/');
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
      'org.openx.data.jsonserde.JsonSerDe',
    );
    expect(input.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.mapred.TextInputFormat');
    expect(input.PartitionKeys).toEqual([]);
    expect(Object.keys(input.Parameters).filter((k) => k.startsWith('projection.'))).toEqual([]);
    // `$schema` and `$insert_id` are columns without the `$`, read from their own fields.
    expect(input.StorageDescriptor.SerdeInfo.Parameters).toEqual({
      'mapping.schema': '$schema',
      'mapping.insert_id': '$insert_id',
    });
    expect(input.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(
      EVENT_FIELDS.map((f) => f.replace(/^\$/, '')),
    );
    const types = Object.fromEntries(input.StorageDescriptor.Columns.map((c) => [c.Name, c.Type]));
    expect(types).toMatchObject({
      event_time: 'string',
      amplitude_id: 'bigint',
      location_lat: 'double',
      is_attribution_event: 'boolean',
      event_properties: 'string',
      user_id: 'string',
    });
  });

  it('declares types every line of an exported hour fits', async () => {
    const source = new DemoSource({ projectId: 42, seed: 7, eventsPerHour: 400 });
    const hour = await source.open('2020-01-25T07', new AbortController().signal);
    const chunks: Uint8Array[] = [];
    for await (const stream of hour.events()) for await (const c of stream.chunks) chunks.push(c);
    const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(300);
    const fits: Record<string, (v: unknown) => boolean> = {
      bigint: (v) => Number.isSafeInteger(v),
      double: (v) => typeof v === 'number',
      boolean: (v) => typeof v === 'boolean',
      // A string column takes text as it is, and any other JSON value as its JSON text.
      string: () => true,
    };
    const columns = jsonTableColumns();
    const seen = new Set<string>();
    for (const line of lines) {
      const event = JSON.parse(line) as Record<string, unknown>;
      for (const c of columns) {
        const field = c.Name === 'schema' || c.Name === 'insert_id' ? `$${c.Name}` : c.Name;
        const value = event[field];
        if (value === null || value === undefined) continue;
        seen.add(c.Type);
        expect(fits[c.Type]!(value), `${field}: ${JSON.stringify(value)} as ${c.Type}`).toBe(true);
      }
    }
    // Every kind of column met a value: the check above was not vacuous.
    expect([...seen].sort()).toEqual(['bigint', 'boolean', 'double', 'string']);
  });

  it('offers a query over the hour’s own files: not merged IDs, other hours or projects', () => {
    const target = { ...TARGET, prefix: 'a_b%c/' };
    const query = lastHourQuery(target, '2020-01-25T07', 'json');
    expect(query).toContain('FROM "ferry"."amplitude_events_json_42"');
    const like = likeRegex(pathPattern(query));
    const at = (key: string) => `s3://acme/a_b%c/${key}`;
    for (const key of ['42_2020-01-25_7#1.json.gz', '42_2020-01-25_7#12.json.gz'])
      expect(like.test(at(key)), key).toBe(true);
    for (const key of [
      '42_2020-01-25_17#1.json.gz',
      '42_2020-01-25_8#1.json.gz',
      '420_2020-01-25_7#1.json.gz',
      '43_2020-01-25_7#1.json.gz',
      '-42_2020-01-25_7.json.gz',
      '42X2020-01-25_7#1.json.gz',
    ])
      expect(like.test(at(key)), key).toBe(false);
    // The prefix's own `_` and `%` are literal: another folder that only LIKE's wildcards match.
    expect(like.test('s3://acme/aXbYc/42_2020-01-25_7#1.json.gz')).toBe(false);
  });

  it('is DDL with the SerDe mappings and no partition', () => {
    const ddl = queryTablesDdl(TARGET, [{ since: null, dataset: 'json' }]);
    expect(ddl).toContain('CREATE EXTERNAL TABLE `ferry`.`amplitude_events_json_42` (');
    expect(ddl).toContain("ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'");
    expect(ddl).toContain("WITH SERDEPROPERTIES (\n  'mapping.schema' = '$schema',");
    expect(ddl).toContain("LOCATION 's3://acme/amp/'");
    expect(ddl).not.toContain('PARTITIONED BY');
    const events = queryTablesDdl(TARGET, [{ since: '2020-01-25', dataset: 'events' }]);
    expect(events).toContain('PARTITIONED BY (`event_date` string)');
    expect(events).not.toContain('SERDEPROPERTIES');
    // Each names its connection, so it is known as the connection's own after a move.
    for (const text of [ddl, events]) expect(text).toContain("'ferry.connection' = 'cn_abcdefgh'");
    for (const kind of ['events', 'merged-ids', 'json'] as const)
      expect(tableOwner(queryTableInput(TARGET, '2020-01-25', kind))).toBe('cn_abcdefgh');
  });
});

describe('which tables a connection has', () => {
  const of = (queryCopy: boolean, jsonTable: boolean, both = false) => ({
    datasets: both ? (['events', 'merged-ids'] as const) : (['events'] as const),
    options: { queryCopy, jsonTable },
  });
  it.each([
    [of(false, false), [], ['events']],
    [of(true, false, true), ['events', 'merged-ids'], ['events', 'merged-ids']],
    [of(false, true, true), ['json'], ['json']],
    [of(true, true), ['events', 'json'], ['events', 'json']],
  ])('%j asks for %j, plans %j', (connection, asked, planned) => {
    expect(queryTableKindsOf(connection)).toEqual(asked);
    expect(plannedQueryTables(connection)).toEqual(planned);
  });
});
