import { spawnSync } from 'node:child_process';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  downloadPath,
  LEFTOVER_AGE_MS,
  sweepDownloads,
} from '../../../../electron/engine/sources/downloads';
import { isAlive } from '../../../../electron/engine/store/lock';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();
const HOUR = '2020-01-25T05';

/** The id of a process that has ended (and, for this test's moment, not been reused). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  const pid = Number(child.stdout);
  expect(isAlive(pid)).toBe(false);
  return pid;
}

describe('Amplitude downloads a killed process left behind', () => {
  it('are removed when their process is gone or they are days old; live ones are kept', async () => {
    const dir = await newDir();
    const host = hostname();
    const mine = downloadPath(dir, HOUR);
    const names = {
      mine,
      dead: join(dir, `amplitude-${HOUR}.${deadPid()}@${host}.0123abcd.zip`),
      otherHostFresh: join(dir, `amplitude-${HOUR}.${deadPid()}@elsewhere.example.0123abcd.zip`),
      otherHostOld: join(dir, `amplitude-${HOUR}.77@elsewhere.example.89abcdef.zip`),
      oldNameFresh: join(dir, `amplitude-${HOUR}-0123abcd.zip`),
      oldNameOld: join(dir, `amplitude-2020-01-24T05-0123abcd.zip`),
      liveButOld: join(dir, `amplitude-${HOUR}.${process.ppid}@${host}.fedcba98.zip`),
      unrelated: join(dir, 'files-index-0123456789abcdef.json'),
    };
    for (const path of Object.values(names)) await writeFile(path, 'zip');
    const old = new Date(Date.now() - LEFTOVER_AGE_MS - 60_000);
    for (const path of [names.otherHostOld, names.oldNameOld, names.liveButOld, names.unrelated])
      await utimes(path, old, old);

    const removed = await sweepDownloads(dir);
    const base = (p: string) => p.slice(dir.length + 1);
    expect(removed.sort()).toEqual(
      [names.dead, names.otherHostOld, names.oldNameOld, names.liveButOld].map(base).sort(),
    );
    expect((await readdir(dir)).sort()).toEqual(
      [names.mine, names.otherHostFresh, names.oldNameFresh, names.unrelated].map(base).sort(),
    );
    // A name of this process is kept while fresh, even when asked about a dead process…
    expect(await sweepDownloads(dir, Date.now(), () => false)).toEqual([]);
    // …and is a leftover once days old (an earlier process that had this id).
    await utimes(mine, old, old);
    expect(await sweepDownloads(dir)).toEqual([base(mine)]);
  });

  it('leaves one the disk will not remove for the next sweep, and removes the rest', async () => {
    const dir = await newDir();
    const host = hostname();
    const stuck = `amplitude-${HOUR}.${deadPid()}@${host}.00000000.zip`;
    const gone = `amplitude-${HOUR}.${deadPid()}@${host}.11111111.zip`;
    // A folder under a download's name: rm refuses it, as Windows refuses a file held open.
    await mkdir(join(dir, stuck));
    await writeFile(join(dir, stuck, 'x'), 'x');
    await writeFile(join(dir, gone), 'zip');
    expect(await sweepDownloads(dir)).toEqual([gone]);
    expect(await readdir(dir)).toEqual([stuck]);
  });

  it('says which process and computer hold a new download', () => {
    const path = downloadPath('/cache', HOUR);
    expect(path).toMatch(
      new RegExp(`^/cache/amplitude-2020-01-25T05\\.${process.pid}@.+\\.[0-9a-f]{8}\\.zip$`),
    );
  });
});
