import { mkdir, rmdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * `mkdir -p` that gives the disk's own reason when it fails.
 *
 * Node's recursive mkdir answers ENOENT ("no such file or directory") where the disk said EROFS
 * (a read-only mount; seen with Node 22), which reads as a folder that went away — a passing
 * fault, to retry — instead of a destination Ferry can not write. On ENOENT this asks the disk
 * directly: a plain mkdir of the first missing folder, whose error is the true one.
 *
 * @returns the first folder it made (the top of the new ones), or undefined when the whole path
 *   was there already — what `unmakeFolder` takes back.
 */
export async function makeFolder(path: string, mode: number): Promise<string | undefined> {
  try {
    return await mkdir(path, { recursive: true, mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let missing = path;
  while (dirname(missing) !== missing && !(await isFolder(dirname(missing))))
    missing = dirname(missing);
  const top = await mkdir(missing, { mode }).then(
    () => missing,
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error; // made meanwhile: go on
      return undefined;
    },
  );
  // Only reached when the disk allowed it after all (a race): finish the path.
  return (await mkdir(path, { recursive: true, mode })) ?? top;
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

async function isFolder(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
