// Where the Electron runtime is, or why there is none. Shared by `npm start` and the e2e tests.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * @param {{ dir?: URL, load?: () => unknown, env?: Record<string, string | undefined> }} [io]
 *   the electron package's folder, how it is required, the environment (for tests)
 * @returns {{ path: string } | { reason: string }}
 */
export function findElectron(io = {}) {
  const dir = io.dir ?? new URL('../node_modules/electron/', import.meta.url);
  const load = io.load ?? (() => require('electron'));
  const env = io.env ?? process.env;
  // Since Electron 42, `npm ci` no longer downloads the runtime: `npx install-electron` does (from
  // GitHub), and requiring the package tries to when the runtime is missing. So look for it
  // first, and require the package only once it is there: finding Electron never downloads.
  const install =
    'with internet, get it with: npx install-electron (npm ci does not download it since Electron 42)';
  const pathFile = new URL('path.txt', dir);
  if (!existsSync(pathFile)) return { reason: `the Electron runtime is not installed; ${install}` };
  // ELECTRON_OVERRIDE_DIST_PATH names a runtime elsewhere; the package then downloads nothing.
  if (
    !env.ELECTRON_OVERRIDE_DIST_PATH &&
    !existsSync(new URL(readFileSync(pathFile, 'utf8').trim(), new URL('dist/', dir)))
  )
    return {
      reason: `the Electron runtime is missing from node_modules/electron/dist; ${install}`,
    };
  let path;
  try {
    path = load();
  } catch (error) {
    return {
      reason: `the Electron runtime does not load: ${String(error.message).split('\n')[0]}`,
    };
  }
  if (typeof path !== 'string' || !existsSync(path))
    return { reason: `the Electron runtime is missing at ${path}` };
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY)
    return {
      reason:
        'there is no display (DISPLAY is not set); run under xvfb-run to open the desktop app',
    };
  return { path };
}

/**
 * The packaged app electron-builder made in dist/ (`FERRY_TEST_BUILD=1 npm run dist`), or why
 * there is none.
 * @returns {{ path: string } | { reason: string }}
 */
export function findPackagedApp() {
  const candidates =
    {
      linux: ['dist/linux-unpacked/ferry'],
      // This machine's own build first: on Apple Silicon the arm64 one, not the Intel one.
      darwin: [
        ...(process.arch === 'arm64' ? ['dist/mac-arm64/Ferry.app/Contents/MacOS/Ferry'] : []),
        'dist/mac/Ferry.app/Contents/MacOS/Ferry',
        'dist/mac-arm64/Ferry.app/Contents/MacOS/Ferry',
      ],
      win32: ['dist/win-unpacked/Ferry.exe'],
    }[process.platform] ?? [];
  const found = candidates.find((path) => existsSync(path));
  if (!found)
    return {
      reason: `there is no packaged app in dist/ (build one with: FERRY_TEST_BUILD=1 npm run dist, which needs an Electron runtime)`,
    };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return { reason: 'there is no display (DISPLAY is not set); run under xvfb-run' };
  return { path: found };
}

/**
 * Why Electron's sandbox will abort at start on this Linux, or null. Ubuntu 23.10 and later
 * restrict unprivileged user namespaces with AppArmor
 * (`kernel.apparmor_restrict_unprivileged_userns=1`): Chromium then needs its SUID helper
 * (`chrome-sandbox`, owned by root, mode 4755) or an AppArmor profile — which the .deb installs,
 * but `npm start` and an AppImage do not have.
 * @param {string} electronPath
 * @param {{ platform?: string, read?: (path: string) => string | null, stat?: (path: string) => { uid: number, mode: number } | null }} [io]
 * @returns {string | null}
 */
export function sandboxProblem(electronPath, io = {}) {
  const platform = io.platform ?? process.platform;
  if (platform !== 'linux') return null;
  const read =
    io.read ??
    ((path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return null;
      }
    });
  const stat =
    io.stat ??
    ((path) => {
      try {
        return statSync(path);
      } catch {
        return null;
      }
    });
  if (read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns')?.trim() !== '1') return null;
  const helper = join(dirname(electronPath), 'chrome-sandbox');
  const info = stat(helper);
  if (info && info.uid === 0 && (info.mode & 0o4777) === 0o4755) return null;
  return (
    `this Linux restricts user namespaces (AppArmor, Ubuntu 23.10 and later), so Electron's sandbox can not start from ${helper}. ` +
    `Let it, once: sudo chown root:root "${helper}" && sudo chmod 4755 "${helper}" — ` +
    'or install the .deb, which brings an AppArmor profile for Ferry'
  );
}
