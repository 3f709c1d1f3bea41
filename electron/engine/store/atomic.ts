import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Write a file so that readers see either the old content or the new, never a torn mix.
 *
 * Writes a temp file beside the target, flushes it to disk, renames it over the target and then
 * flushes the folder entry, so a crash or power loss in the middle leaves the old file intact.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const temp = tempPathFor(path);
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(dir);
}

/** The temp file of one atomic write: `.<name>.<pid>.<8 hex>.tmp` beside the target. */
function tempPathFor(path: string): string {
  const tag = `${process.pid}.${randomBytes(4).toString('hex')}`;
  return join(dirname(path), `.${basename(path)}.${tag}.tmp`);
}

/** What `tempPathFor` names, and nothing else Ferry or the admin would keep in a folder. */
const TEMP_NAME = /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/;

/**
 * Age past which a temp file of an atomic write is one a killed process left behind: a write
 * takes milliseconds, so an hour leaves room for a slow disk and a clock set forward a little.
 */
export const ABANDONED_TEMP_AGE_MS = 60 * 60 * 1000;

/**
 * Remove the temp files killed writers left in a folder and the folders directly in it (the
 * data folder: its history, backups, cache…), by the age of their last change on this
 * computer's clock — never one a live writer may still rename. Returns the paths removed; a
 * folder that can not be read, or a file that can not be removed, is passed over.
 */
export async function sweepAbandonedTemps(root: string, now = Date.now()): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const dirs = [root, ...entries.filter((e) => e.isDirectory()).map((e) => join(root, e.name))];
  const removed: string[] = [];
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => TEMP_NAME.test(n))) {
      const path = join(dir, name);
      const info = await stat(path).catch(() => null);
      if (!info?.isFile() || now - info.mtimeMs < ABANDONED_TEMP_AGE_MS) continue;
      // Housekeeping: a file that can not be removed stays, and the open goes on.
      await rm(path, { force: true }).then(
        () => removed.push(path),
        () => undefined,
      );
    }
  }
  return removed;
}

/** Flush a folder's entries; a no-op where the platform can not open folders (Windows). */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The same atomic write, synchronous: for a worker thread that has nothing else to do meanwhile
 * (the journal fold, store/fold-thread.ts).
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const temp = tempPathFor(path);
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  if (process.platform === 'win32') return;
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
