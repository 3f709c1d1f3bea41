import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unpackedPath } from '../../../electron/engine/pipeline/pool';
import { allowPermission } from '../../../electron/main/permissions';
import { retainUntilDone } from '../../../electron/main/notifications';
import { appPaths } from '../../../electron/main/app-paths';
import { APP_ID } from '../../../electron/main/identity';
import { isAllowedExternal } from '../../../electron/main/links';
import { desktopPath } from '../../../electron/main/login-path';
import { readDesktopSettings, saveDesktopSettings } from '../../../electron/main/desktop-settings';
import {
  desktopSecretCodec,
  lazySecretCodec,
  keychainNotice,
  type SafeStorageLike,
} from '../../../electron/main/secret-codec';
import { SecretStore } from '../../../electron/engine/store/secrets';

const storage = (available: boolean, backend = 'gnome_libsecret'): SafeStorageLike => ({
  isEncryptionAvailable: () => available,
  getSelectedStorageBackend: () => backend,
  encryptString: (plain) => Buffer.from(`sealed:${plain}`),
  decryptString: (sealed) => sealed.toString().replace(/^sealed:/, ''),
});

describe('the desktop shell, without Electron', () => {
  it('opens only https links to AWS and Amplitude in the system browser', () => {
    for (const ok of [
      'https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html',
      'https://console.aws.amazon.com/s3/buckets/acme',
      'https://us-east-1.console.aws.amazon.com/iam/home',
      'https://amplitude.com/docs/apis/analytics/export',
      'https://app.amplitude.com/analytics/acme',
    ])
      expect(isAllowedExternal(ok), ok).toBe(true);
    for (const bad of [
      'http://docs.aws.amazon.com/',
      'https://aws.amazon.com.evil.example/',
      'https://evilamplitude.com/',
      'https://user:pass@amplitude.com/',
      'https://amplitude.com:8443/',
      // Anyone can host a page on these: an S3 website bucket, an API Gateway stage.
      'https://attacker-bucket.s3-website-us-east-1.amazonaws.com/',
      'https://abc123.execute-api.us-east-1.amazonaws.com/prod/',
      'https://attacker.s3.amazonaws.com/index.html',
      'file:///etc/passwd',
      'mailto:admin@example.com',
      'ms-settings:privacy',
      'javascript:alert(1)',
      'not a url',
    ])
      expect(isAllowedExternal(bad), bad).toBe(false);
  });

  it('asks the keychain only when a secret is sealed or opened (the ferry command)', () => {
    let asked = 0;
    const counting = {
      ...storage(true),
      isEncryptionAvailable: () => (asked++, true),
    };
    const lazy = lazySecretCodec(() => desktopSecretCodec(counting, 'darwin', {}), {})!;
    expect(lazy.name).toBe('os-keychain');
    expect(asked).toBe(0);
    expect(lazy.open(lazy.seal('s3cret'))).toBe('s3cret');
    expect(asked).toBe(1);
    expect(lazySecretCodec(() => undefined, { FERRY_SECRET_STORE: 'file' })).toBeUndefined();
  });

  it('keeps secrets in the OS keychain, and never silently in a file when there is none', () => {
    const sealed = desktopSecretCodec(storage(true), 'darwin', {})!;
    expect(sealed.name).toBe('os-keychain');
    expect(sealed.open(sealed.seal('s3cret'))).toBe('s3cret');

    for (const [s, platform, why] of [
      [storage(false), 'win32', /the OS keychain is not available\. Unlock the keychain/],
      [storage(true, 'basic_text'), 'linux', /basic_text.*Install and unlock a keyring/],
    ] as const) {
      const refusing = desktopSecretCodec(s, platform, {})!;
      expect(() => refusing.seal('s3cret')).toThrow(why);
      expect(() => refusing.seal('s3cret')).toThrow(/FERRY_SECRET_STORE=file/);
    }
    // Only when the admin asks for the file store explicitly.
    expect(
      desktopSecretCodec(storage(true, 'basic_text'), 'linux', { FERRY_SECRET_STORE: 'file' }),
    ).toBeUndefined();
  });

  it('says how to reach secrets an earlier file store holds, instead of misreading them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-secrets-'));
    try {
      await new SecretStore(dir).set('smtp-password', 'pw', 'smtp://mail:587');
      const keychain = new SecretStore(dir, desktopSecretCodec(storage(true), 'darwin', {}));
      await expect(keychain.get('smtp-password')).rejects.toMatchObject({
        fix: expect.stringMatching(/start Ferry with FERRY_SECRET_STORE=file/),
      });
      expect(await keychain.has('smtp-password')).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('loads the worker from app.asar.unpacked, with either path separator', () => {
    expect(unpackedPath('/opt/Ferry/resources/app.asar/out/worker/pipeline-worker.js')).toBe(
      '/opt/Ferry/resources/app.asar.unpacked/out/worker/pipeline-worker.js',
    );
    expect(unpackedPath('C:\\Program Files\\Ferry\\resources\\app.asar\\out\\worker\\w.js')).toBe(
      'C:\\Program Files\\Ferry\\resources\\app.asar.unpacked\\out\\worker\\w.js',
    );
    // Outside a package, and a folder merely named like it, nothing changes.
    expect(unpackedPath('/work/ferry/out/worker/w.js')).toBe('/work/ferry/out/worker/w.js');
    expect(unpackedPath('/work/my-app.asar-notes/w.js')).toBe('/work/my-app.asar-notes/w.js');
  });
  it('packages the .deb with its whole dependency list', () => {
    const config = readFileSync('electron-builder.yml', 'utf8');
    const deb = /^deb:\n((?:[ #].*\n?)*)/m.exec(config)?.[1] ?? '';
    for (const need of ['libgtk-3-0', 'libnotify4', 'libnss3', 'xdg-utils', 'libsecret-1-0'])
      expect(deb, need).toContain(`- ${need}`);
    expect(deb).toMatch(/recommends: \[gnome-keyring\]/);
  });

  it('re-signs an unsigned mac build after flipping its fuses', () => {
    expect(readFileSync('electron-builder.yml', 'utf8')).toMatch(
      /^ {2}resetAdHocDarwinSignature: true$/m,
    );
  });
  it('allows the console to write the clipboard (copy buttons), and nothing else', () => {
    expect(allowPermission('clipboard-sanitized-write', 'app://ferry/index.html')).toBe(true);
    expect(allowPermission('clipboard-sanitized-write', 'app://ferry')).toBe(true);
    for (const [permission, from] of [
      ['clipboard-sanitized-write', 'https://evil.example/'],
      ['clipboard-sanitized-write', undefined],
      ['clipboard-read', 'app://ferry/index.html'],
      ['notifications', 'app://ferry/index.html'],
      ['media', 'app://ferry/index.html'],
      ['openExternal', 'app://ferry/index.html'],
    ] as const)
      expect(allowPermission(permission, from), `${permission} from ${from}`).toBe(false);
  });
  it('holds a notification until it is clicked, closed or fails', () => {
    const shown = new Set<EventEmitter>();
    const [a, b, c] = [new EventEmitter(), new EventEmitter(), new EventEmitter()];
    for (const note of [a, b, c]) retainUntilDone(shown, note);
    expect(shown.size).toBe(3);
    a.emit('click');
    b.emit('close');
    expect([...shown]).toEqual([c]);
    c.emit('failed');
    expect(shown.size).toBe(0);
  });
  it('has the app id of the installers, for Windows notifications', () => {
    expect(readFileSync('electron-builder.yml', 'utf8')).toMatch(
      new RegExp(`^appId: ${APP_ID.replace(/\./g, '\\.')}$`, 'm'),
    );
  });

  it('gives an app started from Finder the PATH a terminal has, after its own', () => {
    expect(desktopPath('/usr/bin:/bin:/usr/sbin:/sbin', 'darwin', '/Users/ann')).toBe(
      '/usr/bin:/bin:/usr/sbin:/sbin:/opt/homebrew/bin:/opt/homebrew/sbin:/usr/local/bin:/usr/local/sbin:/Users/ann/.local/bin',
    );
    // What is there stays first; nothing twice.
    expect(desktopPath('/usr/local/bin:/usr/bin', 'darwin', '/Users/ann')?.split(':')).toEqual([
      '/usr/local/bin',
      '/usr/bin',
      '/opt/homebrew/bin',
      '/opt/homebrew/sbin',
      '/usr/local/sbin',
      '/Users/ann/.local/bin',
    ]);
    expect(desktopPath('/usr/bin', 'linux', '/home/ann')).toBe('/usr/bin');
  });

  it('runs once per data folder, with Chromium’s files apart from Ferry’s', () => {
    expect(appPaths({}, '/home/ann/.config/Ferry')).toEqual({
      dataDir: '/home/ann/.config/Ferry',
      userData: '/home/ann/.config/Ferry',
      sessionData: '/home/ann/.config/Ferry/Chromium',
    });
    // Another data folder: its own one-instance lock (taken per userData), its own Chromium files.
    expect(appPaths({ FERRY_DATA_DIR: '/srv/ferry-b' }, '/home/ann/.config/Ferry')).toEqual({
      dataDir: '/srv/ferry-b',
      userData: '/srv/ferry-b',
      sessionData: '/srv/ferry-b/Chromium',
    });
  });

  it('says at start that no keyring is there, with the fix for this desktop', () => {
    const path = '/home/ann/.config/Ferry/desktop.json';
    expect(keychainNotice(storage(true), 'linux', {}, path)).toBeNull();
    expect(
      keychainNotice(storage(true, 'basic_text'), 'linux', { FERRY_SECRET_STORE: 'file' }, path),
    ).toBeNull();
    const sway = keychainNotice(
      storage(true, 'basic_text'),
      'linux',
      { XDG_CURRENT_DESKTOP: 'sway' },
      path,
    );
    expect(sway?.message).toMatch(/^sway gave Ferry no keyring \(Electron chose basic_text/);
    expect(sway?.message).toContain(`put {"passwordStore": "gnome-libsecret"} in ${path}`);
    const kde = keychainNotice(
      storage(true, 'basic_text'),
      'linux',
      { XDG_CURRENT_DESKTOP: 'KDE' },
      path,
    );
    expect(kde?.message).toContain('{"passwordStore": "kwallet6"}');
    expect(keychainNotice(storage(false), 'darwin', {}, path)?.message).toMatch(
      /unlock the keychain/,
    );
  });

  it('reads the keyring to use from desktop.json, and says when it is wrong', () => {
    const files: Record<string, string> = {
      '/a/desktop.json': '{"passwordStore": "gnome-libsecret"}',
      '/b/desktop.json': '{"passwordStore": "plaintext"}',
      '/c/desktop.json': '{nope',
    };
    const read = (path: string) => {
      if (!(path in files)) throw new Error('ENOENT');
      return files[path]!;
    };
    expect(readDesktopSettings('/a', read)).toEqual({
      settings: { passwordStore: 'gnome-libsecret' },
      problem: null,
    });
    expect(readDesktopSettings('/b', read).problem).toMatch(
      /passwordStore must be one of gnome-libsecret/,
    );
    expect(readDesktopSettings('/c', read).problem).toMatch(/is not JSON/);
    expect(readDesktopSettings('/none', read)).toEqual({ settings: {}, problem: null });
    files['/d/desktop.json'] = '{"updates": false, "passwordStore": "kwallet6"}';
    expect(readDesktopSettings('/d', read).settings).toEqual({
      updates: false,
      passwordStore: 'kwallet6',
    });
    files['/e/desktop.json'] = '{"updates": "no"}';
    expect(readDesktopSettings('/e', read)).toEqual({
      settings: {},
      problem: expect.stringMatching(/updates must be true or false/),
    });
  });

  it('saves a setting in desktop.json, keeping what else is there, never over a broken file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-desktop-settings-'));
    try {
      await saveDesktopSettings(dir, { updates: false });
      expect(readDesktopSettings(dir).settings).toEqual({ updates: false });
      await writeFile(join(dir, 'desktop.json'), '{"passwordStore": "kwallet6", "note": "mine"}');
      await saveDesktopSettings(dir, { updates: true });
      expect(JSON.parse(await readFile(join(dir, 'desktop.json'), 'utf8'))).toEqual({
        passwordStore: 'kwallet6',
        note: 'mine',
        updates: true,
      });
      await writeFile(join(dir, 'desktop.json'), '{broken');
      await expect(saveDesktopSettings(dir, { updates: false })).rejects.toThrow(/is not JSON/);
      expect(await readFile(join(dir, 'desktop.json'), 'utf8')).toBe('{broken');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
