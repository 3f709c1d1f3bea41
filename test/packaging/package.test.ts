import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extractFile, listPackage } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestPackage, type TestPackage } from '../support/test-package';
import { readUpdateFeed } from '../../electron/main/update-feed';
import { publishArgs } from '../../scripts/publish-args.mjs';

// What electron-builder packs into the desktop app, checked here where no Electron runtime can
// be downloaded (test/support/test-package.ts). This shows the package's contents and its fuses;
// boot.test.ts beside it starts the packed main bundle under a fake Electron, and the Playwright
// Electron suite runs the real app wherever a runtime exists.

const FEED_URL = 'https://updates.acme.example/ferry';
let built: TestPackage;
let app: string;
let asar: string;
let files: string[];

beforeAll(async () => {
  // The update feed as `npm run dist` gives it (scripts/publish-args.mjs).
  built = await buildTestPackage(
    (publishArgs({ FERRY_UPDATE_URL: FEED_URL }) as { args: string[] }).args,
  );
  ({ app, asar } = built);
  files = listPackage(asar, { isPack: false }).map((f) => f.replaceAll('\\', '/'));
}, 240_000);
afterAll(() => built?.remove());

describe('the packaged desktop app (electron-builder --dir, placeholder runtime)', () => {
  it('holds the main, preload, worker, CLI and console bundles', () => {
    for (const file of [
      '/package.json',
      '/out/main/index.js',
      '/out/preload/index.cjs',
      '/out/worker/pipeline-worker.js',
      '/out/worker/fold-worker.js',
      '/out/cli/main.js',
      '/out/renderer/index.html',
      '/out/renderer/tray/ok.png',
    ])
      expect(files, file).toContain(file);
    // The chunks beside the entries: what a path loads when it starts (`await import()`).
    for (const dir of ['out/main', 'out/cli'])
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.js')))
        expect(files, `${dir}/${name}`).toContain(`/${dir}/${name}`);
    // No Node runs bin/ferry.js in the package: the app's binary is the command (next test).
    expect(files).not.toContain('/bin/ferry.js');
    expect(files.some((f) => /^\/out\/renderer\/assets\/.*\.js$/.test(f))).toBe(true);
  });

  it('is the ferry command: the Linux binary is named ferry, so the .deb links /usr/bin/ferry to it', () => {
    // electron-builder's deb post-install links /usr/bin/<executable> to /opt/Ferry/<executable>;
    // started with a Ferry command first, the app runs the command line (electron/main/cli-mode.ts).
    expect(existsSync(join(app, 'ferry'))).toBe(true);
  });

  it('carries the update feed it was built with, as the app reads it', async () => {
    // latest*.yml (the feed's side) comes with the installers (AppImage, deb, nsis, zip), whose
    // tools electron-builder fetches from GitHub: release.yml checks it there. Here: the app's side.
    const text = await readFile(join(app, 'resources', 'app-update.yml'), 'utf8');
    expect(readUpdateFeed(text, true)).toEqual({ ok: true, provider: 'generic', url: FEED_URL });
    expect(files).toContain('/node_modules/electron-updater/package.json');
  });

  it('holds the production dependencies, and no development ones', () => {
    const modules = new Set(
      files
        .filter((f) => f.startsWith('/node_modules/'))
        .map((f) =>
          f
            .split('/')
            .slice(2, f.split('/')[2]!.startsWith('@') ? 4 : 3)
            .join('/'),
        ),
    );
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const dep of Object.keys(pkg.dependencies)) expect(modules, dep).toContain(dep);
    for (const dev of Object.keys(pkg.devDependencies)) expect(modules, dev).not.toContain(dev);
  });

  it('holds no sources, tests, source maps or build files', () => {
    const ours = files.filter((f) => !f.startsWith('/node_modules/'));
    const unwanted = ours.filter(
      (f) =>
        /\.(map|tsx?)$/.test(f) ||
        /^\/(electron|renderer|shared|test|scripts|build|docs|dist|\.ci)(\/|$)/.test(f) ||
        /^\/(tsconfig|vite|vitest|playwright|eslint)[^/]*$/.test(f),
    );
    expect(unwanted, unwanted.join('\n')).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it.each(['pipeline-worker.js', 'fold-worker.js'])(
    'runs %s from outside app.asar only as the file the main bundle pinned',
    async (name) => {
      const worker = join(app, 'resources', 'app.asar.unpacked', 'out', 'worker', name);
      const hash = createHash('sha256')
        .update(await readFile(worker))
        .digest('hex');
      // The pin is in the main bundle's code: its entry or a chunk beside it.
      const main = files
        .filter((f) => /^\/out\/main\/[^/]+\.js$/.test(f))
        .map((f) => extractFile(asar, f.slice(1)).toString('utf8'));
      expect(main.filter((code) => code.includes(`"${hash}"`))).toHaveLength(1);
    },
  );

  it('has its fuses set as electron-builder.yml says, read back from the binary', async () => {
    const wire = await getCurrentFuseWire(join(app, 'ferry'));
    const state = (option: FuseV1Options) => String.fromCharCode(wire[option] as number);
    expect({
      runAsNode: state(FuseV1Options.RunAsNode),
      cookieEncryption: state(FuseV1Options.EnableCookieEncryption),
      nodeOptions: state(FuseV1Options.EnableNodeOptionsEnvironmentVariable),
      inspect: state(FuseV1Options.EnableNodeCliInspectArguments),
      asarIntegrity: state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation),
      onlyAsar: state(FuseV1Options.OnlyLoadAppFromAsar),
      fileProtocol: state(FuseV1Options.GrantFileProtocolExtraPrivileges),
    }).toEqual({
      runAsNode: '0',
      cookieEncryption: '1',
      nodeOptions: '0',
      inspect: '0',
      asarIntegrity: '1',
      onlyAsar: '1',
      fileProtocol: '0',
    });
  });

  it('signs the mac build with JIT only: no disabled library validation', () => {
    const config = readFileSync('electron-builder.yml', 'utf8');
    expect(config).toMatch(/^ {2}entitlements: build\/entitlements\.mac\.plist$/m);
    expect(config).toMatch(/^ {2}entitlementsInherit: build\/entitlements\.mac\.plist$/m);
    const keys = [
      ...readFileSync('build/entitlements.mac.plist', 'utf8').matchAll(/<key>([^<]+)<\/key>/g),
    ].map((m) => m[1]);
    expect(keys).toEqual(['com.apple.security.cs.allow-jit']);
  });

  it('ships every platform’s icon, made from the one source image', () => {
    for (const icon of [
      'build/icon.icns',
      'build/icon.ico',
      'build/icon.png',
      'build/icons/512x512.png',
    ])
      expect(existsSync(icon), icon).toBe(true);
    // The Linux build carries the icon set it was given.
    expect(existsSync(join(app, 'resources'))).toBe(true);
  });
});
