import { FerryError } from '../../shared/api/errors';
import type { DatabaseOptions } from '../engine';
import type { GlobalOptions } from './context';

/** Team mode's database from the global options, checked (null: the data folder alone). */
export function databaseOf(globals: GlobalOptions): DatabaseOptions | null {
  if (!globals.database) {
    if (globals.secretsKey)
      throw new FerryError(
        'validation',
        '--secrets-key seals the secrets kept in a team database: give --database (or FERRY_DATABASE_URL) with it',
        'secretsKey',
      );
    return null;
  }
  let url: URL;
  try {
    url = new URL(globals.database);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new FerryError(
      'validation',
      '--database must be a PostgreSQL URL, such as postgres://ferry@db.internal:5432/ferry (a password is better given in PGPASSWORD or ~/.pgpass)',
      'database',
    );
  return { url: globals.database, secretsKey: globals.secretsKey ?? null };
}
