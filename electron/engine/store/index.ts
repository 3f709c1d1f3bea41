import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Notice } from '../../../shared/api/contract';
import { ConfigStore } from './config-store';
import { JobsStore } from './jobs-store';
import { acquireDataDirLock, type DataDirLock } from './lock';

export interface StoreOptions {
  dataDir: string;
  /** What this process is, for the message a second process gets ("ferry serve", …). */
  role: string;
  /** Open without the lock and without writing: for listing from a second process. */
  readOnly?: boolean;
}

export interface Store {
  readonly dataDir: string;
  readonly config: ConfigStore;
  readonly jobs: JobsStore;
  /** What happened while opening (restored or emptied files). */
  readonly notices: Notice[];
  close(): Promise<void>;
}

/**
 * Open a data dir: take its lock, then load and check every file in it.
 *
 * The layout is `config.json`, `jobs/<yyyy-MM>.json` and `backups/`; missing folders are
 * created. Read-only opens skip the lock and never change a file.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const { dataDir, readOnly = false } = options;
  const notices: Notice[] = [];
  const notify = (n: Notice) => notices.push(n);
  let lock: DataDirLock | null = null;
  if (!readOnly) {
    await mkdir(join(dataDir, 'backups'), { recursive: true });
    lock = await acquireDataDirLock(dataDir, options.role, (error) => {
      notify({ level: 'error', message: `Lost the lock on ${dataDir}: ${error.message}` });
    });
  }
  try {
    const config = await ConfigStore.open(dataDir, notify, readOnly);
    const jobs = await JobsStore.open(dataDir, notify, readOnly);
    return {
      dataDir,
      config,
      jobs,
      notices,
      async close() {
        try {
          await jobs.close();
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
