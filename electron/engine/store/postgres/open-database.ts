import type { Kysely } from 'kysely';
import { FerryError } from '../../../../shared/api/errors';
import { NETWORK_CODES } from '../../network-errors';
import { connect, migrateToLatest, type Database } from './schema';
import { redactUrl } from './address';

/**
 * Connect to a team database and bring Ferry's tables up to date — the first thing every
 * `ferry serve`, `ferry worker` and `ferry team …` does with `--database`. A database it can not
 * open is said in words an admin acts on (never with the URL's password), not as a bare
 * `connect ECONNREFUSED`.
 */
export async function openDatabase(url: string): Promise<Kysely<Database>> {
  const db = connect(url);
  try {
    await migrateToLatest(db);
    return db;
  } catch (error) {
    await db.destroy();
    throw explainOpenError(error, url);
  }
}

/** node-postgres's own words for a server that did not answer or went away. */
const UNREACHABLE_MESSAGES = /timeout exceeded when trying to connect|Connection terminated/i;
/** PostgreSQL's SQLSTATEs for a login refused (bad password, no pg_hba.conf entry). */
const LOGIN_CODES: ReadonlySet<string> = new Set(['28P01', '28000']);
/** A password the server asks for and the URL does not give (node-postgres's SCRAM message). */
const NO_PASSWORD = /client password must be a string/;

/** Why a database could not be opened, as a FerryError; other errors unchanged. */
export function explainOpenError(error: unknown, url: string): unknown {
  if (error instanceof FerryError) return error;
  const e = error as { code?: string; message?: string };
  const said = e.message ?? String(error);
  const where = redactUrl(url);
  const check = 'Check --database (or FERRY_DATABASE_URL).';
  if (NETWORK_CODES.has(e.code ?? '') || UNREACHABLE_MESSAGES.test(said))
    return new FerryError(
      'upstream',
      `PostgreSQL at ${where} did not answer (${said}). Is it running and reachable from this host? ${check}`,
    );
  if (LOGIN_CODES.has(e.code ?? '') || NO_PASSWORD.test(said))
    return new FerryError(
      'upstream',
      `PostgreSQL at ${where} refused the login (${NO_PASSWORD.test(said) ? 'it asks for a password and the URL gives none' : said}). ${check}`,
    );
  if (e.code === '3D000') {
    const name = databaseName(url);
    return new FerryError(
      'upstream',
      `The database ${name ? `"${name}" ` : ''}does not exist at ${where}. Create it (createdb ${name ?? '<name>'}) or name another. ${check}`,
    );
  }
  return error;
}

function databaseName(url: string): string | null {
  try {
    return decodeURIComponent(new URL(url).pathname.slice(1)) || null;
  } catch {
    return null;
  }
}
