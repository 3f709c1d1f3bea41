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

const TARGET: QueryTableTarget = { bucket: 'acme', prefix: 'amp/', projectId: 42 };
const TABLE = 'amplitude_events_42';

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
    const foreign = queryTableInput({ ...TARGET, prefix: 'other/' }, '2020-01-01', 'events');
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
    const foreign = queryTableInput({ ...TARGET, prefix: 'other/' }, '2020-01-01', 'events');
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
