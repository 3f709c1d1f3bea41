import { copyFile, readFile, rename, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';
import type { Notice } from '../../../shared/api/contract';
import { writeFileAtomic } from './atomic';
import { FerryError } from '../../../shared/api/errors';
import { FatalDataError } from './schema';

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
  /**
   * When neither the file nor its copy can be read: `refuse` to open at all and touch neither
   * (config.json: starting empty would be written over the only copies), or `set-aside` both
   * under `.damaged-<time>` names and start this file empty (a month of job history).
   */
  whenNoGoodCopy: 'refuse' | 'set-aside';
}

/** The file was written (the change is made) but its last-good copy was not. */
export class CopyNotWritten extends FerryError {
  constructor(
    readonly path: string,
    readonly backupPath: string,
    override readonly cause: unknown,
  ) {
    super(
      'internal',
      `The change is saved in ${basename(path)}, but its copy ${basename(backupPath)} could not be written (${(cause as Error)?.message ?? String(cause)}): until a later change writes it, a damaged ${basename(path)} would be restored without this change.`,
    );
    this.name = 'CopyNotWritten';
  }
}

/**
 * A lowdb adapter for one JSON file that validates on load, keeps a last good copy, and recovers.
 *
 * Every write goes to the file and then to `<file>.bak`, each atomically, so the backup always
 * holds the newest state that was written whole. When the file can not be parsed or fails
 * validation it is moved aside as `<file>.damaged-<time>` (kept for the admin, never deleted) and
 * the backup is restored. When the copy can not be read either, `whenNoGoodCopy` decides: refuse
 * to open, or keep both aside and start empty — never write over the last copies.
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
    if (main.kind === 'missing' && backup.kind === 'missing') {
      this.fresh = true;
      return null;
    }
    if (backup.kind !== 'ok') return this.noGoodCopy(main, backup);

    if (main.kind === 'missing') {
      if (!this.options.readOnly) await writeFileAtomic(this.path, serialize(backup.data));
      this.options.notify({
        level: 'warning',
        message: `${name} was missing; Ferry restored the last good copy (${this.backupPath}).`,
      });
      return backup.data;
    }

    const damagedPath = this.options.readOnly ? this.path : await this.moveAside(this.path);
    const keptAt = this.options.readOnly ? '' : ` The damaged file was kept at ${damagedPath}.`;
    if (!this.options.readOnly) await writeFileAtomic(this.path, serialize(backup.data));
    const when = await stat(this.backupPath).then(
      (s) => s.mtime.toISOString(),
      () => 'unknown',
    );
    this.options.notify({
      level: 'warning',
      message: `${name} could not be read (${main.reason}).${keptAt} Ferry restored the last good copy, saved ${when}.`,
    });
    return backup.data;
  }

  /** Neither the file nor its copy can be read: refuse, or keep both aside and start empty. */
  private async noGoodCopy(
    main: { kind: 'missing' } | { kind: 'bad'; reason: string },
    backup: { kind: 'missing' } | { kind: 'bad'; reason: string },
  ): Promise<null> {
    const name = basename(this.path);
    const dir = dirname(this.path);
    const what = (label: string, r: typeof main) =>
      r.kind === 'missing' ? `${label} is missing` : `${label} can not be read (${r.reason})`;
    const both = `${what(name, main)} and ${what(`its copy ${name}.bak`, backup)}`;
    if (this.options.whenNoGoodCopy === 'refuse')
      throw new FatalDataError(
        `${both}. Ferry changed neither file and will not write to ${dir} until one is good again. ` +
          `To recover: put back a good ${name} from a backup of that folder (or repair the file); ` +
          `to start over instead, move ${name} and ${name}.bak out of it — jobs/ and backups/ stay as they are.`,
      );
    let kept = '';
    if (!this.options.readOnly) {
      const aside = [];
      if (main.kind === 'bad') aside.push(await this.moveAside(this.path));
      if (backup.kind === 'bad') aside.push(await this.moveAside(this.backupPath));
      kept = ` Both were kept (${aside.join(', ')}).`;
    }
    this.options.notify({
      level: 'error',
      message: `${both}.${kept} Ferry started this file empty.`,
    });
    return null;
  }

  /**
   * Write the file, then its copy. The file is the record: once it is written the change is
   * made, and a copy that then fails throws `CopyNotWritten` (the change stands).
   */
  async write(data: T): Promise<void> {
    if (this.options.readOnly) throw new Error(`${this.path} is open read-only`);
    const text = serialize(data);
    await writeFileAtomic(this.path, text);
    try {
      await writeFileAtomic(this.backupPath, text);
    } catch (error) {
      throw new CopyNotWritten(this.path, this.backupPath, error);
    }
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

  private async moveAside(path: string): Promise<string> {
    const stamp = (this.options.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-');
    const target = join(dirname(path), `${basename(path)}.damaged-${stamp}`);
    try {
      await rename(path, target);
    } catch {
      await copyFile(path, target);
    }
    return target;
  }
}

export function serialize(data: unknown): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}
