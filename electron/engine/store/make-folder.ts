import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * `mkdir -p` that gives the disk's own reason when it fails.
 *
 * Node's recursive mkdir answers ENOENT ("no such file or directory") where the disk said EROFS
 * (a read-only mount; seen with Node 22), which reads as a folder that went away — a passing
 * fault, to retry — instead of a destination Ferry can not write. On ENOENT this asks the disk
 * directly: a plain mkdir of the first missing folder, whose error is the true one.
 */
export async function makeFolder(path: string, mode: number): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  let missing = path;
  while (dirname(missing) !== missing && !(await isFolder(dirname(missing))))
    missing = dirname(missing);
  await mkdir(missing, { mode }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error; // made meanwhile: go on
  });
  // Only reached when the disk allowed it after all (a race): finish the path.
  await mkdir(path, { recursive: true, mode });
}

async function isFolder(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
