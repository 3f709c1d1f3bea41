import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../store/lock';

/**
 * Where an Amplitude download is kept while its hour is exported, and how downloads a killed
 * process left behind are found and removed.
 *
 * A download is the hour's raw events (up to 4 GB), removed when the hour's export ends — unless
 * the process is killed first (kill -9, a crash, power). Its name says which process holds it,
 * `amplitude-<hour>.<pid>@<host>.<random>.zip`, so a later download (by any Ferry on this data
 * folder) removes those whose process is gone, and never one a running export still reads.
 */
const NAME = /^amplitude-[^.]*\.(\d+)@(.+)\.[0-9a-f]{8}\.zip$/;
/** Downloads from before names said their process (`amplitude-<hour>-<random>.zip`). */
const OLD_NAME = /^amplitude-.*\.zip$/;
/**
 * A download older than this is left over whoever held it: no hour's export takes days (the
 * download stalls out after a minute). Used where the process can not be asked: another
 * computer's, or a name that does not say.
 */
export const LEFTOVER_AGE_MS = 2 * 24 * 3_600_000;

/** This computer's name as download names carry it: letters, digits, dots and dashes only. */
const thisHost = () => hostname().replace(/[^A-Za-z0-9.-]/g, '_');

/** A new download's path in `dir`, named for this process. */
export function downloadPath(dir: string, hour: string): string {
  return join(
    dir,
    `amplitude-${hour}.${process.pid}@${thisHost()}.${randomBytes(4).toString('hex')}.zip`,
  );
}

/**
 * Remove the downloads in `dir` left by processes of this computer that are gone, and any older
 * than LEFTOVER_AGE_MS (another computer's, a name that does not say, a process id in use again).
 * Returns the names removed; a folder not there yet has none, and one that can not be removed
 * now is left for the next sweep.
 */
export async function sweepDownloads(
  dir: string,
  now = Date.now(),
  alive: (pid: number) => boolean = isAlive,
): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const host = thisHost();
  const removed: string[] = [];
  for (const name of names) {
    if (!OLD_NAME.test(name)) continue;
    const owner = NAME.exec(name);
    const pid = owner && owner[2] === host ? Number(owner[1]) : null;
    let leftover = pid !== null && pid !== process.pid && !alive(pid);
    if (!leftover) {
      // Another computer's, a name that does not say, or a process id in use again.
      const info = await stat(join(dir, name)).catch(() => null);
      leftover = info !== null && now - info.mtimeMs > LEFTOVER_AGE_MS;
    }
    if (!leftover) continue;
    // One the disk will not remove (held open on Windows, by a virus scanner say) waits for the
    // next sweep: it never stands in the way of the download that asked.
    const gone = await rm(join(dir, name), { force: true }).then(
      () => true,
      () => false,
    );
    if (gone) removed.push(name);
  }
  return removed;
}
