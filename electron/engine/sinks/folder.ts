import { randomBytes } from 'node:crypto';
import { lstat, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { syncDir } from '../store/atomic';
import { makeFolder } from '../store/make-folder';
import {
  StagedObjectLost,
  type Sink,
  type StagedHandle,
  type StagedObject,
  type StoredObject,
  type CleanupOptions,
} from './types';

/** Temp files of a folder's objects live in this sub-folder of it: a cleanup reads only it. */
const TEMP_DIR = '.ferry-partial';
/** Temp files of older versions, beside the objects themselves: still skipped when listing. */
const OLD_TEMP_MARK = '.ferry-partial-';

/**
 * The destination folder itself is not there (or is not a folder, or is the empty mount point of
 * a disk not mounted now): its disk or share is not mounted, or it was moved or removed. An
 * export never makes it — where an unmounted disk's folder is missing, making it would put the
 * events on the disk underneath, reported as done.
 */
export class DestinationFolderMissing extends Error {
  readonly fix: string;
  constructor(
    readonly root: string,
    why: 'missing' | 'not-folder' | 'not-mounted' = 'missing',
  ) {
    super(
      why === 'not-folder'
        ? `${root} is a file, not a folder.`
        : why === 'not-mounted'
          ? `Nothing is mounted at ${root} on ${hostname()}: a disk or share was mounted there when the connection was saved.`
          : `There is no folder ${root} on ${hostname()}.`,
    );
    this.name = 'DestinationFolderMissing';
    this.fix =
      why === 'not-folder'
        ? 'Choose a folder for the exports in the connection.'
        : why === 'not-mounted'
          ? 'Mount the disk or share there again; nothing was written to the disk underneath. (To export to another disk, choose its folder in the connection.)'
          : 'If it is on a disk or a network share, mount it; if it was moved or removed, make it again or choose another folder in the connection. (Ferry makes it when the connection is saved, never during an export: nothing goes to the disk under a missing mount.)';
  }
}

/**
 * A folder is the top of a mounted disk or share: its device is not its parent's. (A bind mount
 * of a folder on the same disk is not seen; nor is a folder that is not there.)
 */
export async function isMountPoint(path: string): Promise<boolean> {
  const [folder, parent] = await Promise.all([
    stat(path).catch(() => null),
    stat(dirname(path)).catch(() => null),
  ]);
  return !!folder?.isDirectory() && !!parent && folder.dev !== parent.dev && path !== dirname(path);
}

/**
 * Make a folder destination when its connection is saved (exports never make it). The answer is
 * the first folder made, as `makeFolder` gives it.
 */
export async function makeDestinationFolder(
  root: string,
  fileMode: number,
): Promise<string | undefined> {
  return makeFolder(root, folderMode(fileMode));
}

/** Temp files this process is writing or holds sealed: `cleanup` never removes them. */
const liveTemps = new Set<string>();

/**
 * Another Ferry's temp file is left to it, unless it has not changed for this long: a writer
 * that stopped for a day is gone, not slow.
 */
export const FOREIGN_TEMP_MAX_AGE_MS = 24 * 3_600_000;

/** `<owner 16 hex>-<8 hex>-<name>`, or (older versions) `<8 hex>-<name>`. */
const TEMP_NAME = /^(?:([0-9a-f]{16})-)?[0-9a-f]{8}-(.*)$/;

/**
 * The same layout as the bucket, on disk. Each file is written under a temp name in the
 * `.ferry-partial/` sub-folder of its folder, flushed to disk when sealed, and renamed into place
 * (then the folder entry flushed) when its hour commits, so a reader never sees half a file or
 * half an hour; a killed run leaves only temp files, which the next run of that hour removes. An
 * hour's own files are looked up by name: no run reads the whole folder.
 */
export class FolderSink implements Sink {
  readonly staging = 'file';

  /**
   * @param mode the exported files' mode: 0600 unless the folder is shared on purpose; the
   *   folders Ferry creates for them get the matching search bits.
   */
  constructor(
    private readonly root: string,
    private readonly mode = 0o600,
    /**
     * Whose temp files this sink writes and cleans up: the data folder's instance id, so a
     * restart removes its own leftovers at once and never another Ferry's live temp files.
     */
    private readonly owner = randomBytes(8).toString('hex'),
    /**
     * The folder was a mount point when its connection was saved: while nothing is mounted there
     * (the folder on the disk underneath), it is missing, not an empty destination.
     */
    private readonly mountPoint = false,
  ) {}

  describe(key: string): string {
    return this.path(key);
  }

  localPath(key: string): string {
    return this.path(key);
  }

  async stage(key: string, signal?: AbortSignal): Promise<StagedObject> {
    const target = this.path(key);
    await this.requireRoot();
    await makeFolder(dirname(target), folderMode(this.mode));
    await this.refuseLinks(dirname(target));
    const temps = join(dirname(target), TEMP_DIR);
    await makeFolder(temps, 0o700);
    await this.refuseLink(temps);
    const temp = join(
      temps,
      `${this.owner}-${randomBytes(4).toString('hex')}-${basenameOf(target)}`,
    );
    const file = await open(temp, 'wx', this.mode);
    liveTemps.add(temp);
    await file.chmod(this.mode); // exactly this mode, whatever the umask
    let bytes = 0;
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await file.close();
    };
    return {
      key,
      write: async (chunk) => {
        signal?.throwIfAborted();
        await file.write(chunk);
        bytes += chunk.length;
      },
      seal: async () => {
        await file.sync();
        await close();
        return { sink: 'folder', key, temp, bytes };
      },
      abort: async () => {
        await close().catch(() => undefined);
        await rm(temp, { force: true });
        liveTemps.delete(temp);
      },
    };
  }

  async commit(handle: StagedHandle): Promise<{ etag: string | null }> {
    if (handle.sink !== 'folder') throw new Error(`Not a folder file: ${handle.key}`);
    const target = this.path(handle.key);
    try {
      await rename(handle.temp, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // The whole folder gone (its disk not mounted) loses no file: commit it once it is back.
      await this.requireRoot();
      // Renamed before a kill cut the commit short: the file is in place, whole.
      const info = await stat(target).catch(() => null);
      liveTemps.delete(handle.temp);
      if (info?.size === handle.bytes) return { etag: null };
      throw new StagedObjectLost(handle.key);
    }
    await syncDir(dirname(target));
    liveTemps.delete(handle.temp);
    return { etag: null };
  }

  async discard(handle: StagedHandle): Promise<void> {
    if (handle.sink !== 'folder') return;
    await rm(handle.temp, { force: true });
    liveTemps.delete(handle.temp);
  }

  async putObject(key: string, body: Buffer): Promise<{ etag: string | null }> {
    const staged = await this.stage(key);
    try {
      await staged.write(body);
      return await this.commit(await staged.seal());
    } catch (error) {
      await staged.abort();
      throw error;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    await this.requireRoot();
    const dir = dirname(this.path(`${prefix}x`));
    const names = await readdir(dir).catch(() => [] as string[]);
    const out: StoredObject[] = [];
    for (const name of names) {
      if (name === TEMP_DIR || name.startsWith(OLD_TEMP_MARK)) continue;
      const key = relative(this.root, join(dir, name)).split(sep).join('/');
      if (!key.startsWith(prefix)) continue;
      const info = await stat(join(dir, name)).catch(() => null);
      if (info?.isFile()) out.push({ key, size: info.size, etag: null, modified: info.mtimeMs });
    }
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  async find(keys: string[]): Promise<StoredObject[]> {
    await this.requireRoot();
    const found = await Promise.all(keys.map((key) => this.stat(key)));
    return found.filter((o): o is StoredObject => o !== null);
  }

  async partitions(_prefix: string, key: (n: number) => string): Promise<StoredObject[]> {
    await this.requireRoot();
    const out: StoredObject[] = [];
    for (let n = 1; ; n++) {
      const found = await this.stat(key(n));
      if (!found) return out;
      out.push(found);
    }
  }

  /** One object as it is now, or null when there is none (or it is not a file). */
  private async stat(key: string): Promise<StoredObject | null> {
    const info = await stat(this.path(key)).catch(() => null);
    return info?.isFile() ? { key, size: info.size, etag: null, modified: info.mtimeMs } : null;
  }

  async deleteObjects(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.path(key), { force: true })));
    const dirs = new Set(keys.map((key) => dirname(this.path(key))));
    for (const dir of dirs) await syncDir(dir).catch(() => undefined);
  }

  /**
   * Remove temp files a killed run left under `prefix`. A prefix that ends in `/` (the query
   * copy's `_query/events/`) also reaches its partition folders, one level down: the copy's files
   * live there. Other prefixes read only their own folder's temp files, never the folder itself.
   */
  async cleanup(prefix: string, { keep = new Set(), spare }: CleanupOptions = {}): Promise<number> {
    // Temp files of live runs are known exactly (liveTemps): no age rule is needed here.
    const dir = dirname(this.path(`${prefix}x`));
    const dirs = [dir];
    if (prefix.endsWith('/'))
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => []))
        if (entry.isDirectory() && entry.name !== TEMP_DIR) dirs.push(join(dir, entry.name));
    const stale: string[] = [];
    for (const folder of dirs) {
      const temps = join(folder, TEMP_DIR);
      // A link planted in place of the temp folder leads elsewhere: nothing there is Ferry's.
      if ((await lstat(temps).catch(() => null))?.isSymbolicLink()) continue;
      const keyDir = relative(this.root, folder).split(sep).filter(Boolean).join('/');
      for (const name of await readdir(temps).catch(() => [] as string[])) {
        const [, owner, rest] = TEMP_NAME.exec(name) ?? [];
        if (rest === undefined) continue;
        const key = keyDir ? `${keyDir}/${rest}` : rest;
        if (!key.startsWith(prefix) || spare?.(key)) continue;
        const path = join(temps, name);
        if (liveTemps.has(path) || keep.has(path)) continue;
        // Ours (or an older version's, which named no owner): a leftover. Another Ferry's (two
        // processes may write one folder before a claim settles it): only when long abandoned.
        if (owner && owner !== this.owner) {
          const info = await stat(path).catch(() => null);
          if (!info || Date.now() - info.mtimeMs < FOREIGN_TEMP_MAX_AGE_MS) continue;
        }
        stale.push(path);
      }
    }
    await Promise.all(stale.map((path) => rm(path, { force: true })));
    return stale.length;
  }

  close(): void {}

  /**
   * The destination folder is there. Asked before every write and every read: an unmounted
   * disk's missing folder is not an empty destination (no hour there) nor one to make.
   */
  private async requireRoot(): Promise<void> {
    const info = await stat(this.root).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
      throw error;
    });
    if (!info) throw new DestinationFolderMissing(this.root);
    if (!info.isDirectory()) throw new DestinationFolderMissing(this.root, 'not-folder');
    if (this.mountPoint && !(await isMountPoint(this.root)))
      throw new DestinationFolderMissing(this.root, 'not-mounted');
  }

  /**
   * Every folder between the destination and `dir` is a real folder: a symbolic link planted
   * there (`_manifests` → /etc) would send Ferry's files somewhere else. The destination folder
   * itself may be a link — the admin chose it.
   */
  private async refuseLinks(dir: string): Promise<void> {
    const steps = relative(this.root, dir).split(sep).filter(Boolean);
    let at = this.root;
    for (const step of steps) {
      at = join(at, step);
      await this.refuseLink(at);
    }
  }

  private async refuseLink(path: string): Promise<void> {
    if ((await lstat(path)).isSymbolicLink())
      throw Object.assign(
        new Error(
          `${path} is a symbolic link: Ferry writes only into real folders under ${this.root}, never through a link. Remove the link (or replace it with a folder).`,
        ),
        { code: 'EPERM' },
      );
  }

  private path(key: string): string {
    const parts = key.split('/');
    if (parts.some((p) => p === '..' || p === '.'))
      throw new Error(`Refusing object key with "." or "..": ${key}`);
    return join(this.root, ...parts);
  }
}

function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf(sep) + 1);
}

/** A folder's mode for files of `mode`: whoever may read the files may enter the folder. */
function folderMode(mode: number): number {
  return 0o700 | (mode & 0o040 ? 0o050 : 0) | (mode & 0o004 ? 0o005 : 0);
}
