import { mkdir, rmdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p` that gives the disk's own reason when it fails, and always ends.
 *
 * Not Node's recursive mkdir: it answers ENOENT where the disk said EROFS (a read-only mount;
 * seen with Node 22), which reads as a folder that went away — a passing fault, to retry — and
 * where a disk refuses a new folder with ENOENT although its parent is there (`/proc/x`, some
 * FUSE and network file systems), it retries forever at full CPU (Node 22), hanging the save or
 * the export that asked. This finds the nearest part of the path that exists, then makes each
 * missing folder below it with a plain mkdir, whose error is the disk's own.
 *
 * @returns the first folder it made (the top of the new ones), or undefined when the whole path
 *   was there already — what `unmakeFolder` takes back.
 */
export async function makeFolder(path: string, mode: number): Promise<string | undefined> {
  const missing: string[] = [];
  let at = resolve(path);
  let found = await lookAt(at);
  while (found === 'missing') {
    missing.unshift(at);
    if (dirname(at) === at) break;
    at = dirname(at);
    found = await lookAt(at);
  }
  // All there, but not a folder (a file of that name): the disk's own EEXIST.
  if (missing.length === 0 && found !== 'folder') await mkdir(path, { mode });
  let top: string | undefined;
  for (const folder of missing) {
    const made = await mkdir(folder, { mode }).then(
      () => true,
      async (error: NodeJS.ErrnoException) => {
        // Made meanwhile (two exports of one hour's folder at once): go on.
        if (error.code === 'EEXIST' && (await lookAt(folder)) === 'folder') return false;
        throw error;
      },
    );
    if (made) top ??= folder;
  }
  return top;
}

/**
 * What one stat says is at `path`: a folder (or a link to one), nothing, or something else — a
 * file, or an error other than "not there" (what is there can not be told, so it is not made).
 */
async function lookAt(path: string): Promise<'folder' | 'missing' | 'other'> {
  return stat(path).then(
    (s) => (s.isDirectory() ? 'folder' : 'other'),
    (error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' || error.code === 'ENOTDIR' ? 'missing' : 'other',
  );
}

/**
 * Take back what `makeFolder(path)` made, `top` being its answer: each folder from `path` up to
 * `top`, and only while empty — a folder something was put in meanwhile stays, with those above.
 */
export async function unmakeFolder(path: string, top: string): Promise<void> {
  for (let folder = path; ; folder = dirname(folder)) {
    if (
      !(await rmdir(folder).then(
        () => true,
        () => false,
      ))
    )
      return;
    if (folder === top || dirname(folder) === folder) return;
  }
}
