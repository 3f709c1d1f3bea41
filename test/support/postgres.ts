import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './moto';

/**
 * A throwaway PostgreSQL cluster for tests: `initdb` and `pg_ctl` from the machine's PostgreSQL
 * server (Debian's `postgresql` package: `/usr/lib/postgresql/<version>/bin`, or `FERRY_PG_BIN`),
 * in a temp folder, on a free port of 127.0.0.1, run as a user that is not root (PostgreSQL
 * refuses root). Stopped and removed by `stop()`, and at the latest when the test process exits.
 */
export interface Postgres {
  /** `postgres://…` of the cluster's maintenance database. */
  readonly url: string;
  readonly port: number;
  /** A new, empty database; returns its URL. */
  database(): Promise<string>;
  /** Stop the server now, as a crash would (`pg_ctl -m immediate`); `start()` brings it back. */
  kill(): void;
  start(): void;
  stop(): Promise<void>;
}

const USER = 'ferry';

/** The folder holding `initdb` and `pg_ctl`: FERRY_PG_BIN, the newest Debian one, or PATH's. */
export function postgresBin(): string | null {
  const fromEnv = process.env.FERRY_PG_BIN;
  if (fromEnv) return existsSync(join(fromEnv, 'initdb')) ? fromEnv : null;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  return which.status === 0 ? join(which.stdout.trim(), '..') : null;
}

/** Who runs the server: this user, or — when the tests run as root — `postgres` or `nobody`. */
function serverUser(): { name: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    const id = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (id.status === 0 && gid.status === 0)
      return { name, uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error(
    'The tests run as root and there is no "postgres" or "nobody" user to run PostgreSQL as.',
  );
}

export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBin();
  if (!bin)
    throw new Error(
      'No PostgreSQL server was found, so the team-mode tests can not run. Install it (Debian: apt-get install postgresql) or set FERRY_PG_BIN to the folder holding initdb and pg_ctl.',
    );
  const owner = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'ferry-pg-'));
  chmodSync(dir, 0o700);
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const run = (command: string, args: string[]) => {
    const [file, argv] = owner
      ? ['runuser', ['-u', owner.name, '--', join(bin, command), ...args]]
      : [join(bin, command), args];
    execFileSync(file, argv, { stdio: 'pipe', cwd: dir });
  };
  run('initdb', ['-D', data, '-U', USER, '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    // A throwaway cluster: nothing in it must outlive a crash of the machine.
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  const start = () =>
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      options,
      'start',
    ]);
  const kill = () => run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  start();
  let running = true;
  const cleanup = () => {
    if (running) {
      running = false;
      try {
        kill();
      } catch {
        // Already stopped.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  const url = `postgres://${USER}@127.0.0.1:${port}/postgres`;
  let made = 0;
  return {
    url,
    port,
    async database() {
      const name = `t${process.pid}_${++made}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://${USER}@127.0.0.1:${port}/${name}`;
    },
    kill() {
      kill();
    },
    start() {
      start();
    },
    async stop() {
      process.off('exit', cleanup);
      cleanup();
    },
  };
}

/** Run one SQL statement on `url` with a connection of its own; its rows. */
export async function sqlRows<T extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  text: string,
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}
