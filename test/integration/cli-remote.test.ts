import { spawn } from 'node:child_process';
import { chmod, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FERRY_BIN,
  runFerry,
  startServe,
  type RunResult,
  type ServeProcess,
} from '../support/ferry';
import { useTempDirs } from '../support/temp';

const newDir = useTempDirs();

/**
 * `ferry` commands while the data folder is held — by `ferry serve` or `ferry run` — go to that
 * running Ferry through its local API and behave as they do alone: same output, same exit codes.
 */

const servers: ServeProcess[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

/** The same commands, on a folder nobody holds and on one `ferry serve` holds. */
const SCRIPT = (out: string): string[][] => [
  ['connection', 'add', '--name', 'c', '--project', '7', '--folder', out],
  ['connection', 'update', 'c', '--gzip-level', '9'],
  ['org', 'add', '--id', '2', '--name', 'Second'],
  ['export', 'c', '--hour', '2026-03-01T05'],
  ['backfill', 'c', '--from', '2026-03-01T00', '--to', '2026-03-01T02'],
  ['connection', 'add', '--name', 'c', '--project', '7', '--folder', out], // taken: exit 1
  ['export', 'c', '--hour', '2026-03-01T5'], // wrong hour: exit 2
  ['export', 'nope', '--hour', '2026-03-01T05'], // no such connection: exit 1
  ['--json', 'jobs', 'c'],
];

/** What stays the same between two runs: ids and timings aside. */
const same = (r: RunResult) => ({
  code: r.code,
  stdout: r.stdout
    // Job ids first: a job id's time part may end in "cn" ("j_mabcn_…"), which the connection
    // rule would cut in two.
    .replace(/\bj_[a-z0-9_]+/g, 'j_…')
    .replace(/\bcn_[a-z0-9]+/g, 'cn_…')
    .replace(/"(createdAt|updatedAt|startedAt|finishedAt)": "[^"]+"/g, '"$1": "…"')
    .replace(/"durationMs": \d+/g, '"durationMs": …')
    .replace(/in \d+(\.\d+)? s/g, 'in … s')
    .replace(/\/tmp\/[^/\s"]+/g, '/tmp/…')
    // Hours of a backfill finish in any order, alone or not.
    .split('\n')
    .sort(),
  stderr: r.stderr.replace(/cn_[a-z0-9]+/g, 'cn_…'),
});

async function seeded(): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await newDir();
  const env = { FERRY_DATA_DIR: dir, FERRY_CLOCK_START: '2026-03-02T12:00:00Z' };
  for (const args of [
    ['org', 'add', '--id', '1', '--name', 'Acme'],
    ['project', 'add', '--id', '7', '--org', '1', '--name', 'Web', '--source', 'demo'],
  ]) {
    const r = await runFerry(args, env);
    expect(r.code, r.stderr).toBe(0);
  }
  return { dir, env };
}

describe('the command line while a Ferry runs the data folder', () => {
  it('sends changes to ferry serve: the same output and exit codes as alone', async () => {
    const alone = await seeded();
    const held = await seeded();
    const server = await startServe(held.dir, ['--no-schedule'], {
      FERRY_CLOCK_START: '2026-03-02T12:00:00Z',
    });
    servers.push(server);
    const record = join(held.dir, 'local-api.json');
    expect((await stat(record)).mode & 0o777).toBe(0o600);

    const codes: (number | null)[] = [];
    for (const args of SCRIPT('/tmp/out-placeholder')) {
      const a = await runFerry(
        args.map((x) => (x === '/tmp/out-placeholder' ? join(alone.dir, 'out') : x)),
        alone.env,
      );
      const b = await runFerry(
        args.map((x) => (x === '/tmp/out-placeholder' ? join(held.dir, 'out') : x)),
        held.env,
      );
      expect(same(b), args.join(' ')).toEqual(same(a));
      codes.push(b.code);
    }
    expect(codes).toEqual([0, 0, 0, 0, 0, 1, 2, 1, 0]);
    // What the commands did is the server's own state (it holds the folder), and on disk.
    const config = JSON.parse(await readFile(join(held.dir, 'config.json'), 'utf8')) as {
      organizations: { id: number }[];
      connections: { name: string; options: { gzipLevel: number } }[];
    };
    expect(config.organizations.map((o) => o.id)).toEqual([1, 2]);
    expect(config.connections).toMatchObject([{ name: 'c', options: { gzipLevel: 9 } }]);

    // status says whom it asked.
    const status = await runFerry(['status'], held.env);
    expect(status.stdout).toMatch(
      new RegExp(
        `^Asked ferry serve \\(pid ${server.child.pid}\\), which runs this data folder\\.`,
      ),
    );
    expect((await runFerry(['status'], alone.env)).stdout).toMatch(
      /^Read from the data folder .* \(no running Ferry answered\)\./,
    );
    // Stopped: its record goes with it, and the next command opens the folder itself.
    expect(await server.stop()).toBe(0);
    await expect(stat(record)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await runFerry(['org', 'add', '--id', '3', '--name', 'Third'], held.env)).code).toBe(0);
  });

  it('sends them to ferry run too; a record others can read is never used', async () => {
    const { dir, env } = await seeded();
    const run = spawn(process.execPath, [FERRY_BIN, 'run'], {
      env: { ...process.env, ...env, FERRY_DEMO: '0' },
    });
    try {
      const record = join(dir, 'local-api.json');
      await expect
        // Until `ferry run` has started (the default second is too short beside a loaded CI).
        .poll(
          () =>
            stat(record).then(
              () => true,
              () => false,
            ),
          { timeout: 30_000 },
        )
        .toBe(true);
      const added = await runFerry(
        ['connection', 'add', '--name', 'r', '--project', '7', '--folder', join(dir, 'out')],
        env,
      );
      expect(added.code, added.stderr).toBe(0);
      const exported = await runFerry(['export', 'r', '--hour', '2026-03-01T05'], env);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stdout).toMatch(/1 of 1 job succeeded/);
      expect((await runFerry(['status'], env)).stdout).toMatch(/^Asked ferry run \(pid \d+\)/);

      // Readable by others: its token is not sent; the folder is refused as held.
      await chmod(record, 0o644);
      const refused = await runFerry(['org', 'add', '--id', '5', '--name', 'Five'], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/local-api\.json can be read by other users \(mode 644\)/);
      expect(refused.stderr).toMatch(/already in use by ferry run/);
    } finally {
      run.kill('SIGTERM');
      await new Promise((resolve) => run.once('exit', resolve));
    }
  });

  it('Ctrl-C of a sent export cancels it in the running Ferry, and exits 130 as alone', async () => {
    const { dir, env } = await seeded();
    for (const args of [
      ['project', 'add', '--id', '8', '--org', '1', '--name', 'Big', '--source', 'demo'],
      ['project', 'update', '8', '--events-per-hour', '3000000'],
      ['connection', 'add', '--name', 'big', '--project', '8', '--folder', join(dir, 'big')],
    ]) {
      const r = await runFerry(args, env);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const server = await startServe(dir, ['--no-schedule'], {
      FERRY_CLOCK_START: '2026-03-02T12:00:00Z',
    });
    servers.push(server);
    const exporting = spawn(
      process.execPath,
      [FERRY_BIN, 'export', 'big', '--hour', '2026-03-01T05'],
      {
        env: { ...process.env, ...env, FERRY_DEMO: '0' },
      },
    );
    const exited = new Promise<number | null>((resolve) => exporting.once('exit', resolve));
    const jobs = async () =>
      (
        JSON.parse((await runFerry(['--json', 'jobs', 'big'], env)).stdout) as {
          items: { status: string; cancelledBy?: string }[];
        }
      ).items;
    // Running in the server (a state to wait for), then Ctrl-C here.
    await expect.poll(async () => (await jobs())[0]?.status, { timeout: 30_000 }).toBe('running');
    exporting.kill('SIGINT');
    expect(await exited).toBe(130);
    expect((await jobs())[0]).toMatchObject({ status: 'cancelled' });
  });
});
