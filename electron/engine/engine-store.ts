import { KMSClient } from '@aws-sdk/client-kms';
import { sql, type Kysely } from 'kysely';
import { hostname } from 'node:os';
import { FerryError } from '../../shared/api/errors';
import { openStore, type Store } from './store';
import { prepareDataDir } from './store/data-dir';
import { loadInstance, type Instance } from './store/instance';
import { acquireDataDirLock, type DataDirLock } from './store/lock';
import { teamInstance } from './store/postgres/instance';
import { TeamPeople } from './store/postgres/people';
import { openDatabase } from './store/postgres/open-database';
import type { Database } from './store/postgres/schema';
import { PgConfig } from './store/postgres/config';
import { PgHourJobs } from './store/postgres/hour-jobs';
import type { PgJobHistory } from './store/postgres/jobs';
import { askWorkerToCancel, type CancelOnWorker } from './store/postgres/hour-cancel';
import { hourTakeovers, WorkerLeases } from './store/postgres/leases';
import { PgSecrets } from './store/postgres/secrets';
import { EnvironmentSecrets } from './store/env-secrets';
import { PgWriter, redactUrl } from './store/postgres/writer';
import type { SecretsPort } from './store/ports';
import { openPostgresStore } from './store/postgres';
import { kmsDataKeys } from './store/postgres/secrets';
import { PLAIN_FILE_CODEC, SecretStore, type SecretCodec } from './store/secrets';

/** Team mode: config, history, backups, migrations and secrets in PostgreSQL. */
export interface DatabaseOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** The KMS key (ARN) that seals the secrets stored in PostgreSQL; none: secrets come from the environment only. */
  secretsKey?: string | null;
}

export interface EngineStoreOptions {
  dataDir: string;
  role: string;
  readOnly?: boolean;
  database?: DatabaseOptions | null;
  secretCodec?: SecretCodec;
  now: () => Date;
  onIndexProgress?: (done: number, total: number) => void;
  onLost: (message: string) => void;
}

/** Secrets as the engine keeps them: a store, and who to tell when it finds them damaged. */
export type EngineSecrets = SecretsPort & { onDamaged: ((aside: string) => void) | null };

export interface EngineStore {
  store: Store;
  secrets: EngineSecrets;
  /** Who this Ferry is to destinations (a claim names it): the data folder's, or the team's. */
  instance: () => Promise<Instance>;
  /** Team mode: people's tokens and the audit log (null on a laptop). */
  people: TeamPeople | null;
  /** Team mode: the history in PostgreSQL, which workers write too (null on a laptop). */
  teamJobs: PgJobHistory | null;
  /** Team mode: hours taken over from a silent worker, ever (from the hour leases). */
  takeovers: (() => Promise<number>) | null;
  /** Team mode: ask the worker running a job to cancel it, and its answer (see askWorkerToCancel). */
  cancelOnWorker: CancelOnWorker | null;
}

/**
 * The storage an engine runs on. A laptop keeps everything in its data folder. In team mode
 * (`database`) the shared records are in PostgreSQL, and the data folder keeps only this host's
 * working files (commits under way, the export cache, its instance id), under its own lock.
 */
export async function openEngineStore(options: EngineStoreOptions): Promise<EngineStore> {
  if (!options.database) {
    const store = await openStore(options);
    const secrets = new SecretStore(
      store.dataDir,
      options.secretCodec ?? PLAIN_FILE_CODEC,
      process.env,
      options.now,
      options.readOnly,
    );
    return {
      store,
      secrets,
      instance: () => loadInstance(store.dataDir, options.now, options.readOnly),
      people: null,
      teamJobs: null,
      takeovers: null,
      cancelOnWorker: null,
    };
  }
  return openTeamStore({ ...options, database: options.database });
}

async function openTeamStore(
  options: EngineStoreOptions & { database: DatabaseOptions },
): Promise<EngineStore> {
  const { dataDir, readOnly = false, database } = options;
  const notices: Store['notices'] = [];
  const exposed = await prepareDataDir(dataDir, !readOnly);
  if (exposed) notices.push({ level: 'warning', message: exposed });
  let lock: DataDirLock | null = null;
  if (!readOnly) {
    lock = await acquireDataDirLock(dataDir, options.role, (message) => {
      notices.push({ level: 'error', message });
      options.onLost(message);
    });
  }
  try {
    const shared = await openPostgresStore({
      url: database.url,
      role: `${options.role} on ${hostname()}`,
      readOnly,
      secretsKey: database.secretsKey
        ? { keyArn: database.secretsKey, source: kmsDataKeysFor(database.secretsKey) }
        : null,
      onLost: (message) => {
        notices.push({ level: 'error', message });
        options.onLost(message);
      },
    });
    const held = lock;
    const store: Store = {
      dataDir,
      config: shared.config,
      jobs: shared.jobs,
      backups: shared.backups,
      migrations: shared.migrations,
      notices,
      holder: held?.owner ?? null,
      guard() {
        if (!held)
          throw new FerryError('locked', `${redactUrl(database.url)} is open read-only here.`);
        held.check();
        shared.guard();
      },
      async ping() {
        await sql`SELECT 1`.execute(shared.db);
      },
      async fence() {
        held?.check();
        await shared.fence();
      },
      async close() {
        try {
          await shared.close();
        } finally {
          await held?.release();
        }
      },
    };
    return {
      store,
      secrets: shared.secrets,
      instance: () => teamInstance(shared.db, database.url, readOnly),
      people: new TeamPeople(shared.db),
      teamJobs: shared.jobs,
      takeovers: () => hourTakeovers(shared.db),
      cancelOnWorker: (key, target, waitMs) => askWorkerToCancel(shared.db, key, target, waitMs),
    };
  } catch (error) {
    await lock?.release();
    throw error;
  }
}

/** What a team's worker works on: the shared records it reads, and the hours it holds. */
export interface WorkerStore {
  dataDir: string;
  config: PgConfig;
  jobs: PgHourJobs;
  secrets: PgSecrets;
  leases: WorkerLeases;
  /** Throws when this host's data folder is no longer this worker's. */
  guard(): void;
  instance: () => Promise<Instance>;
  db: Kysely<Database>;
  close(): Promise<void>;
}

/**
 * Open a team database as a worker (`ferry worker`): no writer's hold — a worker writes only the
 * jobs of the hours the queue gave it, each write fenced by that hour's attempt (WorkerLeases);
 * config, backups and secrets are read, never written. Its data folder keeps its working files
 * (commits under way, the cache) under the folder's own lock.
 */
export async function openWorkerStore(options: {
  dataDir: string;
  database: DatabaseOptions;
  holder: string;
  onLost: (message: string) => void;
  env?: NodeJS.ProcessEnv;
}): Promise<WorkerStore> {
  const { dataDir, database } = options;
  await prepareDataDir(dataDir, true);
  const lock = await acquireDataDirLock(dataDir, 'ferry worker', options.onLost);
  const db = await openDatabase(database.url).catch(async (error: unknown) => {
    await lock.release();
    throw error;
  });
  try {
    const reader = PgWriter.reader(database.url);
    const leases = new WorkerLeases(db, options.holder);
    const config = await PgConfig.open(db, reader);
    const jobs = new PgHourJobs(db, leases);
    const secrets = new PgSecrets(
      db,
      reader,
      new EnvironmentSecrets(options.env ?? process.env),
      database.secretsKey
        ? { keyArn: database.secretsKey, source: kmsDataKeysFor(database.secretsKey) }
        : null,
    );
    return {
      dataDir,
      config,
      jobs,
      secrets,
      leases,
      db,
      guard: () => lock.check(),
      instance: () => teamInstance(db, database.url, false),
      async close() {
        try {
          await jobs.close();
          await db.destroy();
        } finally {
          await lock.release();
        }
      },
    };
  } catch (error) {
    await db.destroy();
    await lock.release();
    throw error;
  }
}

/** Data keys of the team's KMS key, with this host's AWS credentials. */
export function kmsDataKeysFor(keyArn: string) {
  return kmsDataKeys(kmsClientFor(keyArn));
}

/** A KMS client in the key's own Region, with this host's AWS credentials (its environment or profile). */
function kmsClientFor(keyArn: string): KMSClient {
  const region = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:(key|alias)\/.+$/.exec(keyArn)?.[1];
  if (!region)
    throw new FerryError(
      'validation',
      `The secrets key must be a KMS key ARN, such as arn:aws:kms:us-east-1:123456789012:key/… (got "${keyArn}")`,
      'secretsKey',
    );
  return new KMSClient({ region });
}

/**
 * A team database's people and audit log alone, for `ferry team token …` and `ferry audit`:
 * they work beside the writer (a running serve), from any host.
 */
export async function openTeamPeople(
  database: DatabaseOptions,
): Promise<{ people: TeamPeople; close(): Promise<void> }> {
  const db = await openDatabase(database.url);
  return { people: new TeamPeople(db), close: () => db.destroy() };
}
