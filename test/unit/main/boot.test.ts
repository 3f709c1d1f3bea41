import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { LOCAL_API_FILE } from '../../../electron/server/local-api';
import { API_METHODS, ipcChannel } from '../../../shared/api/methods';
import { exited, recorded, type FakeBrowserWindow } from '../../support/fake-electron';

// The built main bundle (out/main/index.js), started under Node with a recording fake of the
// Electron API it uses (typed against electron.d.ts): the boot path as far as it can run
// without an Electron runtime. The desktop CI (.github/workflows/desktop.yml) runs the real one.
vi.mock('electron', () => import('../../support/fake-electron'));

const dataDir = await mkdtemp(join(tmpdir(), 'ferry-boot-'));
afterAll(async () => {
  // A failed test leaves the app running: quit it before its folder goes.
  const { app } = await import('../../support/fake-electron');
  if (recorded.exitCode === null) app.quit();
  await exited;
  await rm(dataDir, { recursive: true, force: true });
});

/** Wait for a state of the fake (not for a time). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('the desktop app boots under a fake Electron', () => {
  it('opens the console, wires IPC and the tray, and quits cleanly within its deadline', async () => {
    process.env.FERRY_DATA_DIR = dataDir;
    process.env.FERRY_DEMO = '0';
    await writeFile(join(dataDir, 'desktop.json'), '{"passwordStore": "gnome-libsecret"}', {
      mode: 0o600,
    });
    // The built bundle (npm run build:node, run by the suite's global setup), not the sources.
    const bundle = new URL('../../../out/main/index.js', import.meta.url).href;
    await import(bundle);
    await until(
      () =>
        recorded.windows.length === 1 &&
        recorded.trays.length === 1 &&
        recorded.ipcHandlers.size === API_METHODS.length &&
        recorded.appMenu !== null &&
        recorded.windows[0]!.visible,
    );

    // Before ready: the data folder is userData, Chromium's files apart, the keyring chosen.
    expect(recorded.paths.get('userData')).toBe(dataDir);
    expect(recorded.paths.get('sessionData')).toBe(join(dataDir, 'Chromium'));
    expect(recorded.switches).toContainEqual(['password-store', 'gnome-libsecret']);
    expect(recorded.schemes).toEqual(['app']);

    // The window: the console on its own origin, locked down, with a preload that exists.
    const window = recorded.windows[0] as FakeBrowserWindow;
    expect(window.webContents.getURL()).toBe('app://ferry/index.html');
    const prefs = window.options.webPreferences!;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(existsSync(prefs.preload!)).toBe(true);
    expect(window.webContents.openHandler?.({ url: 'https://evil.example/' })).toEqual({
      action: 'deny',
    });

    // One IPC handler per contract method; a call from our window reaches the engine.
    expect([...recorded.ipcHandlers.keys()].sort()).toEqual(API_METHODS.map(ipcChannel).sort());
    const frame = window.webContents.mainFrame;
    const call = (method: string, senderFrame: unknown = frame) =>
      recorded.ipcHandlers.get(ipcChannel(method as never))!(
        { sender: window.webContents, senderFrame },
        undefined,
      );
    expect(await call('orgs.list')).toEqual({ ok: true, value: [] });
    expect(await call('orgs.list', { url: frame.url })).toMatchObject({
      ok: false,
      error: { code: 'forbidden', message: expect.stringMatching(/sub-frames/) },
    });
    frame.url = 'https://evil.example/'; // the window was navigated away
    expect(await call('orgs.list')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    frame.url = 'app://ferry/index.html';

    // Permissions: the clipboard for the copy buttons, from the console only; nothing else.
    const asked: boolean[] = [];
    for (const [permission, url] of [
      ['clipboard-sanitized-write', 'app://ferry/index.html'],
      ['clipboard-sanitized-write', 'https://evil.example/'],
      ['media', 'app://ferry/index.html'],
    ])
      recorded.permissionRequest!(window.webContents, permission!, (ok) => asked.push(ok), {
        requestingUrl: url,
      });
    expect(asked).toEqual([true, false, false]);

    // The application menu: Electron's standard menus; from sources, no update or command entry.
    const menu = (recorded.appMenu as { template: { role?: string; label?: string }[] }).template;
    expect(menu.map((m) => m.role ?? m.label)).toContain('editMenu');
    expect(JSON.stringify(menu)).not.toMatch(/Check for Updates|ferry Command/);

    // The tray is drawn; closing the window hides it and says once that exports go on.
    expect(recorded.trays[0]!.menus).toBeGreaterThan(0);
    window.close();
    expect(window.isDestroyed()).toBe(false);
    expect(window.visible).toBe(false);
    expect(recorded.notifications.map((n) => n.options.title)).toEqual(['Ferry keeps exporting']);
    // One that macOS refuses (an unsigned build, since Electron 42) is said in the log.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    recorded.notifications[0]!.emit('failed', {}, 'Notifications are not allowed for this app');
    expect(warn).toHaveBeenCalledWith(
      'A desktop notification could not be shown ("Ferry keeps exporting"): Notifications are not allowed for this app',
    );
    warn.mockRestore();

    // Started to its end: the command line's door is open (its record in the data folder). Quit
    // before that raced the rest of the start, which wrote into the folder as it was removed.
    const door = join(dataDir, LOCAL_API_FILE);
    await until(() => existsSync(door));

    // Quit: the engine closes first (no export runs: at once), then the app exits, well within
    // its deadline (10 s grace + 5 s), the door closed and its record gone.
    const { app } = await import('../../support/fake-electron');
    app.quit();
    expect(
      await Promise.race([exited, new Promise((r) => setTimeout(() => r('late'), 15_000))]),
    ).toBe(0);
    expect(existsSync(door)).toBe(false);
    expect(recorded.errors).toEqual([]);
  });
});
