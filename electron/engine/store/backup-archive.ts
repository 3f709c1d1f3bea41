import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Backup } from '../../../shared/model/settings';
import { writeFileAtomic } from './atomic';
import type { BackupArchivePort, ConfigPort } from './ports';

/**
 * Backups in the data folder: each document in `backups/<entry.file>` (the entry and the
 * document, fsynced before the index names it), the index in config.json.
 */
export class BackupFiles implements BackupArchivePort {
  constructor(
    private readonly config: ConfigPort,
    private readonly dataDir: string,
  ) {}

  entries(): readonly Backup[] {
    return this.config.data.backups;
  }

  async add(entry: Backup, document: string | null): Promise<void> {
    await writeFileAtomic(
      this.where(entry),
      `${JSON.stringify({ ...entry, document }, null, 2)}\n`,
    );
    await this.config.update((data) => {
      data.backups.push(entry);
    });
  }

  async stored(entry: Backup): Promise<string | null> {
    try {
      return await readFile(this.where(entry), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  where(entry: Backup): string {
    return join(this.dataDir, 'backups', entry.file);
  }
}
