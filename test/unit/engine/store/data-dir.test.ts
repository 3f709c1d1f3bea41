import { execFile } from 'node:child_process';
import { chmod, chown, lstat, mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../../../shared/api/errors';
import { dataFolderWriteError, foreignHands } from '../../../../electron/engine/store/data-dir';
import { FERRY_BIN, runFerry } from '../../../support/ferry';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();
const root = process.getuid?.() === 0;

/** A data folder with an organization and a demo project, as `ferry` left it. */
async function dataFolder(): Promise<string> {
  const dataDir = await newDir();
  for (const args of [
    ['org', 'add', '--id', '1', '--name', 'Acme'],
    ['project', 'add', '--id', '187520', '--org', '1', '--name', 'Web', '--source', 'demo'],
  ]) {
    const result = await runFerry(args, { FERRY_DATA_DIR: dataDir });
    expect(result.code, result.stderr).toBe(0);
  }
  return dataDir;
}

describe('the data folder is the admin’s alone', () => {
  it('refuses a folder, or any file in it, that other users can change: exit 2 and the fix', async () => {
    const dataDir = await dataFolder();
    expect(await foreignHands(dataDir)).toBeNull();

    await chmod(dataDir, 0o777);
    const open = await runFerry(['org', 'list'], { FERRY_DATA_DIR: dataDir });
    expect(open.code).toBe(2);
    expect(open.stderr).toBe(
      `ferry: --data-dir: The data folder ${dataDir} can be changed by other users of this computer (mode 777), so Ferry will not use it: they could change what Ferry reads, where it writes and which policy a restore applies. Make it yours alone: chmod -R go-rwx "${dataDir}"\n`,
    );
    await chmod(dataDir, 0o700);

    // Another user swapped config.json in: group- and world-writable.
    await chmod(join(dataDir, 'config.json'), 0o666);
    const run = await runFerry(['run', '--once'], { FERRY_DATA_DIR: dataDir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `${join(dataDir, 'config.json')} in the data folder can be changed`,
    );
    await chmod(join(dataDir, 'config.json'), 0o600);

    // A folder deep inside counts as much as the top.
    await mkdir(join(dataDir, 'backups'), { recursive: true, mode: 0o700 });
    await chmod(join(dataDir, 'backups'), 0o770);
    expect(await foreignHands(dataDir)).toMatch(/backups in the data folder can be changed/);
  });

  it.runIf(root)(
    'refuses anything in it owned by another user, a planted link included',
    async () => {
      const dataDir = await dataFolder();
      await symlink('/etc/passwd', join(dataDir, 'backups-link'));
      await chown(join(dataDir, 'backups-link'), 65534, 65534).catch(() => undefined);
      const { uid } = await lstat(join(dataDir, 'backups-link'));
      if (uid === 65534)
        expect(await foreignHands(dataDir)).toMatch(
          /backups-link in the data folder belongs to another user \(uid 65534\)/,
        );
      await chown(join(dataDir, 'config.json'), 65534, 65534);
      const result = await runFerry(['org', 'list'], { FERRY_DATA_DIR: dataDir });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/belongs to another user \(uid 65534\)/);
    },
  );

  it('keeps every folder 0700 and every file 0600, whatever the umask', async () => {
    const dataDir = await newDir();
    const ferry = (args: string) =>
      promisify(execFile)(
        'sh',
        ['-c', `umask 000; exec "${process.execPath}" "${FERRY_BIN}" ${args}`],
        { env: { ...process.env, FERRY_DATA_DIR: dataDir, FERRY_DEMO: '0' } },
      );
    await ferry('org add --id 1 --name Acme');
    await ferry('project add --id 187520 --org 1 --name Web --source demo --events-per-hour 50');
    const out = await newDir();
    await ferry(`connection add --name local --project 187520 --folder "${out}"`);
    await ferry('export local --hour 2026-01-01T00');
    const loose: string[] = [];
    for (const entry of await readdir(dataDir, { withFileTypes: true, recursive: true })) {
      const path = join(entry.parentPath, entry.name);
      const mode = (await lstat(path)).mode & 0o777;
      if (mode & 0o077) loose.push(`${path} ${mode.toString(8)}`);
    }
    expect(loose).toEqual([]);
  });
});

describe('a write the data folder’s disk refuses', () => {
  const errno = (code: string, path?: string) =>
    Object.assign(new Error(`${code}: raw words, write`), { code, ...(path ? { path } : {}) });

  it('is one sentence naming the folder, the file when known, and the fix', () => {
    const full = dataFolderWriteError(errno('ENOSPC'), '/data/ferry');
    expect(full).toBeInstanceOf(FerryError);
    expect((full as FerryError).message).toBe(
      'Ferry could not write to its data folder /data/ferry: the disk is full. Nothing was changed. Free space on that disk, then try again.',
    );
    const readOnly = dataFolderWriteError(
      errno('EROFS', '/data/ferry/config.json.tmp-1'),
      '/data/ferry',
    );
    expect((readOnly as FerryError).message).toBe(
      'Ferry could not write to its data folder /data/ferry: the disk is read-only (/data/ferry/config.json.tmp-1). Nothing was changed. Mount it writable or choose another folder, then try again.',
    );
  });

  it('leaves errors that are not the disk’s as they are', () => {
    const said = new FerryError('locked', 'Another Ferry uses this folder.');
    expect(dataFolderWriteError(said, '/data/ferry')).toBe(said);
    const bug = new TypeError('x is not a function');
    expect(dataFolderWriteError(bug, '/data/ferry')).toBe(bug);
    const other = errno('ECONNRESET');
    expect(dataFolderWriteError(other, '/data/ferry')).toBe(other);
  });
});
