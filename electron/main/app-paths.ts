import { join } from 'node:path';

/**
 * Where the desktop app keeps what, decided before Electron is ready:
 *
 * - `userData` is the data folder. Electron's one-instance lock is taken per `userData`, so a
 *   `FERRY_DATA_DIR` moves it too: two data folders can run at once, one folder only once.
 * - Chromium's own files (`Cache/`, `Local Storage/`, …) go to `Chromium/` inside it, apart
 *   from Ferry's: on a case-insensitive disk Chromium's `Cache/` would be Ferry's `cache/`.
 */
export function appPaths(
  env: NodeJS.ProcessEnv,
  defaultUserData: string,
): { dataDir: string; userData: string; sessionData: string } {
  const dataDir = env.FERRY_DATA_DIR || defaultUserData;
  return { dataDir, userData: dataDir, sessionData: join(dataDir, 'Chromium') };
}
