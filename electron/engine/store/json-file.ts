import { copyFile, readFile, rename, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';
import type { Notice } from '../../../shared/api/contract';
import { writeFileAtomic } from './atomic';

/** Turns parsed JSON into valid data (migrating old versions) or throws saying what is wrong. */
export type Decode<T> = (raw: unknown) => T;

export interface ValidatedJsonFileOptions<T> {
  decode: Decode<T>;
  /** Where start-up messages go (a damaged file restored, started empty). */
  notify: (notice: Notice) => void;
  /** Read without moving, restoring or writing anything (for read-only CLI commands). */
  readOnly?: boolean;
  /** Time source for the name of a damaged copy. */
  now?: () => Date;
}

/**
 * A lowdb adapter for one JSON file that validates on load, keeps a last good copy, and recovers.
 *
 * Every write goes to the file and then to `<file>.bak`, each atomically, so the backup always
 * holds the newest state that was written whole. When the file can not be parsed or fails
 * validation it is moved aside as `<file>.damaged-<time>` (kept for the admin, never deleted) and
 * the backup is restored; when there is no usable backup the store starts empty and says so.
 */
export class ValidatedJsonFile<T> implements Adapter<T> {
  readonly path: string;
  readonly backupPath: string;
  /** True after a read that found neither the file nor its copy: a brand-new data dir. */
  fresh = false;
  private readonly options: ValidatedJsonFileOptions<T>;

  constructor(path: string, options: ValidatedJsonFileOptions<T>) {
    this.path = path;
    this.backupPath = `${path}.bak`;
    this.options = options;
  }

  async read(): Promise<T | null> {
    const main = await this.load(this.path);
    if (main.kind === 'ok') return main.data;

    const backup = await this.load(this.backupPath);
    const name = basename(this.path);

    if (main.kind === 'missing') {
      if (backup.kind === 'missing') this.fresh = true;
      if (backup.kind !== 'ok') return null;
      if (!this.options.readOnly) await writeFileAtomic(this.path, serialize(backup.data));
      this.options.notify({
        level: 'warning',
        message: `${name} was missing; Ferry restored the last good copy (${this.backupPath}).`,
      });
      return backup.data;
    }

    const damagedPath = this.options.readOnly ? this.path : await this.moveAside();
    const what = `${name} could not be read (${main.reason})`;
    const keptAt = this.options.readOnly ? '' : ` The damaged file was kept at ${damagedPath}.`;
    if (backup.kind === 'ok') {
      if (!this.options.readOnly) await writeFileAtomic(this.path, serialize(backup.data));
      const when = await stat(this.backupPath).then(
        (s) => s.mtime.toISOString(),
        () => 'unknown',
      );
      this.options.notify({
        level: 'warning',
        message: `${what}.${keptAt} Ferry restored the last good copy, saved ${when}.`,
      });
      return backup.data;
    }
    this.options.notify({
      level: 'error',
      message: `${what}.${keptAt} No good copy was found, so Ferry started empty for this file.`,
    });
    return null;
  }

  async write(data: T): Promise<void> {
    if (this.options.readOnly) throw new Error(`${this.path} is open read-only`);
    const text = serialize(data);
    await writeFileAtomic(this.path, text);
    await writeFileAtomic(this.backupPath, text);
  }

  private async load(
    path: string,
  ): Promise<{ kind: 'ok'; data: T } | { kind: 'missing' } | { kind: 'bad'; reason: string }> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      throw error;
    }
    if (text.trim() === '') return { kind: 'bad', reason: 'the file is empty' };
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      return { kind: 'bad', reason: `not valid JSON: ${(error as Error).message}` };
    }
    try {
      return { kind: 'ok', data: this.options.decode(raw) };
    } catch (error) {
      if ((error as { fatal?: boolean }).fatal) throw error;
      return { kind: 'bad', reason: (error as Error).message };
    }
  }

  private async moveAside(): Promise<string> {
    const stamp = (this.options.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-');
    const target = join(dirname(this.path), `${basename(this.path)}.damaged-${stamp}`);
    try {
      await rename(this.path, target);
    } catch {
      await copyFile(this.path, target);
    }
    return target;
  }
}

export function serialize(data: unknown): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}
