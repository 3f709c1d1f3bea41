import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { FerryError } from '../../../shared/api/errors';
import { writeFileAtomic } from './atomic';

/** Who holds a data dir: shown to the second process that is refused. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** What is running, e.g. "ferry serve" or "Ferry desktop app". */
  role: string;
  startedAt: string;
  /** Unique per acquisition: a holder knows its record from a new owner's. */
  token?: string;
}

export interface DataDirLock {
  /** This process's record as the holder (its `token` is unique to this acquisition). */
  readonly owner: LockOwner;
  /** Why this process lost the lock, once it has. */
  readonly lost: string | null;
  /**
   * Throw a `locked` error when this process no longer holds the folder (another process took
   * it over, or the lock was removed): called before every write, so a process that lost its
   * lock never writes over the new owner's data.
   */
  check(): void;
  release(): Promise<void>;
}

const LOCK_NAME = 'ferry.lock';
const OWNER_NAME = 'ferry.lock.json';
const CLAIM_NAME = 'ferry.lock.claim';
/** The lock folder's mtime is refreshed this often while its owner runs. */
const HEARTBEAT_MS = 5_000;
/** A lock held from another host (a shared folder) is stale after this long without a beat. */
const OTHER_HOST_STALE_MS = 2 * 60_000;
/** A lock whose owner record is missing or not its own (a crash between the two writes). */
const UNOWNED_STALE_MS = 60_000;
/** proper-lockfile's own idea of stale: never, in practice — the rules above decide. */
const LIBRARY_STALE_MS = 7 * 24 * 3_600_000;

/**
 * Make this process the only one using a data dir, or refuse with who already does.
 *
 * proper-lockfile holds a lock folder and refreshes its mtime while we run. A lock is taken
 * over only when its holder is gone: on this host when its pid is no longer alive — however
 * long it has been stopped or busy — and from another host when it has not been refreshed for
 * two minutes. Locking and taking over are serialised by a short-lived claim, so two starting
 * processes can not both take over a dead holder's lock. When this process finds its own lock gone or
 * re-taken, `onLost` is called once and every later `check()` throws.
 */
export async function acquireDataDirLock(
  dataDir: string,
  role: string,
  onLost: (message: string) => void = () => undefined,
): Promise<DataDirLock> {
  const lockfilePath = join(dataDir, LOCK_NAME);
  const ownerPath = join(dataDir, OWNER_NAME);
  let lost: string | null = null;
  const lose = (message: string) => {
    if (lost) return;
    lost = message;
    onLost(message);
  };
  const options = {
    lockfilePath,
    realpath: false,
    stale: LIBRARY_STALE_MS,
    update: HEARTBEAT_MS,
    retries: 0,
    onCompromised: (error: Error) =>
      lose(`The lock on ${dataDir} was lost (${error.message}); Ferry stopped writing there.`),
  };
  const me: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    role,
    startedAt: new Date().toISOString(),
    token: randomBytes(12).toString('hex'),
  };

  // The lock and its owner record are written under one claim, so no process ever sees a lock
  // with an owner record that is not its own.
  const release = await underClaim(dataDir, async () => {
    let unlock: () => Promise<void>;
    try {
      unlock = await lockfile.lock(dataDir, options);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      const owner = await readOwner(ownerPath);
      const age = (await ageOf(lockfilePath)) ?? Infinity;
      if (!holderIsGone(owner, age)) throw lockedError(dataDir, owner);
      // Rename the dead holder's lock away (atomic), then lock afresh.
      const aside = `${lockfilePath}.stale-${randomBytes(4).toString('hex')}`;
      await rename(lockfilePath, aside).catch(() => undefined);
      await rm(aside, { recursive: true, force: true });
      unlock = await lockfile.lock(dataDir, options).catch((again: NodeJS.ErrnoException) => {
        throw again.code === 'ELOCKED' ? lockedError(dataDir, owner) : again;
      });
    }
    try {
      await writeFileAtomic(ownerPath, `${JSON.stringify(me, null, 2)}\n`);
    } catch (error) {
      await unlock().catch(() => undefined);
      throw error;
    }
    return unlock;
  });

  let released = false;
  return {
    owner: me,
    get lost() {
      return lost;
    },
    check() {
      if (released) throw new FerryError('locked', `The data folder ${dataDir} is closed.`);
      if (!lost) {
        const owner = readOwnerSync(ownerPath);
        if (owner?.token !== me.token)
          lose(
            `Another process took over the data folder ${dataDir}${owner ? ` (${describeOwner(owner)})` : ''}; this Ferry stopped writing there.`,
          );
      }
      if (lost) throw new FerryError('locked', lost);
    },
    async release() {
      if (released) return;
      released = true;
      if (lost) return; // the folder is someone else's now: touch nothing
      await rm(ownerPath, { force: true });
      await release().catch(() => undefined);
    },
  };
}

/**
 * Run `step` holding the folder's claim (`ferry.lock.claim`, made with an atomic mkdir): only
 * one process at a time locks or takes over the folder. A claim left by a process that died
 * while holding it is cleared after a minute; a live one is waited for a moment.
 */
async function underClaim<T>(dataDir: string, step: () => Promise<T>): Promise<T> {
  const claim = join(dataDir, CLAIM_NAME);
  for (let tries = 0; ; tries++) {
    try {
      await mkdir(claim, { mode: 0o700 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await ageOf(claim);
      if (age !== null && age > UNOWNED_STALE_MS) {
        await rm(claim, { recursive: true, force: true });
        continue;
      }
      if (tries >= 40)
        throw new FerryError(
          'locked',
          `Another Ferry process is opening the data folder ${dataDir} right now; try again in a moment.`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await step();
  } finally {
    await rm(claim, { recursive: true, force: true });
  }
}

/**
 * Whether a lock's holder is gone: on this host when its pid is dead (or is this process's pid
 * reused after a restart); elsewhere when the lock has not been refreshed for two minutes; with
 * no owner record, when the lock is older than a minute.
 */
function holderIsGone(owner: LockOwner | null, lockAgeMs: number): boolean {
  if (!owner) return lockAgeMs > UNOWNED_STALE_MS;
  if (owner.hostname === hostname()) {
    if (owner.pid === process.pid)
      return Date.parse(owner.startedAt) < Date.now() - process.uptime() * 1000;
    return !isAlive(owner.pid);
  }
  return lockAgeMs > OTHER_HOST_STALE_MS;
}

async function ageOf(path: string): Promise<number | null> {
  const info = await stat(path).catch(() => null);
  return info ? Date.now() - info.mtimeMs : null;
}

function lockedError(dataDir: string, owner: LockOwner | null): FerryError {
  return new FerryError(
    'locked',
    `The data folder ${dataDir} is already in use by ${owner ? describeOwner(owner) : 'another Ferry process'}. Close it first, or use another folder with --data-dir.`,
  );
}

function describeOwner(owner: LockOwner): string {
  return `${owner.role} (pid ${owner.pid}${owner.hostname === hostname() ? '' : ` on ${owner.hostname}`}, started ${owner.startedAt})`;
}

/** Who holds a data dir now, from its owner record (null: nobody, or no record). */
export function readLockOwner(dataDir: string): Promise<LockOwner | null> {
  return readOwner(join(dataDir, OWNER_NAME));
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    return parseOwner(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
}

function readOwnerSync(path: string): LockOwner | null {
  try {
    return parseOwner(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * An owner record as read back, parsed — never cast. A record that is not one (torn, edited,
 * another program's) counts as no record: the lock is then judged by its age alone.
 */
const lockOwner = z.object({
  pid: z.number().int().positive(),
  hostname: z.string(),
  role: z.string(),
  startedAt: z.string(),
  token: z.string().optional(),
});

function parseOwner(text: string): LockOwner | null {
  const parsed = lockOwner.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : null;
}

/** Whether a process of this host is alive (one of another user's counts: EPERM). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
