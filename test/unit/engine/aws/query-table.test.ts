import { describe, expect, it } from 'vitest';
import {
  projectionSince,
  queryTableInput,
  type GlueTableInput,
  type QueryTableTarget,
} from '../../../../shared/aws/glue-table';
import { connection as connectionSchema } from '../../../../shared/model/entities';
import type { BackupStore } from '../../../../electron/engine/aws/backup-store';
import type { AwsClients, SetupClients } from '../../../../electron/engine/aws/clients';
import { QueryTableSetup } from '../../../../electron/engine/aws/query-table';

const TARGET: QueryTableTarget = {
  bucket: 'acme',
  prefix: 'amp/',
  projectId: 42,
  connectionId: 'cn_abcdefgh',
};
const TABLE = 'amplitude_events_42';
/** Another connection of the same project, in another folder of the bucket. */
const OTHER: QueryTableTarget = { ...TARGET, prefix: 'other/', connectionId: 'cn_other' };

/**
 * A Glue catalog in memory (the calls Ferry makes), whose `meanwhile` runs once, right after the
 * plan's first read of the table: another writer between Ferry's plan and its write.
 */
function fakeCatalog(
  meanwhile: (tables: Map<string, GlueTableInput>) => void,
  tables = new Map<string, GlueTableInput>(),
) {
  let reads = 0;
  const glue = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const input = command.input as { Name?: string; TableInput?: GlueTableInput };
      switch (command.constructor.name) {
        case 'GetTableCommand': {
          const table = tables.get(input.Name!);
          if (++reads === 1) meanwhile(tables);
          if (!table)
            throw Object.assign(new Error('not found'), { name: 'EntityNotFoundException' });
          return { Table: structuredClone(table) };
        }
        case 'CreateDatabaseCommand':
          return {};
        case 'UpdateTableCommand':
          if (!tables.has(input.TableInput!.Name))
            throw Object.assign(new Error('not found'), { name: 'EntityNotFoundException' });
          tables.set(input.TableInput!.Name, structuredClone(input.TableInput!));
          return {};
        case 'CreateTableCommand':
          tables.set(input.TableInput!.Name, structuredClone(input.TableInput!));
          return {};
        case 'DeleteTableCommand':
          if (!tables.delete(input.Name!))
            throw Object.assign(new Error('not found'), { name: 'EntityNotFoundException' });
          return {};
        default:
          throw new Error(`unexpected ${command.constructor.name}`);
      }
    },
  };
  // The copy has one date folder: 2020-01-25.
  const s3 = {
    send: async () => ({
      CommonPrefixes: [{ Prefix: 'amp/_query/events/event_date=2020-01-25/' }],
      IsTruncated: false,
    }),
  };
  const aws = { setup: async () => ({ glue, s3 }) as unknown as SetupClients };
  return { tables, aws: aws as unknown as AwsClients };
}

/** Backups taken, as proposed: what the table was and what Ferry was about to write. */
const taken: { current: string | null; proposed: string }[] = [];
const backups = {
  take: async (proposal: { current: string | null; proposed: string }) => {
    taken.push(proposal);
    return { id: `bk_${taken.length}` };
  },
} as unknown as BackupStore;

const connection = connectionSchema.parse({
  id: 'cn_abcdefgh',
  name: 'web',
  projectId: 42,
  destination: { type: 's3', bucket: 'acme', prefix: 'amp/', region: 'us-east-1', profile: 'p' },
  datasets: ['events'],
  enabled: true,
  createdAt: '2020-01-26T00:00:00.000Z',
  updatedAt: '2020-01-26T00:00:00.000Z',
});

const setup = (aws: AwsClients) =>
  new QueryTableSetup(aws, backups, () => new Date('2020-01-26T10:00:00Z'));

describe('query-setup apply while another writer changes the table', () => {
  it('keeps the earlier first date of a table made after the plan was read', async () => {
    // Made meanwhile by another Ferry, then its description edited by hand.
    const { tables, aws } = fakeCatalog((tables) =>
      tables.set(TABLE, {
        ...queryTableInput(TARGET, '2020-01-10', 'events'),
        Description: 'edited by hand',
      }),
    );
    taken.length = 0;
    const { plan, changed } = await setup(aws).apply(connection);
    expect(projectionSince(tables.get(TABLE)!, 'events')).toBe('2020-01-10');
    expect(plan.tables[0]).toMatchObject({ since: '2020-01-10', change: 'none' });
    // Said as done: an update of the table found, backed up with what was written over it.
    expect(changed).toEqual([{ database: 'ferry', table: TABLE, change: 'update' }]);
    expect(taken).toHaveLength(1);
    expect(projectionSince(JSON.parse(taken[0]!.proposed) as GlueTableInput, 'events')).toBe(
      '2020-01-10',
    );
  });

  it('reports nothing done when the table it was about to make came meanwhile, as proposed', async () => {
    const { tables, aws } = fakeCatalog((tables) =>
      tables.set(TABLE, queryTableInput(TARGET, '2020-01-25', 'events')),
    );
    taken.length = 0;
    const { plan, changed, backups: kept } = await setup(aws).apply(connection);
    expect(changed).toEqual([]);
    expect(kept).toEqual([]);
    expect(plan.tables[0]).toMatchObject({ change: 'none' });
    expect(projectionSince(tables.get(TABLE)!, 'events')).toBe('2020-01-25');
  });

  it('refuses, and leaves as it is, a table over another copy made after the plan was read', async () => {
    const foreign = queryTableInput(OTHER, '2020-01-01', 'events');
    const { tables, aws } = fakeCatalog((tables) => tables.set(TABLE, structuredClone(foreign)));
    await expect(setup(aws).apply(connection)).rejects.toThrow(/reads s3:\/\/acme\/other\//);
    expect(tables.get(TABLE)).toEqual(foreign);
  });
});

describe('removing the query tables while another writer changes them', () => {
  const own = () => new Map([[TABLE, queryTableInput(TARGET, '2020-01-20', 'events')]]);

  it('deletes the table over this copy, kept first', async () => {
    const { tables, aws } = fakeCatalog(() => {}, own());
    taken.length = 0;
    const result = await setup(aws).remove(connection);
    expect(result.removed).toBe(true);
    expect(tables.has(TABLE)).toBe(false);
    expect(taken.map((t) => t.current && JSON.parse(t.current).Name)).toEqual([TABLE]);
  });

  it('leaves a table that reads another copy by the time of the delete', async () => {
    // Read as this connection's, then replaced by another connection's before the delete.
    const foreign = queryTableInput(OTHER, '2020-01-01', 'events');
    const { tables, aws } = fakeCatalog(
      (tables) => tables.set(TABLE, structuredClone(foreign)),
      own(),
    );
    taken.length = 0;
    const result = await setup(aws).remove(connection);
    expect(tables.get(TABLE)).toEqual(foreign);
    expect(result).toEqual({ removed: false, backups: [] });
    expect(taken).toEqual([]);
  });
});

describe('the table over the JSON export', () => {
  const JSON_TABLE = 'amplitude_events_json_42';
  const withJson = (queryCopy: boolean) =>
    connectionSchema.parse({ ...connection, options: { queryCopy, jsonTable: true } });

  it('is planned and made beside the copy’s, over the export folder, not projected', async () => {
    const { tables, aws } = fakeCatalog(() => {});
    taken.length = 0;
    const { plan, changed } = await setup(aws).apply(withJson(true));
    expect(changed.map((c) => c.table)).toEqual([TABLE, JSON_TABLE]);
    expect(plan.tables.map((t) => [t.table, t.since, t.location, t.change])).toEqual([
      [TABLE, '2020-01-25', 's3://acme/amp/_query/events/', 'none'],
      [JSON_TABLE, null, 's3://acme/amp/', 'none'],
    ]);
    expect(tables.get(JSON_TABLE)?.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
      'org.openx.data.jsonserde.JsonSerDe',
    );
    expect(plan.query).toContain(`"ferry"."${TABLE}"`);
  });

  it('is the only table of a connection that asks for it without the copy', async () => {
    const { tables, aws } = fakeCatalog(() => {});
    const { plan } = await setup(aws).apply(withJson(false));
    expect([...tables.keys()]).toEqual([JSON_TABLE]);
    expect(plan.query).toContain(`"ferry"."${JSON_TABLE}"`);
    expect(plan.query).toContain(`"$path" LIKE 's3://acme/amp/42\\_2020-01-26\\_9#%'`);
  });

  it('is removed after it was turned off, unless it reads another folder', async () => {
    const json = (prefix: string) =>
      queryTableInput(
        { ...TARGET, prefix, connectionId: prefix === 'amp/' ? TARGET.connectionId : 'cn_other' },
        '',
        'json',
      );
    const ownTables = () =>
      new Map([
        [TABLE, queryTableInput(TARGET, '2020-01-20', 'events')],
        [JSON_TABLE, json('amp/')],
      ]);
    const { tables, aws } = fakeCatalog(() => {}, ownTables());
    const result = await setup(aws).remove(connection);
    expect(result.backups).toHaveLength(2);
    expect(tables.size).toBe(0);

    const other = fakeCatalog(() => {}, new Map([[JSON_TABLE, json('elsewhere/')]]));
    expect(await setup(other.aws).remove(connection)).toEqual({ removed: false, backups: [] });
    expect(other.tables.get(JSON_TABLE)).toEqual(json('elsewhere/'));
    // Asked for, a table of that name over another folder is refused before anything goes.
    await expect(setup(other.aws).remove(withJson(true))).rejects.toThrow(
      /reads s3:\/\/acme\/elsewhere\/, not this connection's export \(s3:\/\/acme\/amp\/\)/,
    );
  });
});

describe('a connection moved to another bucket or prefix', () => {
  /** This connection's table as made when it still exported to `old/`. */
  const before = () => queryTableInput({ ...TARGET, prefix: 'old/' }, '2019-06-01', 'events');

  it('points its own table at the new place, kept first, dated from the new copy', async () => {
    const { tables, aws } = fakeCatalog(() => {}, new Map([[TABLE, before()]]));
    const plan = await setup(aws).plan(connection);
    expect(plan.tables.map((t) => [t.change, t.location, t.since])).toEqual([
      ['update', 's3://acme/amp/_query/events/', '2020-01-25'],
    ]);
    taken.length = 0;
    const { changed } = await setup(aws).apply(connection);
    expect(changed).toEqual([{ database: 'ferry', table: TABLE, change: 'update' }]);
    expect(tables.get(TABLE)).toEqual(queryTableInput(TARGET, '2020-01-25', 'events'));
    // The table as it read the old place is the backup.
    expect(taken.map((t) => t.current && JSON.parse(t.current))).toEqual([before()]);
  });

  it('removes its own table that still reads the old place', async () => {
    const { tables, aws } = fakeCatalog(() => {}, new Map([[TABLE, before()]]));
    expect((await setup(aws).remove(connection)).removed).toBe(true);
    expect(tables.has(TABLE)).toBe(false);
  });

  it('still refuses a table made for another connection, or by hand, naming it', async () => {
    const { tables, aws } = fakeCatalog(
      () => {},
      new Map([[TABLE, queryTableInput(OTHER, '2020-01-01', 'events')]]),
    );
    await expect(setup(aws).plan(connection)).rejects.toThrow(
      /reads s3:\/\/acme\/other\/_query\/events\/.*Ferry made it for connection cn_other\./,
    );
    const byHand = before();
    delete byHand.Parameters['ferry.connection'];
    tables.set(TABLE, byHand);
    await expect(setup(aws).plan(connection)).rejects.toThrow(/reads s3:\/\/acme\/old\//);
    await expect(setup(aws).remove(connection)).rejects.toThrow(/reads s3:\/\/acme\/old\//);
    expect(tables.get(TABLE)).toEqual(byHand);
  });
});
