/**
 * The Glue table over a connection's query copy as a live document (see live-docs.ts): read as
 * the fields Ferry sets (shared/aws/glue-table.ts `GlueTableInput`) in stable JSON, written by
 * creating or updating the table (its database created first when there is none), removed by
 * deleting it. So the table is backed up, diffed and restored like a bucket policy.
 */
import type { GlueClient, Table } from '@aws-sdk/client-glue';
import type { GlueTableInput } from '../../../shared/aws/glue-table';
import { formatPolicy } from '../../../shared/aws/policies';
import type { SetupClients } from './clients';
import { glueSdk } from './sdk';

/** `glue://<database>/<table>`: how backups name a table. */
export function glueTableTarget(database: string, table: string): string {
  return `glue://${database}/${table}`;
}

/** The database and table of a `glue://` target. */
export function glueTableOf(target: string): { database: string; table: string } {
  const m = /^glue:\/\/([a-z0-9_]+)\/([a-z0-9_]+)$/.exec(target);
  if (!m) throw new Error(`Not a Glue table target: ${target}`);
  return { database: m[1]!, table: m[2]! };
}

const notFound = (error: unknown) => (error as Error).name === 'EntityNotFoundException';

/** A table as the catalog holds it, or null when there is none (nor its database). */
export async function getGlueTable(
  glue: GlueClient,
  database: string,
  table: string,
): Promise<Table | null> {
  const { GetTableCommand } = await glueSdk();
  try {
    const out = await glue.send(new GetTableCommand({ DatabaseName: database, Name: table }));
    return out.Table ?? null;
  } catch (error) {
    if (notFound(error)) return null;
    throw error;
  }
}

/** The table as Ferry's fields in stable JSON, or null when there is none. */
export async function glueTableNow(clients: SetupClients, target: string): Promise<string | null> {
  const { database, table } = glueTableOf(target);
  const t = await getGlueTable(clients.glue, database, table);
  if (!t) return null;
  const sd = t.StorageDescriptor ?? {};
  const input: GlueTableInput = {
    Name: t.Name ?? table,
    Description: t.Description ?? '',
    TableType: 'EXTERNAL_TABLE',
    Parameters: t.Parameters ?? {},
    PartitionKeys: (t.PartitionKeys ?? []).map((k) => ({ Name: k.Name!, Type: k.Type ?? '' })),
    StorageDescriptor: {
      Columns: (sd.Columns ?? []).map((c) => ({
        Name: c.Name!,
        Type: c.Type ?? '',
        ...(c.Comment ? { Comment: c.Comment } : {}),
      })),
      Location: sd.Location ?? '',
      InputFormat: sd.InputFormat ?? '',
      OutputFormat: sd.OutputFormat ?? '',
      SerdeInfo: {
        SerializationLibrary: sd.SerdeInfo?.SerializationLibrary ?? '',
        Parameters: sd.SerdeInfo?.Parameters ?? {},
      },
    },
  };
  // A table someone made by hand may be of another type: kept as it says, for the backup.
  if (t.TableType && t.TableType !== 'EXTERNAL_TABLE')
    (input as { TableType: string }).TableType = t.TableType;
  return formatPolicy(input);
}

/** Create or update the table (null: delete it; a table that is not there stays not there). */
export async function writeGlueTable(
  clients: SetupClients,
  target: string,
  document: string | null,
): Promise<void> {
  const { database, table } = glueTableOf(target);
  const glue = await glueSdk();
  if (document === null) {
    await clients.glue
      .send(new glue.DeleteTableCommand({ DatabaseName: database, Name: table }))
      .catch((error: unknown) => {
        if (!notFound(error)) throw error;
      });
    return;
  }
  const input = JSON.parse(document) as GlueTableInput;
  await clients.glue
    .send(new glue.CreateDatabaseCommand({ DatabaseInput: { Name: database } }))
    .catch((error: unknown) => {
      if ((error as Error).name !== 'AlreadyExistsException') throw error;
    });
  try {
    await clients.glue.send(
      new glue.UpdateTableCommand({ DatabaseName: database, TableInput: input }),
    );
  } catch (error) {
    if (!notFound(error)) throw error;
    await clients.glue.send(
      new glue.CreateTableCommand({ DatabaseName: database, TableInput: input }),
    );
  }
}
