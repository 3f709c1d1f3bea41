import { hostname } from 'node:os';
import { join } from 'node:path';
import { readFile, rm, rmdir } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import { FerryError } from '../../../shared/api/errors';
import { writeFileAtomic } from './atomic';

/** Who holds a data dir: shown to the second process that is refused. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** What is running, e.g. "ferry serve" or "Ferry desktop app". */
  role: string;
  startedAt: string;
}

export interface DataDirLock {
  release(): Promise<void>;
}

const LOCK_NAME = 'ferry.lock';
const OWNER_NAME = 'ferry.lock.json';

/**
 * Make this process the only one using a data dir, or refuse with who already does.
 *
 * proper-lockfile keeps a lock folder fresh while we run; a lock left by a process that died
 * (crash, SIGKILL) on this host is taken over at once when its pid is gone, and anywhere else
 * once it has not been refreshed for 10 seconds.
 */
export async function acquireDataDirLock(
  dataDir: string,
  role: string,
  onCompromised: (error: Error) => void = () => undefined,
): Promise<DataDirLock> {
  const lockfilePath = join(dataDir, LOCK_NAME);
  const ownerPath = join(dataDir, OWNER_NAME);
  const options = { lockfilePath, realpath: false, stale: 10_000, retries: 0, onCompromised };

  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dataDir, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const owner = await readOwner(ownerPath);
    if (owner && owner.hostname === hostname() && !isAlive(owner.pid)) {
      await rmdir(lockfilePath).catch(() => undefined);
      release = await lockfile.lock(dataDir, options).catch((again: NodeJS.ErrnoException) => {
        throw again.code === 'ELOCKED' ? lockedError(dataDir, owner) : again;
      });
    } else {
      throw lockedError(dataDir, owner);
    }
  }

  const me: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    role,
    startedAt: new Date().toISOString(),
  };
  await writeFileAtomic(ownerPath, `${JSON.stringify(me, null, 2)}\n`);
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await rm(ownerPath, { force: true });
      await release().catch(() => undefined);
    },
  };
}

function lockedError(dataDir: string, owner: LockOwner | null): FerryError {
  const who = owner
    ? `${owner.role} (pid ${owner.pid}${owner.hostname === hostname() ? '' : ` on ${owner.hostname}`}, started ${owner.startedAt})`
    : 'another Ferry process';
  return new FerryError(
    'locked',
    `The data folder ${dataDir} is already in use by ${who}. Close it first, or use another folder with --data-dir.`,
  );
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' ? owner : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
