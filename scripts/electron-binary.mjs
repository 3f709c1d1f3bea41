// Where the Electron runtime is, or why there is none. Shared by `npm start` and the e2e tests.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** @returns {{ path: string } | { reason: string }} */
export function findElectron() {
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
