import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '../../../shared/api/errors';

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
 * raw ENOTDIR. Returns a warning when an existing folder can be read by other users.
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
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
      info = await stat(dataDir);
    }
    if (!info) return null;
    if (!info.isDirectory())
      throw problem('is a file, not a folder', 'Give --data-dir (or FERRY_DATA_DIR) a folder.');
    await access(dataDir, create ? constants.W_OK | constants.X_OK : constants.R_OK);
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
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      throw problem(
        `can not be written by this user (${code})`,
        'Choose a folder you may write to, or fix its permissions.',
      );
    throw error;
  }
}
