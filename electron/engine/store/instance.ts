import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomic';

/** Who this data folder is to the outside world (a destination's claim names it). */
export interface Instance {
  /** Random, made once with the data folder: another folder on the same host is another Ferry. */
  id: string;
  /** This computer's name, as it is now (for people reading a claim). */
  host: string;
  dataDir: string;
}

const FILE = 'instance.json';
const stored = z.object({ id: z.string().regex(/^[a-f0-9]{16}$/), createdAt: z.string() });

/**
 * The data folder's identity, from `instance.json` (created on first use, 0600). A damaged
 * file gets a new identity: this folder then looks like another Ferry to destinations it had
 * claimed, which refuse it until it takes them over — never the other way round. A read-only
 * process gets a passing identity and writes nothing.
 */
export async function loadInstance(
  dataDir: string,
  now: () => Date,
  readOnly = false,
): Promise<Instance> {
  const path = join(dataDir, FILE);
  const found = stored.safeParse(
    await readFile(path, 'utf8').then(
      (text) => JSON.parse(text) as unknown,
      () => null,
    ),
  );
  let id = found.success ? found.data.id : null;
  if (!id) {
    id = randomBytes(8).toString('hex');
    // A process that only looks never writes: it claims nothing either.
    if (!readOnly)
      await writeFileAtomic(
        path,
        `${JSON.stringify({ id, createdAt: now().toISOString() }, null, 2)}\n`,
      );
  }
  return { id, host: hostname(), dataDir };
}
