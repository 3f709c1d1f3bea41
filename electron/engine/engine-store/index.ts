import { openStore, type Store } from '../store';
import { loadInstance, type Instance } from '../store/instance';
import type { SecretsPort } from '../store/ports';
import type { TeamPeople } from '../store/postgres/people';
import type { PgJobHistory } from '../store/postgres/jobs';
import type { CancelOnWorker } from '../store/postgres/hour-cancel';
import { PLAIN_FILE_CODEC, SecretStore, type SecretCodec } from '../store/secrets';

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
  // Loaded here, not above: a laptop's engine never loads PostgreSQL's or KMS's clients.
  const { openTeamStore } = await import('./team');
  return openTeamStore({ ...options, database: options.database });
}
