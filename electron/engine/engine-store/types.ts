/*
 * The engine's storage as its users see it, apart from how it is opened (index.ts for a laptop,
 * team.ts for PostgreSQL): both take these types, and neither imports the other for them.
 */
import type { Store } from '../store';
import type { Instance } from '../store/instance';
import type { SecretsPort } from '../store/ports';
import type { TeamPeople } from '../store/postgres/people';
import type { PgJobHistory } from '../store/postgres/jobs';
import type { CancelOnWorker } from '../store/postgres/hour-cancel';
import type { SecretCodec } from '../store/secrets';

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
