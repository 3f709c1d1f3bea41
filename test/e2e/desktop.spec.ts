import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron as electron, type ElectronApplication } from '@playwright/test';
import { findElectron, findPackagedApp } from '../../scripts/electron-binary.mjs';
import { API_METHODS } from '../../shared/api/methods';
import { runFerry } from '../support/ferry';
import { expect, test } from './fixtures';
import { createOrgProjectConnection, expectConnectionListed } from './steps';

// The desktop app through Playwright's _electron. These run wherever an Electron runtime (and,
// for the packaged app, a test build in dist/) exists, and say why they are skipped where not.
// The tray and quit decisions are unit-tested without Electron (test/unit/main/).

/** Extra switches for the app (CI: `--use-mock-keychain` on macOS runners). */
const EXTRA_ARGS = (process.env.FERRY_ELECTRON_ARGS ?? '').split(' ').filter(Boolean);

/** window.ferry's groups, from the contract's method list (not a literal that can go stale). */
const BRIDGE_GROUPS = [...new Set(API_METHODS.map((m) => m.split('.')[0]!)), 'onEvent'].sort();

async function withDataDir<T>(run: (dataDir: string) => Promise<T>): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ferry-electron-'));
  try {
    return await run(dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

test.describe('desktop app from the build output (Electron)', () => {
  const found = findElectron();
  test.skip(!('path' in found), `Electron e2e skipped: ${'reason' in found ? found.reason : ''}`);

  test('create org → project → connection, then relaunch and find it', async () =>
    withDataDir(async (dataDir) => {
      const launch = () =>
        electron.launch({
          args: [resolve('out/main/index.js'), ...EXTRA_ARGS],
          // No demo organisation: the first start shows "Welcome to Ferry".
          env: { ...process.env, FERRY_DATA_DIR: dataDir, FERRY_DEMO: '0' },
        });
      let app = await launch();
      let page = await app.firstWindow();
      await expect(page.locator('#root')).toHaveAttribute('data-app-state', 'ready');
      // Same security settings as production: no Node in the page, only the named bridge.
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
        'undefined',
      );
      expect(
        await page.evaluate(() =>
          Object.keys((globalThis as unknown as { ferry: object }).ferry).sort(),
        ),
      ).toEqual(BRIDGE_GROUPS);
      await createOrgProjectConnection(page);
      await app.close();

      app = await launch();
      page = await app.firstWindow();
      await expect(page.locator('#root')).toHaveAttribute('data-app-state', 'ready');
      await expectConnectionListed(page);
      await app.close();
    }));
});

test.describe('the packaged app (FERRY_TEST_BUILD=1 npm run dist)', () => {
  const found = findPackagedApp();
  test.skip(
    !('path' in found),
    `Packaged-app e2e skipped: ${'reason' in found ? found.reason : ''}`,
  );

  test('runs in the tray with its window closed, notifies a failing hour, and quits cleanly', async () =>
    withDataDir(async (dataDir) => {
      // A connection whose folder can not be made (a file is in the way): its first hour fails.
      const blocker = join(dataDir, 'not-a-folder');
      await writeFile(blocker, 'x');
      const env = {
        ...process.env,
        FERRY_DATA_DIR: dataDir,
        FERRY_DEMO: '0',
        // An hour passes in a second, so the first scheduled hour is due at once.
        FERRY_CLOCK_START: new Date().toISOString(),
        FERRY_CLOCK_SCALE: '3600',
      };
      const app: ElectronApplication = await electron.launch({
        executablePath: (found as { path: string }).path,
        args: EXTRA_ARGS,
        env,
      });
      const page = await app.firstWindow();
      await expect(page.locator('#root')).toHaveAttribute('data-app-state', 'ready');
      expect(
        await page.evaluate(() =>
          Object.keys((globalThis as unknown as { ferry: object }).ferry).sort(),
        ),
      ).toEqual(BRIDGE_GROUPS);
      // Record the notifications the app shows.
      await app.evaluate(({ Notification }) => {
        const shown: string[] = [];
        (globalThis as { shown?: string[] }).shown = shown;
        Notification.prototype.show = function (this: Electron.Notification) {
          shown.push(this.title);
        };
      });
      await createOrgProjectConnection(page);
      // A connection that fails: its folder can not be made, so its first hour fails.
      const created = await page.evaluate(async (path) => {
        const ferry = (
          globalThis as unknown as {
            ferry: { connections: { create(input: unknown): Promise<{ ok: boolean }> } };
          }
        ).ferry;
        return ferry.connections.create({
          name: 'blocked',
          projectId: 187520,
          destination: { type: 'folder', path: `${path}/exports` },
          enabled: true,
          schedule: { settleMinutes: 0 },
        });
      }, blocker);
      // The bridge answers with an envelope: a refused create must fail here, not later.
      expect(created).toMatchObject({ ok: true });
      // Close the window: the app keeps running (hidden window, tray) and says so once.
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close());
      const visible = () =>
        app.evaluate(({ BrowserWindow }) =>
          BrowserWindow.getAllWindows().map((w) => w.isVisible()),
        );
      await expect.poll(visible).toEqual([false]);
      const shown = () => app.evaluate(() => (globalThis as { shown?: string[] }).shown ?? []);
      await expect.poll(shown).toContain('Ferry keeps exporting');
      // With the window closed, the schedule still runs: the failure is a desktop notification.
      await expect.poll(shown, { timeout: 60_000 }).toContain('Export "blocked" is failing');
      // Quit: the engine closes first, so nothing is left running or half-written.
      await app.close();
      const listed = await runFerry(['--json', 'jobs', '--limit', '100'], {
        FERRY_DATA_DIR: dataDir,
      });
      expect(listed.code, listed.stderr).toBe(0);
      const jobs = (JSON.parse(listed.stdout) as { items: { status: string }[] }).items;
      expect(jobs.filter((j) => j.status === 'running')).toEqual([]);
    }));

  test('is the ferry command: runs the CLI without a window and exits with its code', async () =>
    withDataDir(async (dataDir) => {
      const binary = (found as { path: string }).path;
      const env = { ...process.env, FERRY_DATA_DIR: dataDir, FERRY_DEMO: '0' };
      const run = (args: string[]) =>
        spawnSync(binary, args, { encoding: 'utf8', env, timeout: 60_000 });
      const version = run(['--version']);
      expect(version.status, version.stderr).toBe(0);
      expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      const added = run(['org', 'add', '--id', '7', '--name', 'Acme', '--json']);
      expect(added.status, added.stderr).toBe(0);
      expect(JSON.parse(added.stdout)).toMatchObject({ id: 7, name: 'Acme' });
      // Wrong usage is exit 2, as under Node.
      expect(run(['org', 'add', '--nope']).status).toBe(2);
    }));
});
