import { Kysely, PostgresDialect, sql, type Generated } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import pg from 'pg';
import { FerryError } from '../../../../shared/api/errors';

/**
 * Ferry's own tables in PostgreSQL (team mode), in the schema `ferry`; pg-boss keeps its own.
 *
 * Config stays one versioned document (the same shape and migrations as `config.json`), so a
 * change to it is all or nothing; the job history, backups, migrations and secrets are rows.
 */
export const SCHEMA = 'ferry';

export interface ConfigTable {
  id: number;
  /** Bumped by every stored change: another process's change is seen by a changed revision. */
  revision: string;
  doc: unknown;
  updated_at: Generated<Date>;
}

export interface WriterTable {
  id: number;
  /** The fencing number: bumped by each writer that takes over; a write by an older one is refused. */
  epoch: string;
  holder: string;
  taken_at: Date;
}

export interface JobsTable {
  /** Insertion order: ties between jobs of one hour created at once go by it, as on a laptop. */
  seq: Generated<string>;
  id: string;
  connection_id: string;
  dataset: string;
  hour: string;
  status: string;
  created_at: Date;
  record: unknown;
  /** When the row was last written (another process learns the jobs written since it looked). */
  touched_at: Generated<Date>;
}

export interface HourLeasesTable {
  connection_id: string;
  hour: string;
  /** The fencing number of the hour: bumped by each worker that takes it. */
  attempt: string;
  holder: string;
  taken_at: Date;
  /** The commit the current attempt began (a kill's leftover is finished only while it is this). */
  commit_id: string | null;
  /** The current attempt's jobs (a taker closes them). */
  job_ids: unknown;
  /** When a person asked the serve to cancel the running attempt (null: no one did). */
  cancel_asked_at: Date | null;
  /** The worker's answer to that: `cancelled`, `committing` or `not-running`. */
  cancel_answer: string | null;
}

export interface BackupsTable {
  seq: Generated<string>;
  id: string;
  entry: unknown;
  /** The document with its entry, exactly as kept (the text a restore checks). */
  stored: string;
}

export interface MigrationsTable {
  seq: Generated<string>;
  id: string;
  record: unknown;
}

export interface SecretsTable {
  name: string;
  origin: string;
  /** The KMS key whose data key sealed it. */
  key_arn: string;
  sealed: string;
}

export interface KeyringTable {
  key_arn: string;
  /** The data key as KMS encrypted it (GenerateDataKey's CiphertextBlob). */
  wrapped: Buffer;
  created_at: Generated<Date>;
}

export interface InstanceTable {
  id: number;
  /** The team's identity to destinations (a claim names it): the same from every host. */
  instance_id: string;
  created_at: Generated<Date>;
}

export interface TokensTable {
  id: string;
  name: string;
  role: string;
  /** SHA-256 of the token's secret part (the token itself is shown once, never stored). */
  hash: string;
  created_at: Generated<Date>;
  revoked_at: Date | null;
}

export interface AuditTable {
  seq: Generated<string>;
  at: Generated<Date>;
  /** The token's name ("alice"), or "the serve token". */
  who: string;
  method: string;
  /** The record the call named (an id), when it named one. */
  target: string | null;
  /** "ok", "refused" (by role), or the error code. */
  result: string;
}

export interface Database {
  'ferry.tokens': TokensTable;
  'ferry.audit': AuditTable;
  'ferry.instance': InstanceTable;
  'ferry.config': ConfigTable;
  'ferry.writer': WriterTable;
  'ferry.jobs': JobsTable;
  'ferry.backups': BackupsTable;
  'ferry.migrations': MigrationsTable;
  'ferry.secrets': SecretsTable;
  'ferry.keyring': KeyringTable;
  'ferry.hour_leases': HourLeasesTable;
}

/** Ferry's schema changes, oldest first: applied at start, each once, in a transaction. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': {
    async up(db) {
      await sql`CREATE SCHEMA IF NOT EXISTS ferry`.execute(db);
      await sql`
        CREATE TABLE ferry.config (
          id integer PRIMARY KEY CHECK (id = 1),
          revision bigint NOT NULL,
          doc jsonb NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now()
        )`.execute(db);
      await sql`
        CREATE TABLE ferry.writer (
          id integer PRIMARY KEY CHECK (id = 1),
          epoch bigint NOT NULL,
          holder text NOT NULL,
          taken_at timestamptz NOT NULL
        )`.execute(db);
      await sql`
        CREATE TABLE ferry.jobs (
          seq bigint GENERATED ALWAYS AS IDENTITY,
          id text PRIMARY KEY,
          connection_id text NOT NULL,
          dataset text NOT NULL,
          hour text NOT NULL,
          status text NOT NULL,
          created_at timestamptz NOT NULL,
          record jsonb NOT NULL
        )`.execute(db);
      // Pages newest hour first, of everything or of one connection.
      await sql`CREATE INDEX jobs_by_hour ON ferry.jobs (hour DESC, created_at DESC, seq DESC)`.execute(
        db,
      );
      await sql`CREATE INDEX jobs_by_connection ON ferry.jobs (connection_id, hour DESC, created_at DESC, seq DESC)`.execute(
        db,
      );
      await sql`
        CREATE TABLE ferry.backups (
          seq bigint GENERATED ALWAYS AS IDENTITY,
          id text PRIMARY KEY,
          entry jsonb NOT NULL,
          stored text NOT NULL
        )`.execute(db);
      await sql`
        CREATE TABLE ferry.migrations (
          seq bigint GENERATED ALWAYS AS IDENTITY,
          id text PRIMARY KEY,
          record jsonb NOT NULL
        )`.execute(db);
      await sql`
        CREATE TABLE ferry.instance (
          id integer PRIMARY KEY CHECK (id = 1),
          instance_id text NOT NULL CHECK (instance_id ~ '^[a-f0-9]{16}$'),
          created_at timestamptz NOT NULL DEFAULT now()
        )`.execute(db);
      await sql`
        CREATE TABLE ferry.keyring (
          key_arn text PRIMARY KEY,
          wrapped bytea NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now()
        )`.execute(db);
      await sql`
        CREATE TABLE ferry.secrets (
          name text PRIMARY KEY,
          origin text NOT NULL,
          key_arn text NOT NULL REFERENCES ferry.keyring (key_arn),
          sealed text NOT NULL
        )`.execute(db);
    },
  },
};

MIGRATIONS['0002-people'] = {
  async up(db) {
    await sql`
      CREATE TABLE ferry.tokens (
        id text PRIMARY KEY,
        name text NOT NULL UNIQUE,
        role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`.execute(db);
    await sql`
      CREATE TABLE ferry.audit (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        who text NOT NULL,
        method text NOT NULL,
        target text,
        result text NOT NULL
      )`.execute(db);
  },
};

MIGRATIONS['0003-jobs-by-status'] = {
  async up(db) {
    // A status filter (the console's "Failed" view) counts and pages one connection's jobs of
    // a status without reading the rest of its history.
    await sql`CREATE INDEX jobs_by_status ON ferry.jobs (connection_id, status, hour DESC, created_at DESC, seq DESC)`.execute(
      db,
    );
  },
};

MIGRATIONS['0004-hour-leases'] = {
  async up(db) {
    // Team mode's workers: one row per exported hour, its attempt the fencing number.
    await sql`
      CREATE TABLE ferry.hour_leases (
        connection_id text NOT NULL,
        hour text NOT NULL,
        attempt bigint NOT NULL,
        holder text NOT NULL,
        taken_at timestamptz NOT NULL,
        commit_id text,
        job_ids jsonb NOT NULL DEFAULT '[]',
        PRIMARY KEY (connection_id, hour)
      )`.execute(db);
    // The serve learns what workers wrote since it last looked.
    await sql`ALTER TABLE ferry.jobs ADD COLUMN touched_at timestamptz NOT NULL DEFAULT clock_timestamp()`.execute(
      db,
    );
    await sql`CREATE INDEX jobs_by_touch ON ferry.jobs (touched_at)`.execute(db);
  },
};

MIGRATIONS['0005-audit-by-who'] = {
  async up(db) {
    // The console's audit log filtered to one person pages without reading everyone's entries.
    await sql`CREATE INDEX audit_by_who ON ferry.audit (who, seq DESC)`.execute(db);
  },
};

MIGRATIONS['0006-jobs-indexes-for-the-index'] = {
  async up(db) {
    // Pages are cut from the in-memory index (jobs.ts), so the page indexes only cost every
    // status write two more index entries (a write re-indexes a row in each: touched_at moves).
    // Reading every job in the order stored (a move, a digest) wants one by seq instead.
    await sql`DROP INDEX IF EXISTS ferry.jobs_by_connection`.execute(db);
    await sql`DROP INDEX IF EXISTS ferry.jobs_by_status`.execute(db);
    await sql`CREATE INDEX jobs_by_seq ON ferry.jobs (seq)`.execute(db);
  },
};

MIGRATIONS['0007-hour-cancel'] = {
  async up(db) {
    // A cancel of a job a worker runs: the serve asks on the hour's lease, the worker answers.
    await sql`ALTER TABLE ferry.hour_leases ADD COLUMN cancel_asked_at timestamptz, ADD COLUMN cancel_answer text`.execute(
      db,
    );
  },
};

/** A pool on `url` with Ferry's tables typed. */
export function connect(url: string): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    application_name: 'ferry',
    // A database out of reach is said within seconds, and a dropped connection noticed.
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
  });
  // An idle client that loses its server is dropped by the pool; the error is not a crash.
  pool.on('error', () => undefined);
  // Nor is it for a client lent out (to a query, a transaction): pg emits 'error' on it, where
  // the pool listens only while it is idle. Its work fails with the error; on release the pool
  // drops it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Bring Ferry's schema up to date (each change once, under Kysely's migration lock, so two hosts
 * starting at once apply it once). A database changed by a newer Ferry is refused, not touched.
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS ferry`.execute(db);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableSchema: SCHEMA,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    const newer = /corrupted migrations/.test(String((error as Error).message));
    throw new FerryError(
      newer ? 'conflict' : 'internal',
      newer
        ? 'This database was set up by a newer version of Ferry: update Ferry on this host. Nothing was changed.'
        : `Ferry could not bring its tables in PostgreSQL up to date (${failed ? `${failed.migrationName}: ` : ''}${(error as Error).message}). Nothing of that change was kept.`,
    );
  }
}
