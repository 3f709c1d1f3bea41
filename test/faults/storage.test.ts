import { spawn, spawnSync } from 'node:child_process';
import {
  appendFile,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobsStore } from '../../electron/engine/store/jobs-store';
import type { Job } from '../../shared/model/jobs';
import { FERRY_BIN, runFerry, startServe } from '../support/ferry';
import { useTempDirs } from '../support/temp';
import {
  callServe,
  demoProject,
  expectHistoryMatches,
  ferryOk,
  folderHour,
  jobsOfHour,
  terminate,
} from './support/harness';

const newDir = useTempDirs();

/** A demo project and a folder connection on a fresh data folder. */
async function demo(dataDir: string, out: string, eventsPerHour = 500) {
  const env = { FERRY_DATA_DIR: dataDir };
  await demoProject(env, eventsPerHour);
  await ferryOk(['connection', 'add', '--name', 'c', '--project', '187520', '--folder', out], env);
  return env;
}

/**
 * A child process that opens a data folder's history, writes `count` job records (attempts =
 * n), runs `after`, and closes it; resolves with its exit code (-9 when SIGKILLed). `prelude`
 * runs before the store is loaded.
 */
function writerChild(
  dataDir: string,
  from: number,
  count: number,
  {
    prelude = '',
    after = '',
    killAt,
  }: { prelude?: string; after?: string; killAt?: FoldPoint } = {},
) {
  const script = `${prelude}
    import('./electron/engine/store/jobs-store.ts').then(async ({ JobsStore }) => {
      const store = await JobsStore.open(${JSON.stringify(dataDir)}, () => {});
      for (let n = ${from}; n < ${from + count}; n++) await store.put(${jobSource}(n));
      ${after}
      await store.close();
    });`;
  // The fold runs on a worker thread, which inherits these flags: the patch reaches it there.
  const flags = killAt ? ['--require', FOLD_KILLER] : [];
  return new Promise<number | null>((resolve) =>
    spawn(process.execPath, [...flags, '--import', 'tsx', '-e', script], {
      stdio: 'inherit',
      env: { ...process.env, FERRY_TEST_KILL_AT: killAt ?? '' },
    }).on('exit', (code, signal) => resolve(signal === 'SIGKILL' ? -9 : code)),
  );
}

/** Points of a journal fold (store/fold-thread.ts, on its worker thread) a kill can hit. */
type FoldPoint =
  'before-snapshot-rename' | 'after-snapshot-rename' | 'after-backup' | 'before-journal-removed';

/**
 * A preload that SIGKILLs the process at a point of a fold, from the fold worker's own calls:
 * renaming the new snapshot (or its .bak) into place, or removing the folded journal.
 */
const FOLD_KILLER = join(tmpdir(), `ferry-fold-killer-${process.pid}.cjs`);
const FOLD_KILLER_SOURCE = String.raw`
const fs = require('node:fs');
const point = process.env.FERRY_TEST_KILL_AT;
const kill = () => process.kill(process.pid, 'SIGKILL');
const snapshot = (p) => /[\\/]\d{4}-\d{2}\.json$/.test(String(p));
const rename = fs.renameSync;
fs.renameSync = function (from, to) {
  if (point === 'before-snapshot-rename' && snapshot(to)) kill();
  const out = rename.apply(this, arguments);
  if (point === 'after-snapshot-rename' && snapshot(to)) kill();
  if (point === 'after-backup' && /\.json\.bak$/.test(String(to))) kill();
  return out;
};
const rm = fs.rmSync;
fs.rmSync = function (p) {
  if (point === 'before-journal-removed' && /\.log\.1$/.test(String(p))) kill();
  return rm.apply(this, arguments);
};
`;

/**
 * Writes jobs in a child and — with `kill` — SIGKILLs it the moment its last write has rotated
 * the journal and started the fold: a kill during a fold, for real.
 */
function writeJobs(dataDir: string, from: number, count: number, kill: boolean) {
  return writerChild(dataDir, from, count, {
    after: kill ? "process.kill(process.pid, 'SIGKILL');" : '',
  });
}

/**
 * Like `writeJobs`, but the child SIGKILLs itself inside its `k`-th append to the job index
 * (`jobs/index.bin`), after writing half of that record or none of it.
 */
function writeJobsTearingIndex(
  dataDir: string,
  from: number,
  count: number,
  k: number,
  part: 'half' | 'none',
) {
  return writerChild(dataDir, from, count, {
    prelude: `
      const fs = require('node:fs');
      const open = fs.promises.open;
      fs.promises.open = async (path, ...rest) => {
        const handle = await open(path, ...rest);
        if (String(path).endsWith('index.bin') && rest[0] === 'a') {
          const write = handle.write.bind(handle);
          let n = 0;
          handle.write = async (buffer, ...more) => {
            if (++n === ${k}) {
              if (${part === 'half'}) await write(buffer.subarray(0, buffer.length >> 1));
              process.kill(process.pid, 'SIGKILL');
            }
            return write(buffer, ...more);
          };
        }
        return handle;
      };
      require('node:module').syncBuiltinESMExports();`,
    after: 'await new Promise((r) => setTimeout(r, 5000)); // the kill comes before this ends',
  });
}

/** A job record for n: 500 jobs, each written several times as n grows. */
function jobFor(n: number): Job {
  const id = n % 500;
  const hour = new Date(Date.UTC(2026, 0, 1) + id * 3_600_000).toISOString().slice(0, 13);
  return {
    id: `j_${String(id).padStart(8, '0')}`,
    connectionId: 'cn_1',
    dataset: 'events',
    hour,
    trigger: 'scheduled',
    // Changes with every write, so an index that missed a write shows it.
    status: (['running', 'succeeded', 'failed'] as const)[n % 3]!,
    attempts: n,
    createdAt: `${hour}:30:00.000Z`,
    updatedAt: `${hour}:31:00.000Z`,
    startedAt: `${hour}:30:00.000Z`,
    finishedAt: `${hour}:31:00.000Z`,
    durationMs: 1,
    counts: null,
    bytes: null,
    objects: [],
    queryObjects: [],
    writtenTo: null,
    removed: [],
    notes: [],
    error: null,
    retryAt: null,
    cancelledBy: null,
  };
}
const jobSource = `(${jobFor.toString()})`;

/** A tmpfs of `size` mounted at a fresh folder, or the reason it can not be. */
const mounts: string[] = [];
afterEach(async () => {
  for (const dir of mounts.splice(0)) {
    spawnSync('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  }
});
async function smallDisk(size: string): Promise<string | { skip: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (mounted.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    return {
      skip: `can not mount a tmpfs here (${(mounted.stderr || mounted.error?.message || '').trim()}); run as root to test a full disk`,
    };
  }
  mounts.push(dir);
  return dir;
}

/** A demo data folder (with a folder connection "c" elsewhere) on a 1 MiB disk of its own. */
async function dataFolderOnSmallDisk() {
  const disk = await smallDisk('1m');
  if (typeof disk !== 'string') return disk;
  const dataDir = join(disk, 'ferry');
  await mkdir(dataDir, { mode: 0o700 }); // private, as Ferry makes its own
  const out = await newDir();
  return { disk, dataDir, out, env: await demo(dataDir, out) };
}

/** Fill a disk to the last byte, then free exactly `leave` bytes. */
async function fill(dir: string, leave: number): Promise<void> {
  const filler = join(dir, 'filler');
  const handle = await open(filler, 'w');
  const chunk = Buffer.alloc(4096, 1);
  let size = 0;
  try {
    for (;;) {
      await handle.write(chunk);
      size += chunk.length;
    }
  } catch {
    // ENOSPC: the disk is full
  } finally {
    await handle.close();
  }
  await truncate(filler, Math.max(0, size - leave));
}

describe('faults in Ferry’s own storage', () => {
  it.each([
    'after-rotation',
    'before-snapshot-rename',
    'after-snapshot-rename',
    'after-backup',
    'before-journal-removed',
  ] as const)('a kill during a journal fold (%s) loses no job history', async (point) => {
    await writeFile(FOLD_KILLER, FOLD_KILLER_SOURCE);
    const dataDir = await newDir();
    // 2,000 writes: the last rotates the journal and starts the fold; the kill comes from the
    // main thread right after it, or from inside the fold at its point.
    const killed =
      point === 'after-rotation'
        ? await writeJobs(dataDir, 0, 2000, true)
        : await writerChild(dataDir, 0, 2000, {
            killAt: point,
            after: 'await new Promise((r) => setTimeout(r, 10_000)); // the fold kills first',
          });
    expect(killed).toBe(-9);
    const left = await readdir(join(dataDir, 'jobs'));
    if (point !== 'after-rotation' && point !== 'before-journal-removed')
      expect(left).toContain('2026-01.log.1');
    // The next process writes 2,000 more, enough to rotate again, and closes.
    expect(await writeJobs(dataDir, 2000, 2000, false)).toBe(0);
    const store = await JobsStore.open(dataDir, () => {}, true);
    const page = await store.list({ limit: 100 });
    expect(page.total).toBe(500);
    for (const id of [0, 250, 499])
      expect((await store.get(jobFor(id).id))?.attempts).toBe(3500 + id);
  });

  it('a kill during an index append loses nothing: the months win', async () => {
    const dataDir = await newDir();
    // Each child is killed inside its k-th index append, after writing half of it or none:
    // journal lines are on disk whose index records are torn or missing.
    let from = 0;
    for (const [count, k, part] of [
      [733, 700, 'half'],
      [40, 1, 'none'],
      [1266, 1000, 'half'],
    ] as const) {
      expect(await writeJobsTearingIndex(dataDir, from, count, k, part)).toBe(-9);
      const store = await JobsStore.open(dataDir, () => {}, true);
      // The same history as one read from the months alone: every job, its last write.
      const copy = await newDir();
      await mkdir(join(copy, 'jobs'));
      for (const name of await readdir(join(dataDir, 'jobs')))
        if (name !== 'index.bin')
          await writeFile(join(copy, 'jobs', name), await readFile(join(dataDir, 'jobs', name)));
      const months = await JobsStore.open(copy, () => {}, true);
      expect(store.size).toBe(months.size);
      for (let id = 0; id < 500; id++)
        expect((await store.get(jobFor(id).id))?.attempts).toBe(
          (await months.get(jobFor(id).id))?.attempts,
        );
      // The index says what the months say, job by job.
      const fields = (e: { id: string; status: string; updatedAt: string }) =>
        `${e.id} ${e.status} ${e.updatedAt}`;
      expect(store.entries(() => true).map(fields)).toEqual(months.entries(() => true).map(fields));
      for (const status of ['queued', 'running', 'succeeded', 'failed'] as const)
        expect((await store.list({ status: [status] })).total).toBe(
          (await months.list({ status: [status] })).total,
        );
      // The job whose index append was torn: its journal line was written first, so it is there.
      expect((await store.get(jobFor(from + k - 1).id))?.attempts).toBe(from + k - 1);
      for (const offset of [0, 100, 400]) {
        const a = await store.list({ limit: 100, offset });
        const b = await months.list({ limit: 100, offset });
        expect(a.items.map((j) => `${j.id} ${j.attempts}`)).toEqual(
          b.items.map((j) => `${j.id} ${j.attempts}`),
        );
        expect(a.total).toBe(b.total);
      }
      from += count;
    }
  });

  it('a torn journal line costs only itself: never the records before it, never the one after', async () => {
    const dataDir = await newDir();
    const out = await newDir();
    const env = await demo(dataDir, out);
    await ferryOk(['export', 'c', '--hour', '2026-02-03T01'], env);
    const [first] = (
      JSON.parse((await runFerry(['--json', 'jobs', 'c'], env)).stdout) as { items: Job[] }
    ).items;
    // A kill (or a full disk) cut the journal's last line short — an update of the very job
    // whose earlier records are in the same journal.
    await appendFile(
      join(dataDir, 'jobs', '2026-02.log'),
      `{"id":"${first!.id}","connectionId":"${first!.connectionId}","status":"fail`,
    );
    const second = await runFerry(['export', 'c', '--hour', '2026-02-03T02'], env);
    expect(second.code, second.stdout).toBe(0);
    expect(second.stderr).toMatch(/jobs\/2026-02\.log had 1 unreadable line/);
    const listed = await runFerry(['--json', 'jobs', 'c'], env);
    const jobs = (JSON.parse(listed.stdout) as { items: Job[] }).items;
    expect(jobs.map((j) => `${j.hour} ${j.status}`)).toEqual([
      '2026-02-03T02 succeeded',
      '2026-02-03T01 succeeded',
    ]);
    // The earlier job reads as its last whole record said, objects and counts included.
    expect(jobs[1]).toEqual(first);
  });

  it('a full destination disk fails the hour as "disk full", leaves nothing, and the hour exports once there is room', async (context) => {
    const disk = await smallDisk('1m');
    if (typeof disk !== 'string') return context.skip(disk.skip);
    const dataDir = await newDir();
    const out = join(disk, 'exports');
    const env = await demo(dataDir, out, 20_000);
    const cleanOut = await newDir();
    await ferryOk(
      ['connection', 'add', '--name', 'clean', '--project', '187520', '--folder', cleanOut],
      env,
    );
    const hour = '2026-02-03T04';

    const full = await runFerry(['export', 'c', '--hour', hour], env);
    expect(full.code).toBe(1);
    expect(full.stderr).toBe('');
    expect(full.stdout).toMatch(/failed after 1 attempt — config: Disk full: ENOSPC/);
    expect(full.stdout).toMatch(/fix: Free disk space there/);
    expect(await folderHour(out)).toEqual({ objects: {}, lines: 0, temps: [] });
    expect((await jobsOfHour(env, 'c', hour))[0]).toMatchObject({
      status: 'failed',
      error: { code: 'ENOSPC' },
    });

    expect(spawnSync('mount', ['-o', 'remount,size=256m', disk]).status).toBe(0);
    await ferryOk(['export', 'c', '--hour', hour], env);
    await ferryOk(['export', 'clean', '--hour', hour], env);
    const got = await folderHour(out);
    const clean = await folderHour(cleanOut);
    expect(got.objects).toEqual(clean.objects);
    expectHistoryMatches(await jobsOfHour(env, 'c', hour), got.objects, '', got.lines);
  });

  it('a read-only destination disk fails the hour at once, saying so, and leaves nothing', async (context) => {
    const disk = await smallDisk('1m');
    if (typeof disk !== 'string') return context.skip(disk.skip);
    const out = join(disk, 'exports');
    await mkdir(out);
    expect(spawnSync('mount', ['-o', 'remount,ro', disk]).status).toBe(0);
    const dataDir = await newDir();
    const env = await demo(dataDir, out);

    // Node's recursive mkdir says ENOENT there, which was retried as a passing fault for an hour.
    const refused = await runFerry(['export', 'c', '--hour', '2026-02-03T07'], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).not.toMatch(/retrying/);
    expect(refused.stdout).toMatch(
      /failed after 1 attempt — config: Read-only disk: EROFS: read-only file system, mkdir '.*exports\/\.ferry-partial'/,
    );
    expect(refused.stdout).toMatch(/fix: The destination folder is on a disk mounted read-only/);
    // `ferry verify` says the same before any hour is tried…
    const verify = await runFerry(['verify', 'c'], env);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(
      /✗ Write a file the way an export does: Read-only disk: EROFS: read-only file system/,
    );
    expect(verify.stdout).toMatch(/\nThe folder is not ready yet\.\n$/);
    expect(spawnSync('mount', ['-o', 'remount,rw', disk]).status).toBe(0);
    // …and, once writable, that this 1 MiB disk has little room.
    const works = await runFerry(['verify', 'c'], env);
    expect(works.code).toBe(0);
    expect(works.stdout).toMatch(/! Free space: Only \d+ MiB free on its disk/);
    expect(await folderHour(out)).toEqual({ objects: {}, lines: 0, temps: [] });
    await ferryOk(['export', 'c', '--hour', '2026-02-03T07'], env);
    expect(Object.keys((await folderHour(out)).objects)).toHaveLength(1);
  });

  it('an unmounted destination disk fails the hour at once, writes nothing on the disk underneath', async (context) => {
    // A disk whose contents outlive an unmount: a folder bound at a mount point.
    const contents = await newDir();
    const disk = await newDir();
    const bound = spawnSync('mount', ['--bind', contents, disk], { encoding: 'utf8' });
    if (bound.status !== 0)
      return context.skip(`can not bind-mount here (${bound.stderr.trim()}); run as root`);
    mounts.push(disk);
    const out = join(disk, 'exports');
    const dataDir = await newDir();
    const env = await demo(dataDir, out); // saving the connection makes exports/ on the disk
    await ferryOk(['export', 'c', '--hour', '2026-02-03T07'], env);
    expect(spawnSync('umount', [disk]).status).toBe(0);

    // The export used to make exports/ again on the disk underneath and call the hour done.
    const refused = await runFerry(['export', 'c', '--hour', '2026-02-03T08'], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).not.toMatch(/retrying/);
    expect(refused.stdout).toMatch(
      /failed after 1 attempt — config: There is no folder .*exports on .*\./,
    );
    expect(refused.stdout).toMatch(/fix: If it is on a disk or a network share, mount it/);
    expect(await readdir(disk)).toEqual([]);
    // Nor does reconcile take the missing folder for an hour missing from it.
    const compared = await runFerry(
      ['reconcile', 'c', '--from', '2026-02-03T07', '--to', '2026-02-03T07'],
      env,
    );
    expect(compared.stdout).not.toMatch(/missing/i);
    expect(compared.stderr).toMatch(/There is no folder .*exports/);
    expect(compared.code).toBe(2);

    expect(spawnSync('mount', ['--bind', contents, disk]).status).toBe(0);
    await ferryOk(['export', 'c', '--hour', '2026-02-03T08'], env);
    expect(Object.keys((await folderHour(out)).objects)).toEqual([
      '187520_2026-02-03_7#1.json.gz',
      '187520_2026-02-03_8#1.json.gz',
    ]);
    expect((await jobsOfHour(env, 'c', '2026-02-03T08')).map((j) => j.status)).toEqual([
      'succeeded',
      'failed',
    ]);
  });

  it('a destination that is itself a mount point is refused while nothing is mounted there', async (context) => {
    // A disk of its own (a tmpfs, so its device differs) bound at the destination folder itself:
    // unmounted, the folder stays there, empty, on the disk underneath.
    const contents = await smallDisk('16m');
    if (typeof contents !== 'string') return context.skip(contents.skip);
    const disk = await newDir();
    expect(spawnSync('mount', ['--bind', contents, disk]).status).toBe(0);
    mounts.unshift(disk);
    const dataDir = await newDir();
    const env = await demo(dataDir, disk);
    const shown = async () =>
      (
        JSON.parse((await ferryOk(['--json', 'connection', 'show', 'c'], env)).stdout) as {
          destination: { mountPoint?: boolean };
        }
      ).destination;
    expect(await shown()).toMatchObject({ mountPoint: true });
    await ferryOk(['export', 'c', '--hour', '2026-02-03T07'], env);
    expect(spawnSync('umount', [disk]).status).toBe(0);

    // The folder is there (the empty mount point): the hour used to be written into it.
    const refused = await runFerry(['export', 'c', '--hour', '2026-02-03T08'], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).not.toMatch(/retrying/);
    expect(refused.stdout).toContain(`config: Nothing is mounted at ${disk} on `);
    expect(refused.stdout).toMatch(/fix: Mount the disk or share there again/);
    expect(await readdir(disk)).toEqual([]);
    // A save while nothing is mounted keeps the mark.
    await ferryOk(['connection', 'update', 'c', '--folder', disk], env);
    expect(await shown()).toMatchObject({ mountPoint: true });

    expect(spawnSync('mount', ['--bind', contents, disk]).status).toBe(0);
    await ferryOk(['export', 'c', '--hour', '2026-02-03T08'], env);
    expect(Object.keys((await folderHour(disk)).objects)).toEqual([
      '187520_2026-02-03_7#1.json.gz',
      '187520_2026-02-03_8#1.json.gz',
    ]);
  });

  it('a full data-folder disk ends ferry export with one line, and nothing half-written', async (context) => {
    const small = await dataFolderOnSmallDisk();
    if ('skip' in small) return context.skip(small.skip);
    const { disk, out, env } = small;
    // Room for the lock's owner record, not for the job history.
    await fill(disk, 4096);

    const full = await runFerry(['export', 'c', '--hour', '2026-02-03T05'], env);
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/^ferry: Ferry could not write its job history \(the disk is full/);
    expect(full.stderr.trim().split('\n')).toHaveLength(1);
    expect(full.stderr).not.toMatch(/\n\s+at /);
    expect(await folderHour(out)).toEqual({ objects: {}, lines: 0, temps: [] });

    await rm(join(disk, 'filler'));
    await ferryOk(['export', 'c', '--hour', '2026-02-03T05'], env);
    expect(Object.keys((await folderHour(out)).objects)).toHaveLength(1);
  });

  it('a data-folder disk with no room: a changing command says so in one line, changes nothing', async (context) => {
    const small = await dataFolderOnSmallDisk();
    if ('skip' in small) return context.skip(small.skip);
    const { disk, dataDir, out, env } = small;
    const config = await readFile(join(dataDir, 'config.json'), 'utf8');
    const sentence = `ferry: Ferry could not write to its data folder ${dataDir}: the disk is full. Nothing was changed. Free space on that disk, then try again.\n`;
    const addOrg = ['org', 'add', '--id', '9', '--name', 'Nine'];

    // Not a byte left: the lock's owner record is refused, for a change and for an export alike.
    await fill(disk, 0);
    for (const args of [addOrg, ['export', 'c', '--hour', '2026-02-03T06']]) {
      const refused = await runFerry(args, env);
      expect(refused.code, args.join(' ')).toBe(1);
      expect(refused.stderr, args.join(' ')).toBe(sentence);
    }
    expect(await folderHour(out)).toEqual({ objects: {}, lines: 0, temps: [] });
    // Room for the owner record, not for config.json: the change itself is refused.
    await rm(join(disk, 'filler'));
    await fill(disk, 4096);
    const refused = await runFerry(addOrg, env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(sentence);
    expect(await readFile(join(dataDir, 'config.json'), 'utf8')).toBe(config);

    await rm(join(disk, 'filler'));
    await ferryOk(addOrg, env);
    expect(await readFile(join(dataDir, 'config.json'), 'utf8')).toMatch(/"name": "Nine"/);
  });

  it('a reader that goes away (| head) ends the output, not the command', async () => {
    const dataDir = await newDir();
    const out = await newDir();
    const env = await demo(dataDir, out);
    for (const h of ['01', '02', '03'])
      await ferryOk(['export', 'c', '--hour', `2026-02-04T${h}`], env);
    // Far more than a pipe holds, read two lines of: the rest is written to a closed pipe.
    const piped = spawnSync(
      'bash',
      [
        '-c',
        `node ${FERRY_BIN} --json jobs c | head -2 > /dev/null; echo "exit=\${PIPESTATUS[0]}"`,
      ],
      { env: { ...process.env, ...env }, encoding: 'utf8' },
    );
    expect(piped.stdout.trim()).toBe('exit=0');
    expect(piped.stderr).not.toMatch(/EPIPE|\n\s+at /);
    // …and an export whose output nobody reads still exports its hour whole.
    const exported = spawnSync(
      'bash',
      [
        '-c',
        `node ${FERRY_BIN} export c --hour 2026-02-04T04 | head -c 1 > /dev/null; echo "exit=\${PIPESTATUS[0]}"`,
      ],
      { env: { ...process.env, ...env }, encoding: 'utf8' },
    );
    expect(exported.stdout.trim()).toBe('exit=0');
    expect((await jobsOfHour(env, 'c', '2026-02-04T04'))[0]).toMatchObject({ status: 'succeeded' });
  });

  it('a stopped server keeps its data folder: a CLI command says it does not answer, the server goes on', async () => {
    const dataDir = await newDir();
    const env = await demo(dataDir, await newDir());
    const server = await startServe(dataDir, ['--no-schedule']);
    try {
      server.child.kill('SIGSTOP');
      // Its lock looks a day old, past every staleness limit: age alone must not let anyone in
      // while its process is alive (a busy or stopped server is not a gone one).
      const lockDir = join(dataDir, 'ferry.lock');
      const { mtime } = await stat(lockDir);
      const dayAgo = new Date(Date.now() - 24 * 3_600_000);
      await utimes(lockDir, dayAgo, dayAgo);
      // The command goes to the server that holds the folder; stopped, it answers nothing.
      const refused = await runFerry(['org', 'add', '--id', '2', '--name', 'Other'], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(
        `ferry: ferry serve (pid ${server.child.pid}) holds this data folder but did not answer (nothing within 5 s). If it is stopped or stuck, end it and try again.\n`,
      );
      // Reading needs no answer: status says the server did not, and reads the folder.
      const status = await runFerry(['status'], env);
      expect(status.stderr).toMatch(
        /ferry serve \(pid \d+\) holds this data folder but did not answer/,
      );
      expect(status.stdout).toMatch(
        /^Read from the data folder .* \(no running Ferry answered\)\./,
      );
      // Its heartbeat finds the lock as it left it (only this test moved its time).
      await utimes(lockDir, mtime, mtime);
      server.child.kill('SIGCONT');
      await callServe(server, 'orgs.create', { id: 3, name: 'Third' });
      const config = JSON.parse(await readFile(join(dataDir, 'config.json'), 'utf8')) as {
        organizations: { id: number }[];
      };
      expect(config.organizations.map((o) => o.id)).toEqual([1, 3]);
      const owner = JSON.parse(await readFile(join(dataDir, 'ferry.lock.json'), 'utf8')) as {
        pid: number;
      };
      expect(owner.pid).toBe(server.child.pid);
    } finally {
      server.child.kill('SIGCONT');
      await terminate(server);
    }
  });
});
