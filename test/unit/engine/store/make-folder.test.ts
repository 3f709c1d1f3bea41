import { existsSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareDataDir } from '../../../../electron/engine/store/data-dir';
import { makeFolder, unmakeFolder } from '../../../../electron/engine/store/make-folder';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();

describe('making a folder and the ones above it', () => {
  it('answers the first folder it made, and nothing when all were there', async () => {
    const parent = await newDir();
    const deep = join(parent, 'a', 'b', 'c');
    expect(await makeFolder(deep, 0o750)).toBe(join(parent, 'a'));
    for (const folder of ['a', 'a/b', 'a/b/c'])
      expect((await stat(join(parent, folder))).mode & 0o777).toBe(0o750);
    expect(await makeFolder(deep, 0o750)).toBeUndefined();
    // Relative parts are resolved as the disk would.
    expect(await makeFolder(join(parent, 'a', '..', 'd'), 0o700)).toBe(join(parent, 'd'));
    await unmakeFolder(deep, join(parent, 'a'));
    expect(await readdir(parent)).toEqual(['d']);
  });

  it('gives the disk’s own reason: a file of that name, a file on the way', async () => {
    const parent = await newDir();
    const file = join(parent, 'file');
    await writeFile(file, 'x');
    await expect(makeFolder(file, 0o700)).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(makeFolder(join(file, 'a', 'b'), 0o700)).rejects.toMatchObject({
      code: 'ENOTDIR',
    });
  });

  it('makes one folder from two callers at once, without an error', async () => {
    const parent = await newDir();
    const deep = join(parent, 'x', 'y');
    const made = await Promise.all([makeFolder(deep, 0o700), makeFolder(deep, 0o700)]);
    expect((await stat(deep)).isDirectory()).toBe(true);
    // Each made a part of it, or found it made.
    expect(made.filter(Boolean).length).toBeGreaterThanOrEqual(1);
  });

  // Node's recursive mkdir retries such a refusal forever at full CPU (Node 22): a save of a
  // connection to /proc/x, or `--data-dir /proc/ferry`, never answered.
  it.skipIf(!existsSync('/proc/self'))(
    'ends where a disk refuses a new folder under one that is there (/proc)',
    async () => {
      await expect(makeFolder('/proc/ferry-test/a', 0o700)).rejects.toMatchObject({
        code: 'ENOENT',
      });
      await expect(prepareDataDir('/proc/ferry-test')).rejects.toMatchObject({
        code: 'validation',
        message:
          'The data folder /proc/ferry-test can not be made: the disk there does not take new folders. Give --data-dir (or FERRY_DATA_DIR) a folder on an ordinary disk.',
      });
    },
    10_000,
  );
});
