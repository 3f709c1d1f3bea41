import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractAll } from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_METHODS, ipcChannel } from '../../shared/api/methods';
import { exited, recorded, type FakeBrowserWindow } from '../support/fake-electron';
import { buildTestPackage, type TestPackage } from '../support/test-package';

// The desktop app from its package: electron-builder's app.asar (read with @electron/asar) laid
// out as in an install — resources/app.asar and resources/app.asar.unpacked — and its main bundle
// started under Node with the recording fake of Electron (test/support/fake-electron.ts). Shows
// that what is packed boots: every module the main process loads is in the package, the preload
// and the console's files are where the window looks, and the export worker runs from
// app.asar.unpacked (worker threads can not load from inside an asar). Electron itself is not
// run here (no runtime can be downloaded): the desktop CI does that.
vi.mock('electron', () => import('../support/fake-electron'));

let built: TestPackage;
let root: string;
let resources: string;
const dataDir = await mkdtemp(join(tmpdir(), 'ferry-packaged-boot-data-'));

beforeAll(async () => {
  built = await buildTestPackage();
  root = await mkdtemp(join(tmpdir(), 'ferry-packaged-boot-'));
  resources = join(root, 'resources');
  // The archive's files in a folder named app.asar (Node has no asar layer), and the unpacked
  // files beside it as the installer leaves them.
  extractAll(built.asar, join(resources, 'app.asar'));
  await cp(`${built.asar}.unpacked`, join(resources, 'app.asar.unpacked'), { recursive: true });
  // Inside a real app.asar the worker can not be loaded: take it away, so only the unpacked
  // copy can serve.
  await rm(join(resources, 'app.asar', 'out', 'worker'), { recursive: true, force: true });
  // Vite reads the source map the bundle's last line names; maps are not packed.
  const main = join(resources, 'app.asar', 'out', 'main', 'index.js');
  await writeFile(
    main,
    (await readFile(main, 'utf8')).replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n'),
  );
}, 240_000);

afterAll(async () => {
  const { app } = await import('../support/fake-electron');
  if (recorded.exitCode === null) app.quit();
  await exited;
  await built?.remove();
  await rm(root, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 40_000; // well inside the test's 60 s: a message, not a timeout
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the packaged app boots under a fake Electron', () => {
  it('loads the console and preload from the package, and exports through the unpacked worker', async () => {
    process.env.FERRY_DATA_DIR = dataDir;
    process.env.FERRY_DEMO = '0';
    await import(new URL(`file://${join(resources, 'app.asar', 'out', 'main', 'index.js')}`).href);
    await until(
      () =>
        recorded.windows.length === 1 &&
        recorded.ipcHandlers.size === API_METHODS.length &&
        recorded.trays.length === 1,
      'the window, IPC and the tray',
    );
    const window = recorded.windows[0] as FakeBrowserWindow;
    expect(window.webContents.getURL()).toBe('app://ferry/index.html');
    // The preload the window is given is the packed one, and it is there.
    const preload = window.options.webPreferences!.preload!;
    expect(preload).toBe(join(resources, 'app.asar', 'out', 'preload', 'index.cjs'));
    expect(existsSync(preload)).toBe(true);
    // app://ferry/ serves the packed console: its page and the assets it names.
    const serve = recorded.protocolHandlers.get('app')!;
    const page = await serve(new Request('app://ferry/index.html'));
    expect(page.status).toBe(200);
    const html = await page.text();
    const script = /src="\.?\/?(assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script, html).toBeTruthy();
    expect((await serve(new Request(`app://ferry/${script}`))).status).toBe(200);

    // An hour exported from the window: the engine's worker thread must load from
    // app.asar.unpacked (its copy inside app.asar was taken away above).
    const call = async (method: string, input?: unknown) => {
      const answer = (await recorded.ipcHandlers.get(ipcChannel(method as never))!(
        { sender: window.webContents, senderFrame: window.webContents.mainFrame },
        input,
      )) as { ok: boolean; value?: unknown; error?: unknown };
      expect(answer, method).toMatchObject({ ok: true });
      return answer.value as Record<string, unknown>;
    };
    await call('orgs.create', { id: 7, name: 'Acme' });
    await call('projects.create', { id: 187520, orgId: 7, name: 'Web' });
    const folder = join(root, 'exports');
    const connection = await call('connections.create', {
      name: 'local',
      projectId: 187520,
      destination: { type: 'folder', path: folder },
      enabled: false,
    });
    await call('jobs.exportHour', { connectionId: connection.id, hour: '2026-11-30T10' });
    let jobs: { status: string; error?: unknown }[] = [];
    await until(() => {
      void call('jobs.list', {}).then((page) => (jobs = page.items as typeof jobs));
      const failed = jobs.find((j) => j.status === 'failed');
      if (failed) throw new Error(`The export failed: ${JSON.stringify(failed.error)}`);
      return jobs.length > 0 && jobs.every((j) => j.status === 'succeeded');
    }, 'the hour to be exported');
    const written = await readdir(folder, { recursive: true });
    expect(
      written.some((f) => /187520_2026-11-30_10#\d+\.json\.gz$/.test(f)),
      written.join(),
    ).toBe(true);

    const { app } = await import('../support/fake-electron');
    app.quit();
    expect(await exited).toBe(0);
    expect(recorded.errors).toEqual([]);
  });
});
