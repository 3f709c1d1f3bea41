/*
 * Team mode's storage (PostgreSQL), loaded only where a database is configured: the engine's
 * store on a team's serve, a worker's store, and the people and audit log for the CLI.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { sql, type Kysely } from 'kysely';
import { hostname } from 'node:os';
import { FerryError } from '../../../shared/api/errors';
import type { DatabaseOptions, EngineStore, EngineStoreOptions } from './types';
import type { Store } from '../store';
import { prepareDataDir } from '../store/data-dir';
import type { Instance } from '../store/instance';
import { acquireDataDirLock, type DataDirLock } from '../store/lock';
import { openPostgresStore } from '../store/postgres';
import { redactUrl } from '../store/postgres/address';
import { PgConfig } from '../store/postgres/config';
import { askWorkerToCancel } from '../store/postgres/hour-cancel';
import { PgHourJobs } from '../store/postgres/hour-jobs';
import { teamInstance } from '../store/postgres/instance';
import { hourTakeovers, WorkerLeases } from '../store/postgres/leases';
import { openDatabase } from '../store/postgres/open-database';
import { TeamPeople } from '../store/postgres/people';
import type { Database } from '../store/postgres/schema';
import { kmsDataKeys, PgSecrets, type DataKeySource } from '../store/postgres/secrets';
import { PgWriter } from '../store/postgres/writer';
import { EnvironmentSecrets } from '../store/env-secrets';

/** The engine's store on a team database (openEngineStore with `database`). */
export async function openTeamStore(
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
      secretsKey: sealingKey(database),
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
      sealingKey(database),
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

/**
 * The KMS key that seals the team's secrets, and its data keys had with this host's AWS
 * credentials; null when the team keeps its secrets in the environment only.
 */
export function sealingKey(
  database: DatabaseOptions,
): { keyArn: string; source: DataKeySource } | null {
  const keyArn = database.secretsKey;
  return keyArn ? { keyArn, source: kmsDataKeys(kmsClientFor(keyArn)) } : null;
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
