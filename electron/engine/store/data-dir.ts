import { constants } from 'node:fs';
import { access, lstat, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '../../../shared/api/errors';
import { makeFolder } from './make-folder';

/** The product name Electron derives its user-data folder from. */
export const PRODUCT_NAME = 'Ferry';

/**
 * The folder Ferry keeps its data in when none is given.
 *
 * The same folder Electron's `app.getPath('userData')` gives the desktop app on this OS, so the
 * CLI and the headless console on a laptop see what the desktop app sees.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (env.FERRY_DATA_DIR) return env.FERRY_DATA_DIR;
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', PRODUCT_NAME);
  if (platform === 'win32')
    return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), PRODUCT_NAME);
}

/**
 * Make sure the data folder exists and is a folder, created private to this user (0700).
 *
 * Problems end as one sentence naming the folder (a file in its place, no permission), not a
 * raw ENOTDIR. A folder another user could change — its own mode, or any file or folder in
 * it, writable by group or others, or owned by another user — is refused: whoever can change
 * config.json or backups/ decides what Ferry reads, where it writes and which policy a restore
 * applies, with this user's AWS credentials. Returns a warning when an existing folder can be
 * read by other users.
 */
export async function prepareDataDir(dataDir: string, create = true): Promise<string | null> {
  const problem = (what: string, fix: string) =>
    new FerryError('validation', `The data folder ${dataDir} ${what}. ${fix}`, 'dataDir');
  try {
    let info = await stat(dataDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (!info && !create) return null; // read-only: nothing there to read
    if (!info) {
      await makeFolder(dataDir, 0o700);
      info = await stat(dataDir);
    }
    if (!info) return null;
    if (!info.isDirectory())
      throw problem('is a file, not a folder', 'Give --data-dir (or FERRY_DATA_DIR) a folder.');
    await access(dataDir, create ? constants.W_OK | constants.X_OK : constants.R_OK);
    const foreign = process.platform === 'win32' ? null : await foreignHands(dataDir);
    if (foreign) throw new FerryError('validation', foreign, 'dataDir');
    if (process.platform !== 'win32' && info.mode & 0o077)
      return `The data folder ${dataDir} can be read by other users of this computer (mode ${(info.mode & 0o777).toString(8)}); it holds job history and policy backups. Make it private: chmod 700 "${dataDir}"`;
    return null;
  } catch (error) {
    if (error instanceof FerryError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR')
      throw problem(
        'can not be made: part of its path is a file, not a folder',
        'Give --data-dir (or FERRY_DATA_DIR) a folder.',
      );
    // Its parent is there, yet the disk refused a new folder (/proc, some FUSE file systems).
    if (code === 'ENOENT')
      throw problem(
        'can not be made: the disk there does not take new folders',
        'Give --data-dir (or FERRY_DATA_DIR) a folder on an ordinary disk.',
      );
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      throw problem(
        `can not be written by this user (${code})`,
        'Choose a folder you may write to, or fix its permissions.',
      );
    throw error;
  }
}

/** Entries looked at below the data folder at most (it holds hundreds, not millions). */
const MAX_ENTRIES = 50_000;

/**
 * The first thing in the data folder another user could change, as one sentence with its fix,
 * or null. Symbolic links are judged by their own owner (lstat), never followed.
 */
export async function foreignHands(dataDir: string): Promise<string | null> {
  const me = process.getuid?.() ?? -1;
  const check = async (path: string, isDir: boolean): Promise<string | null> => {
    const info = await lstat(path).catch(() => null);
    if (!info) return null; // gone meanwhile (a temp file renamed): nothing to judge
    const what = path === dataDir ? `The data folder ${dataDir}` : `${path} in the data folder`;
    if (me >= 0 && info.uid !== me)
      return `${what} belongs to another user (uid ${info.uid}), so Ferry will not use it: that user could change what Ferry reads, where it writes and which policy a restore applies. Use a data folder of your own, or take it over: chown -R ${me} "${dataDir}"`;
    if (!info.isSymbolicLink() && info.mode & 0o022)
      return `${what} can be changed by other users of this computer (mode ${(info.mode & 0o777).toString(8)}), so Ferry will not use it: they could change what Ferry reads, where it writes and which policy a restore applies. Make it yours alone: chmod -R go-rwx "${isDir ? path : dataDir}"`;
    return null;
  };
  const own = await check(dataDir, true);
  if (own) return own;
  let seen = 0;
  const entries = await readdir(dataDir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (++seen > MAX_ENTRIES) break;
    const problem = await check(join(entry.parentPath, entry.name), entry.isDirectory());
    if (problem) return problem;
  }
  return null;
}

/** What a file error of the data folder means, and what to do about it. */
const WRITE_ERRORS: Record<string, { what: string; fix: string }> = {
  ENOSPC: { what: 'the disk is full', fix: 'Free space on that disk' },
  EDQUOT: { what: 'the disk quota is used up', fix: 'Free space within the quota' },
  EACCES: { what: 'permission denied', fix: "Let Ferry's user write there" },
  EPERM: { what: 'permission denied', fix: "Let Ferry's user write there" },
  EROFS: { what: 'the disk is read-only', fix: 'Mount it writable or choose another folder' },
  EIO: { what: 'the disk reported an input/output error', fix: 'Check the disk' },
};

/** What a disk's refusal (`ENOSPC`, `EACCES`, …) of a data-folder write means and its fix. */
export function diskRefusal(code: string | undefined): { what: string; fix: string } | undefined {
  return code ? WRITE_ERRORS[code] : undefined;
}

/**
 * A write to the data folder that the disk refused, as one sentence naming the folder, the file
 * and the fix (a full disk said as such, not as a raw `ENOSPC … write`). Only for writes that
 * change nothing when refused (atomic ones, a lock not taken). Anything else — a FerryError,
 * a bug — is returned as it is.
 */
export function dataFolderWriteError(error: unknown, dataDir: string): unknown {
  if (error instanceof FerryError) return error;
  const { code, path } = (error ?? {}) as NodeJS.ErrnoException;
  const known = diskRefusal(code);
  if (!known) return error;
  const file = path && path !== dataDir ? ` (${path})` : '';
  return new FerryError(
    'internal',
    `Ferry could not write to its data folder ${dataDir}: ${known.what}${file}. Nothing was changed. ${known.fix}, then try again.`,
  );
}
