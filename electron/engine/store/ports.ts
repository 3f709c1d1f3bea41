import type { Backup } from '../../../shared/model/settings';
import type { Job, JobListQuery } from '../../../shared/model/jobs';
import type { Migration } from '../../../shared/model/migration';
import type { HourRecords } from './hour-records';
import type { IndexEntry } from './job-index';
import type { ConfigData } from './schema';

/**
 * The storage the engine works with, as interfaces: the engine depends on these, never on how
 * they are kept. The laptop implementation is files in the data folder (lowdb `config.json`,
 * monthly job journals, `secrets.json`, `backups/`, `ferry.lock`); a second one must pass the
 * same contract suite (`test/unit/engine/store/storage-contract.ts`).
 */

/** Organizations, projects, connections, settings and the records kept beside them. */
export interface ConfigPort {
  /** The current state; a change shows here only once it is stored. Treat as read-only. */
  readonly data: Readonly<ConfigData>;
  /** True when nothing was stored before (a first start). */
  readonly fresh: boolean;
  /**
   * Apply `change` to a copy and store it; one update at a time, in call order. A change that
   * throws, or a store that fails, leaves `data` as it was.
   */
  update<R>(change: (draft: ConfigData) => R): Promise<R>;
  /** Resolves once every update asked for so far has ended. */
  settled(): Promise<void>;
}

/** One page of the job history. */
export interface JobPage {
  items: Job[];
  total: number;
  offset: number;
  limit: number;
}

/** The job history: every try of every hour, kept after the connection is gone. */
export interface JobHistoryPort {
  /** Insert or replace a job (by id), stored before this resolves. */
  put(job: Job): Promise<void>;
  get(id: string): Promise<Job | null>;
  /** Jobs matching a query, newest hour first, one page at a time. */
  list(query?: JobListQuery): Promise<JobPage>;
  /** The few fields of every matching job, newest first, without full records. */
  entries(
    filter: (e: Readonly<IndexEntry>) => boolean,
    connectionId?: string,
    range?: { from?: string; to?: string },
  ): Readonly<IndexEntry>[];
  /** Jobs a stop or a kill may have cut off, with the other jobs of their hours. */
  interrupted(): Readonly<IndexEntry>[];
  /** A connection's history folded per (dataset, hour). */
  hourRecords(connectionId: string): HourRecords;
  readonly size: number;
  close(): Promise<void>;
}

/**
 * What an export needs of the history: its own jobs written, and the tries of the hour it works
 * on read (`list` with `connectionId` and one hour, `hourFrom` = `hourTo`). A team's worker keeps
 * no index of the whole history, so this is all it answers.
 */
export type HourJobsPort = Pick<JobHistoryPort, 'put' | 'get' | 'list'>;

/** Secrets by name, each bound to the one origin (an address) it may be sent to. */
export interface SecretsPort {
  /** The secret or null; throws SecretUnusable when it is bound to another origin. */
  get(name: string, origin?: string): Promise<string | null>;
  has(name: string, origin?: string): Promise<boolean>;
  originOf(name: string): Promise<string | null>;
  set(name: string, value: string, origin: string): Promise<void>;
  delete(name: string): Promise<void>;
  /** True when the secret is given by the environment rather than stored. */
  inEnvironment(name: string): boolean;
  bindEnvironment(origins: Iterable<readonly [name: string, origin: string]>): void;
  /** Where damaged stored secrets were set aside (never overwritten), when some were found. */
  readonly damaged: string | null;
}

/** Policy documents as they were before Ferry changed them: never deleted by Ferry. */
export interface BackupArchivePort {
  /** Every backup's index entry, oldest first. */
  entries(): readonly Backup[];
  /** Keep a document (null: there was none) and its entry; the document is stored first. */
  add(entry: Backup, document: string | null): Promise<void>;
  /**
   * Keep a backup exactly as another store kept it (a move between stores): added when its id
   * is new. True when the text now stored under its id is `stored`.
   */
  keep(entry: Backup, stored: string): Promise<boolean>;
  /**
   * The stored text of a backup exactly as kept (to be checked by the caller), or null when it
   * is missing.
   */
  stored(entry: Backup): Promise<string | null>;
  /** Where a backup is kept, in words an admin can look up (a file path, a table row). */
  where(entry: Backup): string;
}

/** KMS migrations, newest last, kept after they end (the record of the change). */
export interface MigrationLogPort {
  all(): readonly Migration[];
  /** Insert or replace a migration by id, stored before this resolves. */
  save(migration: Migration): Promise<void>;
}

/** This process's hold on the storage: one writer at a time. */
export interface WriterLockPort {
  /** Throws a `locked` error when this process may not write (read-only, or the hold was lost). */
  guard(): void;
}
