import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../../electron/engine/store';
import { jobRecord } from '../../../support/jobs';
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

  it('never takes over from a live process, however long it has been stopped', async () => {
    const dataDir = await newDir();
    // A real holder: another process with the folder open, then stopped (kill -STOP).
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('./electron/engine/store/index.ts').then(async ({ openStore }) => {
          await openStore({ dataDir: ${JSON.stringify(dataDir)}, role: 'ferry serve' });
          console.log('held');
          setInterval(() => {}, 1 << 30); // stay alive, holding it
        });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      child.kill('SIGSTOP');
      // Its heartbeat stopped an hour ago, as far as the lock folder shows.
      const anHourAgo = new Date(Date.now() - 3_600_000);
      await utimes(join(dataDir, 'ferry.lock'), anHourAgo, anHourAgo);
      await expect(openStore({ dataDir, role: 'ferry org add' })).rejects.toThrow(
        new RegExp(`already in use by ferry serve \\(pid ${child.pid}, started`),
      );
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    // Once it is gone, the folder is taken over at once.
    const store = await openStore({ dataDir, role: 'test' });
    await store.close();
  });

  it('takes over a lock from another host only after two minutes without a heartbeat', async () => {
    const dataDir = await newDir();
    await mkdir(join(dataDir, 'ferry.lock'));
    await writeFile(
      join(dataDir, 'ferry.lock.json'),
      JSON.stringify({ pid: 1, hostname: 'nas-01', role: 'ferry serve', startedAt: 'then' }),
    );
    await expect(openStore({ dataDir, role: 'test' })).rejects.toThrow(/pid 1 on nas-01/);
    const old = new Date(Date.now() - 3 * 60_000);
    await utimes(join(dataDir, 'ferry.lock'), old, old);
    const store = await openStore({ dataDir, role: 'test' });
    await store.close();
  });

  it('judges a lock whose owner record is not one by its age alone, never by what it claims', async () => {
    const dataDir = await newDir();
    await mkdir(join(dataDir, 'ferry.lock'));
    // Edited: a pid that is no pid (1.5) would otherwise be "dead" at once, and taken over.
    await writeFile(
      join(dataDir, 'ferry.lock.json'),
      JSON.stringify({ pid: 1.5, hostname: hostname(), role: 'ferry serve', startedAt: 'then' }),
    );
    await expect(openStore({ dataDir, role: 'test' })).rejects.toThrow(
      /already in use by another Ferry process/,
    );
    const old = new Date(Date.now() - 2 * 60_000);
    await utimes(join(dataDir, 'ferry.lock'), old, old);
    const store = await openStore({ dataDir, role: 'test' });
    await store.close();
  });

  it('lets exactly one of two starting processes take over a dead holder', async () => {
    const dataDir = await newDir();
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => child.on('exit', resolve));
    await mkdir(join(dataDir, 'ferry.lock'));
    await writeFile(
      join(dataDir, 'ferry.lock.json'),
      JSON.stringify({ pid: child.pid, hostname: hostname(), role: 'x', startedAt: 'then' }),
    );
    const results = await Promise.allSettled([
      openStore({ dataDir, role: 'one' }),
      openStore({ dataDir, role: 'two' }),
    ]);
    const opened = results.filter((r) => r.status === 'fulfilled');
    expect(opened).toHaveLength(1);
    await (
      opened[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof openStore>>>
    ).value.close();
  });

  it('stops writing at once when another process took the folder over, and leaves its lock alone', async () => {
    const dataDir = await newDir();
    const lost: string[] = [];
    const store = await openStore({ dataDir, role: 'ferry serve', onLost: (m) => lost.push(m) });
    await store.config.update((d) => void (d.settings.x = 1));
    // Another process now holds the folder (as after a takeover).
    const newOwner = JSON.stringify({
      pid: 4242,
      hostname: hostname(),
      role: 'ferry run',
      startedAt: 'now',
      token: 'theirs',
    });
    await writeFile(join(dataDir, 'ferry.lock.json'), newOwner);
    await expect(store.config.update((d) => void (d.settings.x = 2))).rejects.toMatchObject({
      code: 'locked',
      message: expect.stringMatching(
        /took over the data folder .*ferry run \(pid 4242.*stopped writing/,
      ),
    });
    await expect(store.jobs.put(jobRecord({ id: 'j_1', status: 'running' }))).rejects.toMatchObject(
      { code: 'locked' },
    );
    expect(lost).toHaveLength(1);
    expect(JSON.parse(await readFile(join(dataDir, 'config.json'), 'utf8')).settings.x).toBe(1);
    await store.close();
    expect(await readFile(join(dataDir, 'ferry.lock.json'), 'utf8')).toBe(newOwner);
    // No journal or month written (the job index is written when the store opens).
    expect(await readdir(join(dataDir, 'jobs'))).toEqual(['index.bin']);
  });
});
