import { spawnSync } from 'node:child_process';
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cliInstalled,
  cliInstallPlan,
  installCli,
  type CliInstallPlace,
} from '../../../electron/main/cli-install';

const root = await mkdtemp(join(tmpdir(), 'ferry-cli-install-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const place = (over: Partial<CliInstallPlace>): CliInstallPlace => ({
  platform: 'darwin',
  isPackaged: true,
  resourcesPath: '/Applications/Ferry.app/Contents/Resources',
  execPath: '/Applications/Ferry.app/Contents/MacOS/Ferry',
  home: '/Users/ann',
  env: {},
  ...over,
});

describe('where the ferry command goes', () => {
  it('links /usr/local/bin on macOS, the bin folder on the PATH on Windows, ~/.local/bin for an AppImage', () => {
    expect(cliInstallPlan(place({}))).toEqual({
      kind: 'link',
      link: '/usr/local/bin/ferry',
      target: '/Applications/Ferry.app/Contents/Resources/bin/ferry',
    });
    expect(
      cliInstallPlan(place({ platform: 'win32', resourcesPath: 'C:\\Ferry\\resources' })),
    ).toMatchObject({ kind: 'path', dir: expect.stringMatching(/resources[\\/]bin$/) });
    expect(
      cliInstallPlan(
        place({
          platform: 'linux',
          home: '/home/ann',
          env: { APPIMAGE: '/home/ann/Ferry.AppImage' },
        }),
      ),
    ).toEqual({
      kind: 'link',
      link: '/home/ann/.local/bin/ferry',
      target: '/home/ann/Ferry.AppImage',
    });
    // The .deb made /usr/bin/ferry itself; from source, bin/ferry.js is the command.
    expect(cliInstallPlan(place({ platform: 'linux', execPath: '/opt/Ferry/ferry' })).kind).toBe(
      'none',
    );
    expect(cliInstallPlan(place({ isPackaged: false })).kind).toBe('none');
  });

  it('says whether the command is already there', async () => {
    expect(
      await cliInstalled(
        { kind: 'path', dir: 'C:\\Ferry\\resources\\bin' },
        { Path: 'C:\\Windows;c:\\ferry\\RESOURCES\\bin' },
      ),
    ).toBe(process.platform === 'win32' ? true : false);
    expect(await cliInstalled({ kind: 'path', dir: '/x/bin' }, { PATH: '/usr/bin:/x/bin' })).toBe(
      true,
    );
    expect(await cliInstalled({ kind: 'link', link: join(root, 'none'), target: '/t' }, {})).toBe(
      false,
    );
  });
});

describe('installCli', () => {
  it('links the command, replaces an older link, and leaves a real file alone', async () => {
    const link = join(root, 'local', 'bin', 'ferry');
    expect(await installCli({ kind: 'link', link, target: '/old/Ferry.AppImage' })).toMatchObject({
      ok: true,
    });
    const plan = { kind: 'link' as const, link, target: '/new/Ferry.AppImage' };
    expect(await cliInstalled(plan, {})).toBe(false);
    expect(await installCli(plan)).toMatchObject({
      ok: true,
      message: expect.stringContaining('ferry --help'),
    });
    expect(await readlink(link)).toBe('/new/Ferry.AppImage');
    expect(await cliInstalled(plan, {})).toBe(true);

    const theirs = join(root, 'theirs');
    await writeFile(theirs, '#!/bin/sh\necho another ferry\n');
    expect(await installCli({ kind: 'link', link: theirs, target: '/new' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/not Ferry's/),
    });
  });

  it('gives the exact sudo command where the folder is not writable', async () => {
    // What macOS answers a standard user linking into /usr/local/bin (root here writes anywhere).
    const locked = join(root, 'locked');
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const result = await installCli(
      { kind: 'link', link: join(locked, 'ferry'), target: "/A's/bin/ferry" },
      { link: () => Promise.reject(denied) },
    );
    expect(result).toEqual({
      ok: false,
      message: expect.stringMatching(/may not write/),
      command: `sudo mkdir -p '${locked}' && sudo ln -sf '/A'\\''s/bin/ferry' '${join(locked, 'ferry')}'`,
    });
  });

  it('puts the folder on the user PATH through PowerShell, the folder passed as data', async () => {
    const calls: [string, string[], string | undefined][] = [];
    const result = await installCli(
      { kind: 'path', dir: 'C:\\Ferry\\resources\\bin' },
      {
        run: async (file, args, env) => {
          calls.push([file, args, env.FERRY_BIN]);
        },
      },
    );
    expect(result).toMatchObject({ ok: true });
    expect(calls).toHaveLength(1);
    expect(calls[0]![0]).toBe('powershell.exe');
    expect(calls[0]![2]).toBe('C:\\Ferry\\resources\\bin');
    expect(calls[0]![1].join(' ')).not.toContain('C:\\Ferry');
  });
});

describe('the macOS launcher (build/bin/ferry)', () => {
  it('finds the app binary through the /usr/local/bin link and passes every argument', async () => {
    const contents = join(root, 'Ferry.app', 'Contents');
    await mkdir(join(contents, 'MacOS'), { recursive: true });
    await mkdir(join(contents, 'Resources', 'bin'), { recursive: true });
    await writeFile(
      join(contents, 'MacOS', 'Ferry'),
      '#!/bin/sh\nfor a in "$@"; do echo "[$a]"; done\n',
      { mode: 0o755 },
    );
    await copyFile('build/bin/ferry', join(contents, 'Resources', 'bin', 'ferry'));
    await chmod(join(contents, 'Resources', 'bin', 'ferry'), 0o755);
    const bin = join(root, 'usr-local-bin');
    await mkdir(bin);
    await symlink(join(contents, 'Resources', 'bin', 'ferry'), join(bin, 'ferry'));
    const run = spawnSync(join(bin, 'ferry'), ['export', 'a b', '--hour', "it's"], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe("[export]\n[a b]\n[--hour]\n[it's]\n");
  });
});
