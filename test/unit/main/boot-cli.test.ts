import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { exited, recorded } from '../../support/fake-electron';

// The desktop app's binary started as the `ferry` command (electron/main/cli-mode.ts): the
// built main bundle under a fake Electron, as `/opt/Ferry/ferry org add …` runs it.
vi.mock('electron', () => import('../../support/fake-electron'));

const dataDir = await mkdtemp(join(tmpdir(), 'ferry-boot-cli-'));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('the app binary as the ferry command', () => {
  it('runs the command line with the OS keychain, without a window or the instance lock', async () => {
    const written: string[] = [];
    const write = vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
        written.push(String(chunk));
        const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        done?.();
        return true;
      });
    const argv = process.argv;
    process.argv = ['/opt/Ferry/ferry', 'org', 'add', '--id', '7', '--name', 'Acme', '--json'];
    process.env.FERRY_DATA_DIR = dataDir;
    process.env.FERRY_DEMO = '0';
    try {
      await import(new URL('../../../out/main/index.js', import.meta.url).href);
      expect(await exited).toBe(0);
    } finally {
      process.argv = argv;
      write.mockRestore();
    }
    expect(JSON.parse(written.join(''))).toMatchObject({ id: 7, name: 'Acme' });
    const config = JSON.parse(await readFile(join(dataDir, 'config.json'), 'utf8'));
    expect(config.organizations.map((o: { name: string }) => o.name)).toEqual(['Acme']);
    // No window, no tray, no lock: a running app is reached through its local API instead.
    expect(recorded.windows).toEqual([]);
    expect(recorded.trays).toEqual([]);
    expect(recorded.instanceLocks).toBe(0);
    // The app's data folder and Chromium paths are set as for the app (the keychain key lives there on Windows).
    expect(recorded.paths.get('userData')).toBe(dataDir);
  });
});
