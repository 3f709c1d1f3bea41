import { readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { FerryError } from '../../shared/api/errors';
import type { Engine } from '../engine';
import { isAlive, readLockOwner, writeFileAtomic } from '../engine';
import { startServer } from './index';

/**
 * The running Ferry's door for the command line. A process that holds a data folder and runs
 * for a while — `ferry serve`, `ferry run`, the desktop app — answers the API contract on
 * 127.0.0.1 and writes where and how to `local-api.json` in the folder: its address, a fresh
 * token, and the lock it holds. The file is readable by its owner only (0600); a `ferry`
 * command that finds the folder held sends its calls there instead of refusing.
 */
export const LOCAL_API_FILE = 'local-api.json';

const localApiRecord = z.object({
  origin: z.string().regex(/^http:\/\/127\.0\.0\.1:\d+$/),
  token: z.string().min(32),
  /** The token of the lock this process holds: a record is used only with its lock. */
  lockToken: z.string(),
  pid: z.number().int(),
  hostname: z.string(),
  role: z.string(),
  startedAt: z.string(),
});
export type LocalApiRecord = z.infer<typeof localApiRecord>;

export interface LocalApi {
  readonly record: LocalApiRecord;
  /** Remove the record (when it is still this process's) and stop answering. */
  close(): Promise<void>;
}

/** Answer the API for the command line, and say where in the data folder. */
export async function startLocalApi(engine: Engine): Promise<LocalApi> {
  const holder = engine.holder;
  if (!holder?.token)
    throw new FerryError('internal', 'Only the process holding the data folder takes commands.');
  const server = await startServer({ engine, staticDir: null, port: 0 });
  const record: LocalApiRecord = {
    origin: server.origin,
    token: server.token,
    lockToken: holder.token,
    pid: process.pid,
    hostname: hostname(),
    role: holder.role,
    startedAt: new Date().toISOString(),
  };
  const path = join(engine.dataDir, LOCAL_API_FILE);
  await writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`);
  let closed = false;
  return {
    record,
    async close() {
      if (closed) return;
      closed = true;
      // A record another process wrote since (it holds the folder now) is left alone.
      const now = await readRecord(path).catch(() => null);
      if (now?.token === record.token) await rm(path, { force: true });
      await server.close();
    },
  };
}

/**
 * The running Ferry that holds `dataDir` and takes commands, or null when none does (nobody
 * holds it, the holder takes none, or the record is left from a process that is gone).
 *
 * The record is used only when it is this user's own file, readable by nobody else, and names
 * the lock held now: a token another user could read, or one left by a crashed process, is
 * never sent anywhere.
 */
export async function findLocalApi(dataDir: string): Promise<LocalApiRecord | null> {
  const path = join(dataDir, LOCAL_API_FILE);
  const info = await stat(path).catch(() => null);
  if (!info) return null;
  if (process.platform !== 'win32') {
    const uid = process.getuid?.();
    if (uid !== undefined && info.uid !== uid)
      throw new FerryError(
        'forbidden',
        `${path} belongs to another user (uid ${info.uid}): Ferry does not send commands to another user's process.`,
      );
    if ((info.mode & 0o077) !== 0)
      throw new FerryError(
        'forbidden',
        `${path} can be read by other users (mode ${(info.mode & 0o777).toString(8)}): its token is not used. Stop the running Ferry and start it again (it writes the file for its owner only).`,
      );
  }
  const record = await readRecord(path).catch(() => null);
  if (!record || record.hostname !== hostname()) return null;
  const owner = await readLockOwner(dataDir);
  if (!owner || owner.token !== record.lockToken) return null;
  // Killed (kill -9, a crash): its files are left, it answers nothing.
  return isAlive(record.pid) ? record : null;
}

async function readRecord(path: string): Promise<LocalApiRecord | null> {
  const parsed = localApiRecord.safeParse(JSON.parse(await readFile(path, 'utf8')));
  return parsed.success ? parsed.data : null;
}
