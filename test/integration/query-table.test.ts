import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CreateTableCommand, GetTableCommand } from '@aws-sdk/client-glue';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { queryTableColumns } from '../../shared/aws/glue-table';
import { setupTargetFor } from '../../shared/model/aws';
import { createAwsClients, type AwsClients } from '../../electron/engine/aws/clients';
import { event, ndjson } from '../support/events';
import { runFerry } from '../support/ferry';
import { listObjects, motoBucketFlags } from '../support/moto';
import { engineWithS3Connection, PROJECT } from '../support/s3-engine';
import { useTempDirs } from '../support/temp';
import { useMotoBucket } from '../support/moto-bucket';

const newDir = useTempDirs();
const BUCKET = 'ferry-query-table';
const HOUR = '2020-01-25T05';
const aws = useMotoBucket(BUCKET);

/** Glue (Hive) types as DuckDB names them. */
const DUCKDB_TYPES: Record<string, string> = {
  timestamp: 'TIMESTAMP',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  string: 'VARCHAR',
};

/** Every row of a copy under `prefix`, each column cast to the table's type (as Athena reads it). */
async function readAsTable(
  prefix: string,
  columns: { Name?: string; Type?: string }[],
  { folder, dateKey } = { folder: 'events', dateKey: 'event_date' },
) {
  const dir = await newDir();
  for (const o of await listObjects(aws.s3, BUCKET, `${prefix}_query/${folder}/`)) {
    const file = join(dir, o.key.slice(prefix.length));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, o.body);
  }
  const select = columns
    .map((c) => `CAST("${c.Name}" AS ${DUCKDB_TYPES[c.Type!] ?? 'unknown type'}) AS "${c.Name}"`)
    .join(', ');
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    const reader = await db.runAndReadAll(
      `SELECT ${select}, ${dateKey}::VARCHAR AS ${dateKey} FROM read_parquet('${dir}/_query/${folder}/*/*.parquet', hive_partitioning = true, union_by_name = false)`,
    );
    return reader.getRowObjectsJS();
  } finally {
    db.closeSync();
  }
}

/** An engine with one S3 connection at `prefix` of the bucket, whose source folder holds `events`. */
async function engineOver(
  prefix: string,
  events: object[],
  connection: Parameters<typeof engineWithS3Connection>[3],
) {
  const source = await newDir();
  await writeFile(join(source, 'hour.ndjson'), ndjson(events));
  return engineWithS3Connection(
    { endpoint: aws.moto.endpoint, bucket: BUCKET, dataDir: await newDir() },
    prefix,
    source,
    connection,
  );
}

describe('the Glue table over the query copy (moto_server)', () => {
  it('is planned, created with partition projection, backed up, left alone when current, and removed', async () => {
    const { engine, connection } = await engineOver(
      'glue/',
      [
        ...Array.from({ length: 50 }, (_, n) => event(HOUR, n)),
        event(HOUR, 99, { event_time: '2020-01-20 08:00:00.000000' }),
      ],
      { options: { queryCopy: true } },
    );
    try {
      await engine.exports.runHour(connection.id, HOUR, ['events'], 'manual');
      const plan = await engine.call('query.plan', { connectionId: connection.id });
      expect(plan.tables).toHaveLength(1);
      expect(plan.tables[0]).toMatchObject({
        dataset: 'events',
        database: 'ferry',
        table: `amplitude_events_${PROJECT}`,
        location: `s3://${BUCKET}/glue/_query/events/`,
        since: '2020-01-20',
        current: null,
        change: 'create',
      });
      expect(plan.ddl).toContain(`'projection.event_date.range' = '2020-01-20,NOW'`);
      // The query shows the newest hour the connection exported.
      expect(plan.query).toContain(`WHERE event_date = '2020-01-25'`);
      expect(plan.query).toContain(`upload_hour = TIMESTAMP '2020-01-25 05:00:00'`);

      const glueProbe = async () =>
        (
          await engine.call('aws.verify', { target: setupTargetFor(connection)!, form: 'legacy' })
        ).probes.find((p) => p.id === 'glue-table');
      expect(await glueProbe()).toMatchObject({
        status: 'warning',
        fix: expect.stringContaining('ferry query-setup'),
      });

      const applied = await engine.call('query.apply', { connectionId: connection.id });
      expect(await glueProbe()).toMatchObject({ status: 'passed' });
      expect(applied.backups).toHaveLength(1);
      expect(applied.backups[0]).toMatchObject({ kind: 'glue-table', existed: false });
      const { Table } = await aws.moto
        .glue()
        .send(new GetTableCommand({ DatabaseName: 'ferry', Name: `amplitude_events_${PROJECT}` }));
      expect(Table?.Parameters).toEqual(
        expect.objectContaining({
          'projection.enabled': 'true',
          'projection.event_date.type': 'date',
          'projection.event_date.format': 'yyyy-MM-dd',
          'projection.event_date.range': '2020-01-20,NOW',
          'projection.event_date.interval': '1',
          'projection.event_date.interval.unit': 'DAYS',
          'storage.location.template': `s3://${BUCKET}/glue/_query/events/event_date=\${event_date}/`,
        }),
      );
      expect(Table?.PartitionKeys).toEqual([{ Name: 'event_date', Type: 'string' }]);
      const columns = Table!.StorageDescriptor!.Columns!;
      expect(columns.map((c) => [c.Name, c.Type])).toEqual(
        queryTableColumns().map((c) => [c.Name, c.Type]),
      );

      // The table's own columns and types read every file of the copy without a cast error.
      const rows = await readAsTable('glue/', columns);
      expect(rows).toHaveLength(51);
      expect(rows.filter((r) => r.event_date === '2020-01-20')).toHaveLength(1);

      // Applied again: nothing to change, no backup.
      expect((await engine.call('query.plan', { connectionId: connection.id })).change).toBe(
        'none',
      );
      expect(
        (await engine.call('query.apply', { connectionId: connection.id })).backups,
      ).toHaveLength(0);

      const removed = await engine.call('query.remove', { connectionId: connection.id });
      expect(removed.removed).toBe(true);
      expect(removed.backups[0]).toMatchObject({ kind: 'glue-table', existed: true });
      await expect(
        aws.moto
          .glue()
          .send(
            new GetTableCommand({ DatabaseName: 'ferry', Name: `amplitude_events_${PROJECT}` }),
          ),
      ).rejects.toMatchObject({ name: 'EntityNotFoundException' });

      // The backup puts it back as it was.
      await engine.call('backups.restore', { id: removed.backups[0]!.id, whole: true });
      expect((await engine.call('query.plan', { connectionId: connection.id })).change).toBe(
        'none',
      );
      await engine.call('query.remove', { connectionId: connection.id });
    } finally {
      await engine.close();
    }
  });

  it('gives a connection exporting merged IDs a second table, over their copy, created and removed with the first', async () => {
    const { engine, connection } = await engineOver(
      'both/',
      [
        ...Array.from({ length: 20 }, (_, n) => event(HOUR, n)),
        event(HOUR, 40, { user_id: 'user-1', amplitude_id: 77 }),
      ],
      { options: { queryCopy: true }, datasets: ['events', 'merged-ids'] },
    );
    const merged = `amplitude_merged_ids_${PROJECT}`;
    try {
      await engine.exports.runHour(connection.id, HOUR, ['events', 'merged-ids'], 'manual');
      const plan = await engine.call('query.plan', { connectionId: connection.id });
      expect(plan.change).toBe('create');
      expect(plan.tables.map((t) => [t.dataset, t.table, t.location, t.since])).toEqual([
        [
          'events',
          `amplitude_events_${PROJECT}`,
          `s3://${BUCKET}/both/_query/events/`,
          '2020-01-25',
        ],
        ['merged-ids', merged, `s3://${BUCKET}/both/_query/merged_ids/`, '2020-01-25'],
      ]);
      expect(plan.ddl).toContain(`PARTITIONED BY (\`merge_date\` string)`);
      // One file an admin runs as it is: the database once, then each table.
      expect(plan.ddl.match(/CREATE DATABASE/g)).toHaveLength(1);
      expect(plan.ddl.match(/CREATE EXTERNAL TABLE/g)).toHaveLength(2);

      const applied = await engine.call('query.apply', { connectionId: connection.id });
      expect(applied.changed.map((c) => [c.table, c.change])).toEqual([
        [`amplitude_events_${PROJECT}`, 'create'],
        [merged, 'create'],
      ]);
      expect(applied.backups).toHaveLength(2);
      // What apply returns is what the catalog holds now: nothing left to change.
      expect(applied.plan.change).toBe('none');
      expect(applied.plan.tables.map((t) => t.current)).toEqual(plan.tables.map((t) => t.proposed));
      const { Table } = await aws.moto
        .glue()
        .send(new GetTableCommand({ DatabaseName: 'ferry', Name: merged }));
      expect(Table?.Parameters).toEqual(
        expect.objectContaining({
          'projection.merge_date.type': 'date',
          'projection.merge_date.range': '2020-01-25,NOW',
          'storage.location.template': `s3://${BUCKET}/both/_query/merged_ids/merge_date=\${merge_date}/`,
        }),
      );
      const columns = Table!.StorageDescriptor!.Columns!;
      expect(columns.map((c) => [c.Name, c.Type])).toEqual(
        queryTableColumns('merged-ids').map((c) => [c.Name, c.Type]),
      );
      const rows = await readAsTable('both/', columns, {
        folder: 'merged_ids',
        dateKey: 'merge_date',
      });
      expect(rows).toEqual([
        expect.objectContaining({
          amplitude_id: 77n,
          merged_amplitude_id: 1001n,
          merge_date: '2020-01-25',
        }),
      ]);
      expect(
        (
          await engine.call('aws.verify', { target: setupTargetFor(connection)!, form: 'legacy' })
        ).probes.find((p) => p.id === 'glue-table'),
      ).toMatchObject({
        status: 'passed',
        detail: expect.stringContaining(`ferry.${merged} reads`),
      });

      // A connection that stops exporting merged IDs still takes their table with it.
      await engine.call('connections.update', { id: connection.id, datasets: ['events'] });
      expect(
        (await engine.call('query.plan', { connectionId: connection.id })).tables.map(
          (t) => t.table,
        ),
      ).toEqual([`amplitude_events_${PROJECT}`]);
      const removed = await engine.call('query.remove', { connectionId: connection.id });
      expect(removed.backups).toHaveLength(2);
      for (const name of [`amplitude_events_${PROJECT}`, merged])
        await expect(
          aws.moto.glue().send(new GetTableCommand({ DatabaseName: 'ferry', Name: name })),
        ).rejects.toMatchObject({ name: 'EntityNotFoundException' });
    } finally {
      await engine.close();
    }
  });

  it('makes the JSON table over the export folder, which the offered query reads as exported', async () => {
    const { engine, connection } = await engineOver(
      'json/',
      [
        ...Array.from({ length: 20 }, (_, n) => event(HOUR, n)),
        event(HOUR, 40, { user_id: 'user-1', amplitude_id: 77 }),
      ],
      { options: { jsonTable: true }, datasets: ['events', 'merged-ids'] },
    );
    const name = `amplitude_events_json_${PROJECT}`;
    try {
      await engine.exports.runHour(connection.id, HOUR, ['events', 'merged-ids'], 'manual');
      const plan = await engine.call('query.plan', { connectionId: connection.id });
      expect(plan.tables.map((t) => [t.dataset, t.table, t.location, t.since])).toEqual([
        ['json', name, `s3://${BUCKET}/json/`, null],
      ]);
      const applied = await engine.call('query.apply', { connectionId: connection.id });
      expect(applied.changed).toEqual([{ database: 'ferry', table: name, change: 'create' }]);
      const { Table } = await aws.moto
        .glue()
        .send(new GetTableCommand({ DatabaseName: 'ferry', Name: name }));
      expect(Table?.StorageDescriptor?.Location).toBe(`s3://${BUCKET}/json/`);
      expect(Table?.StorageDescriptor?.SerdeInfo?.Parameters).toEqual({
        'mapping.schema': '$schema',
        'mapping.insert_id': '$insert_id',
      });

      // The folder as Athena reads it (names starting with `_` or `.` are hidden), each field
      // typed as the table declares, then the query Ferry offers with "$path" for the file.
      const dir = await newDir();
      const objects = await listObjects(aws.s3, BUCKET, 'json/');
      const visible = objects.filter((o) => !/^[_.]/.test(o.key.slice('json/'.length)));
      expect(visible.map((o) => o.key).sort()).toEqual([
        `json/-123_2020-01-25_5.json.gz`, // the organization's merged IDs
        `json/${PROJECT}_2020-01-25_5#1.json.gz`,
      ]);
      for (const o of visible) await writeFile(join(dir, o.key.slice('json/'.length)), o.body);
      const fields = Table!.StorageDescriptor!.Columns!.map((c) => [
        Table!.StorageDescriptor!.SerdeInfo!.Parameters![`mapping.${c.Name}`] ?? c.Name!,
        DUCKDB_TYPES[c.Type!] ?? 'unknown type',
      ]);
      const table = `read_json('${dir}/*.json.gz', format = 'newline_delimited', filename = true, columns = {${fields.map(([f, t]) => `'${f}': '${t}'`).join(', ')}})`;
      const db = await (await DuckDBInstance.create(':memory:')).connect();
      try {
        const run = async (sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJS();
        const query = plan.query
          .replace(`"ferry"."${name}"`, table)
          .replace('"$path"', `replace(filename, '${dir}/', 's3://${BUCKET}/json/')`);
        expect(await run(query)).toEqual([
          { event_type: 'page_view', events: 14n },
          { event_type: 'purchase', events: 7n },
        ]);
        // Without the filter the merged IDs' lines are rows too: the filter is what keeps them out.
        expect(await run(`SELECT count(*) AS n FROM ${table}`)).toEqual([{ n: 22n }]);
      } finally {
        db.closeSync();
      }

      expect(
        (
          await engine.call('aws.verify', { target: setupTargetFor(connection)!, form: 'legacy' })
        ).probes.find((p) => p.id === 'glue-table'),
      ).toMatchObject({ status: 'passed', detail: expect.stringContaining(`ferry.${name} reads`) });

      // Turned off, it is still this connection's to remove.
      await engine.call('connections.update', {
        id: connection.id,
        options: { jsonTable: false },
      });
      const removed = await engine.call('query.remove', { connectionId: connection.id });
      expect(removed.backups).toHaveLength(1);
      await expect(
        aws.moto.glue().send(new GetTableCommand({ DatabaseName: 'ferry', Name: name })),
      ).rejects.toMatchObject({ name: 'EntityNotFoundException' });
    } finally {
      await engine.close();
    }
  });

  it('says which table it had changed when the next one is refused, and finishes on the next apply', async () => {
    const source = await newDir();
    await writeFile(join(source, 'hour.ndjson'), ndjson([event(HOUR, 1)]));
    const merged = `amplitude_merged_ids_${PROJECT}`;
    let refuse = true;
    // The admin's profile may create the events table but not (yet) the merged-ID table.
    const real = createAwsClients();
    const flaky: AwsClients = {
      ...real,
      async setup(target) {
        const clients = await real.setup(target);
        const send = clients.glue.send.bind(clients.glue) as (c: unknown) => Promise<unknown>;
        clients.glue.send = ((command: unknown) => {
          if (
            refuse &&
            command instanceof CreateTableCommand &&
            command.input.TableInput?.Name === merged
          )
            return Promise.reject(
              Object.assign(
                new Error(
                  `User: arn:aws:iam::123456789012:user/admin is not authorized to perform: glue:CreateTable on resource: arn:aws:glue:us-east-1:123456789012:table/ferry/${merged}`,
                ),
                { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } },
              ),
            );
          return send(command);
        }) as typeof clients.glue.send;
        return clients;
      },
    };
    const { engine, connection } = await engineWithS3Connection(
      { endpoint: aws.moto.endpoint, bucket: BUCKET, dataDir: await newDir() },
      'partly/',
      source,
      { aws: flaky, options: { queryCopy: true }, datasets: ['events', 'merged-ids'] },
    );
    try {
      const failed = engine.call('query.apply', { connectionId: connection.id });
      await expect(failed).rejects.toMatchObject({
        code: 'forbidden',
        message: expect.stringContaining(
          `Ferry had already created ferry.amplitude_events_${PROJECT} (what was there before is kept as backup`,
        ),
      });
      const between = await engine.call('query.plan', { connectionId: connection.id });
      expect(between.tables.map((t) => t.change)).toEqual(['none', 'create']);

      refuse = false;
      const applied = await engine.call('query.apply', { connectionId: connection.id });
      expect(applied.changed.map((c) => c.table)).toEqual([merged]);
      expect(applied.plan.change).toBe('none');
    } finally {
      // The tables share the project's names with the other tests here.
      await engine.call('query.remove', { connectionId: connection.id }).catch(() => undefined);
      await engine.close();
    }
  });

  it('never replaces a table of that name over another connection’s copy', async () => {
    const source = await newDir();
    await writeFile(join(source, 'hour.ndjson'), ndjson([event(HOUR, 1)]));
    const at = { endpoint: aws.moto.endpoint, bucket: BUCKET, dataDir: await newDir() };
    const first = await engineWithS3Connection(at, 'one/', source, {
      options: { queryCopy: true },
    });
    try {
      await first.engine.call('query.apply', { connectionId: first.connection.id });
      const other = await first.engine.call('connections.create', {
        name: 'second',
        projectId: PROJECT,
        destination: { ...first.connection.destination, prefix: 'two/' } as never,
        options: { queryCopy: true },
      });
      await expect(
        first.engine.call('query.apply', { connectionId: other.id }),
      ).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringContaining(`reads s3://${BUCKET}/one/_query/events/`),
      });
      await expect(
        first.engine.call('query.remove', { connectionId: other.id }),
      ).rejects.toMatchObject({ code: 'conflict' });
      const { Table } = await aws.moto
        .glue()
        .send(new GetTableCommand({ DatabaseName: 'ferry', Name: `amplitude_events_${PROJECT}` }));
      expect(Table?.StorageDescriptor?.Location).toBe(`s3://${BUCKET}/one/_query/events/`);
    } finally {
      await first.engine.close();
    }
  });

  it('ferry query-setup prints the plan and the DDL, applies, and removes', async () => {
    const env = { ...aws.moto.env, FERRY_DATA_DIR: await newDir() };
    const ferry = async (args: string[]) => {
      const result = await runFerry(args, env);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      return result.stdout;
    };
    const words = (line: string) => line.split(' ');
    await ferry(words('org add --id 1 --name Acme'));
    await ferry(words('project add --id 42 --org 1 --name Web --source demo --events-per-hour 50'));
    await ferry([
      ...words('connection add --name web --project 42 --datasets both'),
      ...motoBucketFlags(aws.moto, BUCKET, 'cli/'),
    ]);
    const off = await runFerry(['query-setup', 'web'], env);
    expect(off.stderr).toContain(
      '"web" does not write the query copy, so the table would stay empty',
    );
    await ferry(['connection', 'update', 'web', '--query-copy']);
    await ferry(['export', 'web', '--hour', '2026-11-02T10']);

    const planned = await ferry(['query-setup', 'web']);
    expect(planned).toContain('Table:     ferry.amplitude_events_42  (not created yet)');
    expect(planned).toContain('Table:     ferry.amplitude_merged_ids_42  (not created yet)');
    expect(planned).toContain(
      'To create or update the tables marked above: ferry query-setup "web" --apply',
    );
    const ddl = await ferry(['query-setup', 'web', '--ddl']);
    expect(ddl).toMatch(/^CREATE DATABASE IF NOT EXISTS `ferry`;/);
    expect(ddl).toContain('CREATE EXTERNAL TABLE `ferry`.`amplitude_events_42` (');
    expect(ddl).toContain(`LOCATION 's3://${BUCKET}/cli/_query/events/'`);
    const applied = await ferry(['query-setup', 'web', '--apply']);
    expect(applied).toContain(
      'Created ferry.amplitude_events_42; Created ferry.amplitude_merged_ids_42; what was there before is kept as 2 backups',
    );
    expect(applied).toContain(`upload_hour = TIMESTAMP '2026-11-02 10:00:00'`);
    expect(await ferry(['query-setup', 'web'])).toContain('Every table is as proposed.');

    // Moved to another prefix, the connection's tables still read the old copy: it moves them
    // (each kept first), where a table of another connection would be refused.
    const moved = await runFerry(['connection', 'update', 'web', '--prefix', 'moved/'], env);
    expect(moved.code).toBe(0);
    expect(moved.stderr).toContain(
      `note: Hours exported so far stay in s3://${BUCKET}/cli/, and the job history still counts them as exported. From now on, Ferry exports to s3://${BUCKET}/moved/; to have earlier hours there too, backfill them.`,
    );
    expect(moved.stderr).toContain('Move its Glue tables there: ferry query-setup "web" --apply');
    // The same place typed again is no move: nothing to say.
    expect((await runFerry(['connection', 'update', 'web', '--prefix', 'moved'], env)).stderr).toBe(
      '',
    );
    const stale = await ferry(['query-setup', 'web']);
    expect(stale).toContain(
      `Table:     ferry.amplitude_events_42  (still reads s3://${BUCKET}/cli/_query/events/, where this connection exported before: to be moved)`,
    );
    expect(stale).toContain(`Reads:     s3://${BUCKET}/moved/_query/events/`);
    const verified = await runFerry(['verify', 'web'], env);
    expect(verified.stdout).toContain(
      `ferry.amplitude_events_42 reads s3://${BUCKET}/cli/_query/events/, not this connection's s3://${BUCKET}/moved/_query/events/.`,
    );
    expect(await ferry(['query-setup', 'web', '--apply'])).toContain(
      'Updated ferry.amplitude_events_42; Updated ferry.amplitude_merged_ids_42',
    );
    const { Table } = await aws.moto
      .glue()
      .send(new GetTableCommand({ DatabaseName: 'ferry', Name: 'amplitude_events_42' }));
    expect(Table?.StorageDescriptor?.Location).toBe(`s3://${BUCKET}/moved/_query/events/`);
    expect(await ferry(['query-setup', 'web', '--remove'])).toContain('Removed 2 Glue tables');
    expect(await ferry(['query-setup', 'web', '--remove'])).toContain('nothing to remove');
  });
});
