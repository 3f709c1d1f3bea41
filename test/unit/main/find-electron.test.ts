import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findElectron } from '../../../scripts/electron-binary.mjs';
import { useTempDirs } from '../../support/temp';

const newDir = useTempDirs();

/**
 * Since Electron 42, requiring the `electron` package downloads the runtime from GitHub when it
 * is missing (npm ci no longer does). Finding it — for `npm start` and the e2e suite — must say
 * it is missing instead, without requiring the package.
 */
describe('finding the Electron runtime', () => {
  const electronPackage = async (files: Record<string, string>) => {
    const dir = await newDir();
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return pathToFileURL(`${dir}/`);
  };
  const display = { DISPLAY: ':99' };
  const refuse = () => {
    throw new Error('required the electron package: that downloads the runtime');
  };

  it('says how to get a runtime that was never downloaded, without requiring the package', async () => {
    const found = findElectron({ dir: await electronPackage({}), load: refuse, env: display });
    expect(found).toEqual({
      reason: expect.stringContaining(
        'not installed; with internet, get it with: npx install-electron',
      ),
    });
  });

  it('says so when path.txt names a runtime that is not there, without requiring the package', async () => {
    const dir = await electronPackage({ 'path.txt': 'electron' });
    const found = findElectron({ dir, load: refuse, env: display });
    expect(found).toEqual({
      reason: expect.stringContaining('missing from node_modules/electron/dist'),
    });
  });

  it('finds an installed runtime through the package', async () => {
    const dir = await electronPackage({ 'path.txt': 'electron', 'dist/electron': '' });
    const binary = new URL('dist/electron', dir).pathname;
    expect(findElectron({ dir, load: () => binary, env: display })).toEqual({ path: binary });
    // ELECTRON_OVERRIDE_DIST_PATH: a runtime elsewhere, which the package returns as it is.
    const bare = await electronPackage({ 'path.txt': 'electron' });
    const env = { ...display, ELECTRON_OVERRIDE_DIST_PATH: '/opt/electron' };
    expect(findElectron({ dir: bare, load: () => binary, env })).toEqual({ path: binary });
  });
});
