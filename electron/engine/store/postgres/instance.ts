import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Instance } from '../instance';
import type { Database } from './schema';

/**
 * The team's identity to the outside world: one id for every host of a database (made once,
 * kept in `ferry.instance`), so a destination one host claimed is the team's, and any host may
 * commit there. Its name in a claim is the database's host and name, never a password.
 */
export async function teamInstance(
  db: Kysely<Database>,
  url: string,
  readOnly: boolean,
): Promise<Instance> {
  const address = new URL(url);
  const name = `${address.hostname}-${address.pathname.replace(/^\//, '') || 'postgres'}`;
  const where = `postgres://${address.host}${address.pathname}`;
  if (!readOnly)
    await db
      .insertInto('ferry.instance')
      .values({ id: 1, instance_id: randomBytes(8).toString('hex') })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  const row = await db.selectFrom('ferry.instance').select('instance_id').executeTakeFirst();
  // A reader of a database no writer has used yet claims nothing: a passing id.
  return { id: row?.instance_id ?? randomBytes(8).toString('hex'), host: name, dataDir: where };
}
