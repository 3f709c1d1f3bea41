import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { FerryError } from '../../../shared/api/errors';
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

  async keep(entry: Backup, stored: string): Promise<boolean> {
    const there = await this.stored(entry);
    if (there !== null) return there === stored;
    await writeFileAtomic(this.where(entry), stored);
    await this.config.update((data) => {
      if (!data.backups.some((b) => b.id === entry.id)) data.backups.push(entry);
    });
    return true;
  }

  async stored(entry: Backup): Promise<string | null> {
    // The index names a file in backups/: a name that leads elsewhere (a hand-edited config.json)
    // is never read.
    if (basename(entry.file) !== entry.file || entry.file === '..' || entry.file === '.')
      throw new FerryError(
        'conflict',
        `The backup ${entry.id} names the file "${entry.file}", which is not in ${join(this.dataDir, 'backups')}: Ferry does not read it. Nothing was restored.`,
      );
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
