import { homedir } from 'node:os';
import { join } from 'node:path';

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
