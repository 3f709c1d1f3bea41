import type { Kysely } from 'kysely';
import { EnvironmentSecrets } from '../env-secrets';
import type { ConfigPort, MigrationLogPort, WriterLockPort } from '../ports';
import { PgConfig } from './config';
import { PgJobHistory } from './jobs';
import { PgBackups, PgMigrationLog } from './records';
import { openDatabase } from './open-database';
import type { Database } from './schema';
import { PgSecrets, type DataKeySource } from './secrets';
import { PgWriter } from './writer';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** What this process is, for the message a second writer gets ("ferry serve on host-a"). */
  role: string;
  /** Open without the writer's lock: every write refused. */
  readOnly?: boolean;
  /** The KMS key that seals stored secrets, and where its data keys come from. */
  secretsKey?: { keyArn: string; source: DataKeySource } | null;
  /** Secrets given by this host's environment (FERRY_SECRET_<NAME>). */
  env?: NodeJS.ProcessEnv;
  /** Called once if this process stops being the writer (its connection lost, or taken over). */
  onLost?: (message: string) => void;
}

/** Ferry's storage in PostgreSQL (team mode), behind the same ports as the data folder. */
export interface PostgresStore extends WriterLockPort {
  readonly config: ConfigPort;
  readonly jobs: PgJobHistory;
  readonly backups: PgBackups;
  readonly migrations: MigrationLogPort;
  readonly secrets: PgSecrets;
  /** Prove, asking the database, that this process is still its writer (fencing number). */
  fence(): Promise<void>;
  /** The pool, for what comes beside the ports (the queue, health checks). */
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

/**
 * Open a database: bring Ferry's tables up to date, take the writer's lock (unless read-only),
 * then read what the engine answers synchronously (config, backup and migration entries, the
 * job index).
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  // Readers too: a new database gets Ferry's (empty) tables, and one set up by a newer Ferry
  // is refused before anything is read from it.
  const db = await openDatabase(options.url);
  let writer: PgWriter | null = null;
  try {
    writer = options.readOnly
      ? PgWriter.reader(options.url)
      : await PgWriter.take(options.url, db, options.role, options.onLost);
    const held = writer;
    const config = await PgConfig.open(db, held);
    const jobs = await PgJobHistory.open(db, held);
    const backups = await PgBackups.open(db, held, options.url);
    const migrations = await PgMigrationLog.open(db, held);
    const secrets = new PgSecrets(
      db,
      held,
      new EnvironmentSecrets(options.env ?? process.env),
      options.secretsKey ?? null,
    );
    return {
      config,
      jobs,
      backups,
      migrations,
      secrets,
      db,
      guard: () => held.guard(),
      fence: () => held.verify(db),
      async close() {
        try {
          await config.settled();
          await jobs.close();
        } finally {
          await held.release();
          await db.destroy();
        }
      },
    };
  } catch (error) {
    await writer?.release();
    await db.destroy();
    throw error;
  }
}
