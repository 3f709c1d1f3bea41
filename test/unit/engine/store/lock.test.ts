import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../../electron/engine/store';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();

describe('one process per data dir', () => {
  it('refuses a second opener, naming who holds the folder', async () => {
    const dataDir = await newDir();
    const first = await openStore({ dataDir, role: 'ferry serve' });
    const second = openStore({ dataDir, role: 'ferry org add' });
    await expect(second).rejects.toMatchObject({ code: 'locked' });
    await expect(second).rejects.toThrow(
      new RegExp(
        `The data folder .* is already in use by ferry serve \\(pid ${process.pid}, started .*\\)\\. Close it first`,
      ),
    );
    await first.close();
    const third = await openStore({ dataDir, role: 'again' });
    await third.close();
  });

  it('lets read-only openers in while the folder is held', async () => {
    const dataDir = await newDir();
    const owner = await openStore({ dataDir, role: 'ferry serve' });
    const reader = await openStore({ dataDir, role: 'list', readOnly: true });
    await reader.close();
    await owner.close();
  });

  it('takes over at once a lock left behind by a process that died', async () => {
    const dataDir = await newDir();
    // A child that really existed and is gone now: its pid is free.
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((resolve) => child.on('exit', resolve));
    await mkdir(join(dataDir, 'ferry.lock'));
    await writeFile(
      join(dataDir, 'ferry.lock.json'),
      JSON.stringify({
        pid,
        hostname: hostname(),
        role: 'ferry serve',
        startedAt: new Date().toISOString(),
      }),
    );
    const store = await openStore({ dataDir, role: 'test' });
    await store.close();
  });
});
