import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../../electron/engine/store';
import { ABANDONED_TEMP_AGE_MS } from '../../../../electron/engine/store/atomic';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();

/** A file last changed `ageMs` ago (on this computer's clock). */
async function fileAged(path: string, ageMs: number): Promise<void> {
  await writeFile(path, '{"half":');
  const at = (Date.now() - ageMs) / 1000;
  await utimes(path, at, at);
}

/** Every name in the data folder and the folders directly in it, as `folder/name`. */
async function names(dataDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const dir of ['', 'jobs', 'backups', 'cache'])
    for (const name of await readdir(join(dataDir, dir)).catch(() => []))
      out.push(dir ? `${dir}/${name}` : name);
  return out.sort();
}

describe('temp files a killed writer left in the data folder', () => {
  const old = ABANDONED_TEMP_AGE_MS + 60_000;
  const seed = async () => {
    const dataDir = await newDir();
    await (await openStore({ dataDir, role: 'test' })).close();
    await mkdir(join(dataDir, 'cache'));
    await fileAged(join(dataDir, '.config.json.4242.a1b2c3d4.tmp'), old);
    await fileAged(join(dataDir, 'jobs', '.2026-12.json.77.deadbeef.tmp'), old);
    await fileAged(join(dataDir, 'cache', '.files-index-1.json.9.0011aabb.tmp'), old);
    // A write in progress right now (another process contending for the lock, say).
    await fileAged(join(dataDir, 'backups', '.b.json.5.00ff00ff.tmp'), 1000);
    // Not the temp files of an atomic write: the admin's, or Ferry's own copies.
    await fileAged(join(dataDir, 'jobs', 'notes.tmp'), old);
    await fileAged(join(dataDir, '.config.json.tmp'), old);
    return dataDir;
  };

  it('are removed when a writer opens the folder; fresh ones and other files stay', async () => {
    const dataDir = await seed();
    await (await openStore({ dataDir, role: 'test' })).close();
    const left = await names(dataDir);
    expect(left).not.toContain('.config.json.4242.a1b2c3d4.tmp');
    expect(left).not.toContain('jobs/.2026-12.json.77.deadbeef.tmp');
    expect(left).not.toContain('cache/.files-index-1.json.9.0011aabb.tmp');
    expect(left).toEqual(
      expect.arrayContaining([
        'backups/.b.json.5.00ff00ff.tmp',
        'jobs/notes.tmp',
        '.config.json.tmp',
      ]),
    );
  });

  it('stay when the folder is opened read-only (a second process writes nothing)', async () => {
    const dataDir = await seed();
    const before = await names(dataDir);
    await (await openStore({ dataDir, role: 'test', readOnly: true })).close();
    expect(await names(dataDir)).toEqual(before);
    expect(before).toContain('.config.json.4242.a1b2c3d4.tmp');
  });
});
