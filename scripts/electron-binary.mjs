// Where the Electron runtime is, or why there is none. Shared by `npm start` and the e2e tests.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** @returns {{ path: string } | { reason: string }} */
export function findElectron() {
  // Skipped at install (ELECTRON_SKIP_BINARY_DOWNLOAD=1, or no access to GitHub): say that, not
  // Electron's own "delete node_modules/electron" advice, which is wrong after a deliberate skip.
  if (!existsSync(new URL('../node_modules/electron/path.txt', import.meta.url)))
    return {
      reason:
        'the Electron runtime was not downloaded at install (ELECTRON_SKIP_BINARY_DOWNLOAD=1, or GitHub out of reach); with internet, get it with: npm rebuild electron',
    };
  let path;
  try {
    path = require('electron');
  } catch (error) {
    return {
      reason:
        'the Electron runtime is not installed (it is downloaded from GitHub by npm install; ' +
        `installs with ELECTRON_SKIP_BINARY_DOWNLOAD=1 or without internet skip it): ${String(error.message).split('\n')[0]}`,
    };
  }
  if (typeof path !== 'string' || !existsSync(path))
    return { reason: `the Electron runtime is missing at ${path}` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
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
