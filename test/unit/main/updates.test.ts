import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { appMenuTemplate } from '../../../electron/main/app-menu';
import {
  feedUrlProblem,
  readUpdateFeed,
  updateCheckMessage,
  updateItems,
  type UpdateState,
} from '../../../electron/main/update-feed';
import { createUpdater } from '../../../electron/main/updates';
import { publishArgs } from '../../../scripts/publish-args.mjs';

const root = await mkdtemp(join(tmpdir(), 'ferry-updates-'));
afterAll(() => rm(root, { recursive: true, force: true }));
afterEach(() => void vi.useRealTimers());

describe('the update feed', () => {
  it('reads a generic https feed or GitHub from app-update.yml', () => {
    expect(
      readUpdateFeed('provider: generic\nurl: https://updates.acme.example/ferry\n', true),
    ).toEqual({ ok: true, provider: 'generic', url: 'https://updates.acme.example/ferry' });
    expect(readUpdateFeed('owner: acme\nrepo: ferry\nprovider: github\n', true)).toEqual({
      ok: true,
      provider: 'github',
      owner: 'acme',
      repo: 'ferry',
    });
  });

  it('refuses an http feed, credentials in the URL, an unknown provider, and no file', () => {
    expect(readUpdateFeed('provider: generic\nurl: http://updates.acme.example/\n', true)).toEqual({
      ok: false,
      reason: expect.stringMatching(/must be https/),
    });
    expect(feedUrlProblem('https://u:p@updates.acme.example/')).toMatch(/user name or password/);
    expect(feedUrlProblem('not a url')).toMatch(/not a URL/);
    expect(readUpdateFeed('provider: s3\nbucket: x\n', true)).toMatchObject({ ok: false });
    expect(readUpdateFeed('{{', true)).toMatchObject({ ok: false, reason: /not readable/ });
    expect(readUpdateFeed(null, true)).toMatchObject({ ok: false, reason: /FERRY_UPDATE_URL/ });
    expect(readUpdateFeed('provider: github\nowner: a\nrepo: b', false)).toMatchObject({
      ok: false,
      reason: /sources/,
    });
  });
});

describe('the feed given at build time (scripts/publish-args.mjs)', () => {
  it('becomes electron-builder publish settings; an http feed stops the build', () => {
    expect(publishArgs({ FERRY_UPDATE_URL: 'https://updates.acme.example/ferry' })).toMatchObject({
      args: ['-c.publish.provider=generic', '-c.publish.url=https://updates.acme.example/ferry'],
    });
    expect(publishArgs({ FERRY_UPDATE_GITHUB: 'acme/ferry' })).toMatchObject({
      args: ['-c.publish.provider=github', '-c.publish.owner=acme', '-c.publish.repo=ferry'],
    });
    expect(publishArgs({ FERRY_UPDATE_URL: 'http://updates.acme.example/' })).toEqual({
      error: expect.stringMatching(/must be https/),
    });
    expect(publishArgs({ FERRY_UPDATE_GITHUB: 'acme/ferry; rm -rf /' })).toMatchObject({
      error: expect.stringMatching(/owner\/repo/),
    });
    expect(publishArgs({})).toMatchObject({
      args: [],
      note: expect.stringMatching(/no update feed/),
    });
  });
});

describe('the update entries in the tray and the app menu', () => {
  const labels = (state: UpdateState, auto = true) => updateItems(state, auto).map((i) => i.label);
  it('says what is going on, and offers the restart only once a version is ready', () => {
    expect(labels({ kind: 'off', reason: 'x' })).toEqual([]);
    expect(labels({ kind: 'idle' })).toEqual([
      'Check for updates…',
      'Check for updates automatically',
    ]);
    expect(labels({ kind: 'checking' })[0]).toBe('Checking for updates…');
    expect(labels({ kind: 'downloading', version: '1.2.0', percent: 42.7 })[0]).toBe(
      'Downloading Ferry 1.2.0 (42%)…',
    );
    const ready = updateItems({ kind: 'ready', version: '1.2.0' }, false);
    expect(ready[0]).toEqual({
      label: 'Restart to update to Ferry 1.2.0',
      action: { kind: 'install-update' },
    });
    expect(ready[1]).toMatchObject({ checked: false, action: { kind: 'updates-auto', on: true } });
  });

  it('says what a check came to, with an upstream error through the redaction gate', () => {
    const redact = (text: string) => text.replace('tok123', '[redacted]');
    expect(updateCheckMessage({ kind: 'current', version: '0.1.0' }, '0.1.0', redact)).toBe(
      'Ferry 0.1.0 is the latest version.',
    );
    expect(updateCheckMessage({ kind: 'ready', version: '1.2.0' }, '0.1.0', redact)).toMatch(
      /Ferry 1\.2\.0 is ready: pick "Restart to update"/,
    );
    expect(
      updateCheckMessage(
        { kind: 'failed', message: 'GET https://u/?t=tok123: 403' },
        '0.1.0',
        redact,
      ),
    ).toBe('Ferry could not check for updates: GET https://u/?t=[redacted]: 403');
    expect(updateCheckMessage({ kind: 'off', reason: 'No feed.' }, '0.1.0', redact)).toBe(
      'No feed.',
    );
  });

  it('puts Check for Updates in the app menu on macOS and in Help elsewhere', () => {
    const act = vi.fn();
    const mac = appMenuTemplate('darwin', { updates: true, cli: false }, act);
    const appMenu = mac[0]!.submenu as { label?: string; click?: () => void }[];
    expect(appMenu.map((i) => i.label).filter(Boolean)).toEqual(['Check for Updates…']);
    appMenu.find((i) => i.label)!.click!();
    expect(act).toHaveBeenCalledWith({ kind: 'check-updates' });
    const linux = appMenuTemplate('linux', { updates: true, cli: true }, act);
    expect(linux.at(-1)).toMatchObject({ label: '&Help' });
    expect((linux.at(-1)!.submenu as { label: string }[]).map((i) => i.label)).toEqual([
      'Check for Updates…',
      'Install the ferry Command…',
    ]);
    expect(
      appMenuTemplate('win32', { updates: false, cli: false }, act).map((m) => m.role),
    ).toEqual(['fileMenu', 'editMenu', 'viewMenu', 'windowMenu']);
  });
});

/** electron-updater's autoUpdater as Ferry uses it: events, a check, an install. */
class FakeAutoUpdater extends EventEmitter {
  autoDownload = false;
  autoInstallOnAppQuit = true;
  allowDowngrade = true;
  allowPrerelease = true;
  logger = null;
  checks = 0;
  installs: [boolean | undefined, boolean | undefined][] = [];
  next: (self: FakeAutoUpdater) => void = () => undefined;
  async checkForUpdates() {
    this.checks++;
    this.emit('checking-for-update');
    this.next(this);
    return null;
  }
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean) {
    this.installs.push([isSilent, isForceRunAfter]);
  }
}

describe('createUpdater', () => {
  const host = (over: Partial<Parameters<typeof createUpdater>[0]> = {}) => ({
    resourcesPath: root,
    isPackaged: true,
    auto: false,
    changed: vi.fn(),
    ready: vi.fn(),
    log: vi.fn(),
    ...over,
  });

  it('is off without a feed, and never loads electron-updater', async () => {
    const load = vi.fn();
    const updater = await createUpdater(host({ resourcesPath: join(root, 'none') }), load);
    expect(updater.state()).toMatchObject({ kind: 'off' });
    expect(load).not.toHaveBeenCalled();
  });

  it('downloads a new version, says it is ready, and installs only when asked', async () => {
    await writeFile(join(root, 'app-update.yml'), 'provider: generic\nurl: https://u.example/\n');
    const fake = new FakeAutoUpdater();
    const h = host();
    const updater = await createUpdater(h, async () => fake);
    // Verified downloads, no silent install at quit (the engine must stop first), no downgrade.
    expect(fake).toMatchObject({
      autoDownload: true,
      autoInstallOnAppQuit: false,
      allowDowngrade: false,
      allowPrerelease: false,
    });
    updater.install();
    expect(fake.installs).toEqual([]); // nothing is ready
    fake.next = (self) => {
      self.emit('update-available', { version: '1.2.0' });
      self.emit('download-progress', { percent: 50 });
    };
    expect(await updater.check()).toEqual({ kind: 'downloading', version: '1.2.0', percent: 50 });
    fake.emit('update-downloaded', { version: '1.2.0' });
    expect(updater.state()).toEqual({ kind: 'ready', version: '1.2.0' });
    expect(h.ready).toHaveBeenCalledWith('1.2.0');
    // A second check does not start over a ready update.
    expect(await updater.check()).toEqual({ kind: 'ready', version: '1.2.0' });
    expect(fake.checks).toBe(1);
    updater.install();
    expect(fake.installs).toEqual([[false, true]]);
  });

  it('says a failed check, and checks by itself a minute after start while auto is on', async () => {
    vi.useFakeTimers();
    await writeFile(join(root, 'app-update.yml'), 'provider: github\nowner: a\nrepo: b\n');
    const fake = new FakeAutoUpdater();
    fake.next = (self) => self.emit('error', new Error('net::ERR_NAME_NOT_RESOLVED'));
    const updater = await createUpdater(host({ auto: true }), async () => fake);
    expect(fake.checks).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.checks).toBe(1);
    expect(updater.state()).toEqual({ kind: 'failed', message: 'net::ERR_NAME_NOT_RESOLVED' });
    await vi.advanceTimersByTimeAsync(6 * 60 * 60_000);
    expect(fake.checks).toBe(2);
    updater.setAuto(false);
    await vi.advanceTimersByTimeAsync(12 * 60 * 60_000);
    expect(fake.checks).toBe(2);
    fake.next = (self) => self.emit('update-not-available', { version: '0.1.0' });
    expect(await updater.check()).toEqual({ kind: 'current', version: '0.1.0' });
  });
});
