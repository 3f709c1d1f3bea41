import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { FerryError } from '../../../shared/api/errors';
import { join } from 'node:path';
import { sweepAbandonedTemps } from './atomic';
import { dataFolderWriteError, prepareDataDir } from './data-dir';
import type { Notice } from '../../../shared/api/contract';
import { ConfigStore } from './config-store';
import { JobsStore } from './jobs-store';
import { acquireDataDirLock, type DataDirLock, type LockOwner } from './lock';
import { BackupFiles } from './backup-archive';
import { ConfigMigrationLog } from './migration-log';
import type {
  BackupArchivePort,
  ConfigPort,
  JobHistoryPort,
  MigrationLogPort,
  WriterLockPort,
} from './ports';

export interface StoreOptions {
  dataDir: string;
  /** What this process is, for the message a second process gets ("ferry serve", …). */
  role: string;
  /** Open without the lock and without writing: for listing from a second process. */
  readOnly?: boolean;
  /** Called once if this process loses the lock (another took the folder over). */
  onLost?: (message: string) => void;
  /** Months read so far when the job index is built from them. */
  onIndexProgress?: (done: number, total: number) => void;
}

/** The data folder's storage, behind the ports the engine works with (see ports.ts). */
export interface Store extends WriterLockPort {
  readonly dataDir: string;
  readonly config: ConfigPort;
  readonly jobs: JobHistoryPort;
  readonly backups: BackupArchivePort;
  readonly migrations: MigrationLogPort;
  /** What happened while opening (restored or emptied files). */
  readonly notices: Notice[];
  /** This process's record as the folder's holder; null when opened read-only. */
  readonly holder: LockOwner | null;
  /** Reach the storage now; throws, saying why, when it does not answer. */
  ping(): Promise<void>;
  /**
   * Prove, asking the storage, that this process still holds it; throws `locked` otherwise.
   * Called right before something is made visible outside (a commit step).
   */
  fence(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Open a data dir: take its lock, then load and check every file in it.
 *
 * The layout is `config.json`, `jobs/<yyyy-MM>.json` (+ journals and `jobs/index.bin`) and
 * `backups/`; missing folders are
 * created. Read-only opens skip the lock and never change a file.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const { dataDir, readOnly = false } = options;
  const notices: Notice[] = [];
  const notify = (n: Notice) => notices.push(n);
  let lock: DataDirLock | null = null;
  const exposed = await prepareDataDir(dataDir, !readOnly);
  if (exposed) notify({ level: 'warning', message: exposed });
  if (!readOnly) {
    try {
      await mkdir(join(dataDir, 'backups'), { recursive: true, mode: 0o700 });
      lock = await acquireDataDirLock(dataDir, options.role, (message) => {
        notify({ level: 'error', message });
        options.onLost?.(message);
      });
      // The folder is this process's now: what a killed one left half-written goes.
      await sweepAbandonedTemps(dataDir);
    } catch (error) {
      // A lock not taken leaves the folder as it was (a full disk refuses its owner record).
      throw dataFolderWriteError(error, dataDir);
    }
  }
  const held = lock;
  const guard = () => {
    if (!held) throw new FerryError('locked', `${dataDir} is open read-only here.`);
    held.check();
  };
  try {
    const config = await ConfigStore.open(dataDir, notify, readOnly, guard);
    const jobs = await JobsStore.open(dataDir, notify, readOnly, guard, {
      onProgress: options.onIndexProgress,
    });
    return {
      dataDir,
      config,
      jobs,
      backups: new BackupFiles(config, dataDir),
      migrations: new ConfigMigrationLog(config),
      notices,
      guard,
      holder: held?.owner ?? null,
      // The folder's lock checks its own record (and is refreshed while this process runs).
      fence: async () => guard(),
      async ping() {
        await access(
          join(dataDir, 'config.json'),
          readOnly ? constants.R_OK : constants.W_OK,
        ).catch(async (error: NodeJS.ErrnoException) => {
          // A folder with nothing stored yet answers too.
          if (error.code !== 'ENOENT') throw error;
          await access(dataDir, readOnly ? constants.R_OK : constants.W_OK);
        });
      },
      async close() {
        try {
          // A folder this process lost to another gets no last fold written over its journal.
          if (readOnly || !held?.lost) await jobs.close();
        } finally {
          await lock?.release();
        }
      },
    };
  } catch (error) {
    await lock?.release();
    throw error;
  }
}
