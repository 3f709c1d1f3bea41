import { performance } from 'node:perf_hooks';
import { FerryError } from '../../../shared/api/errors';
import { canonicalJson } from '../../../shared/aws/policies';
import type { Backup } from '../../../shared/model/settings';
import type { LiveDocument } from './live-docs';

/** Writes of one document before Ferry gives up on a writer that keeps interleaving. */
export const MERGE_TRIES = 4;

export interface DocumentChange {
  doc: LiveDocument;
  /**
   * The document to write over `current`: Ferry's statements merged in, or taken out, and every
   * other statement kept. Applying it twice changes nothing more (`change(change(x)) = change(x)`).
   */
  change(current: string | null): string | null;
  /** Keep what is about to be replaced (a backup), before each write. */
  keep(current: string | null): Promise<Backup>;
  /** Wait this long (tests pass a fake). */
  sleep?(ms: number): Promise<void>;
}

export interface ChangeResult {
  /** The document before the first write (null: none). */
  before: string | null;
  /** The document as read back after the last write. */
  after: string | null;
  /** One backup per write. */
  backups: Backup[];
}

/**
 * Change a policy document that another writer — a second Ferry, a colleague in the console —
 * may change at the same moment. AWS offers no conditional write for policies, so: read, merge
 * onto what is there, write, wait, read back. If the read-back no longer holds the change (a
 * writer who read before this write wrote after it), merge onto *their* document and write
 * again. Nothing of theirs is dropped, and ours is in when this returns.
 *
 * The wait is twice as long as this read and write took (at least 0.3 s, at most 3 s): a writer
 * whose own read came before our write has landed its write by then.
 */
export async function changeDocument(c: DocumentChange): Promise<ChangeResult> {
  const sleep = c.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const backups: Backup[] = [];
  let started = performance.now();
  let current = await c.doc.read();
  const before = current;
  for (let attempt = 1; attempt <= MERGE_TRIES; attempt++) {
    const next = c.change(current);
    if (sameDocument(next, current)) return { before, after: current, backups };
    backups.push(await c.keep(current));
    await c.doc.write(next);
    const took = performance.now() - started;
    await sleep(Math.min(3_000, Math.max(300, 2 * took)));
    started = performance.now();
    current = await c.doc.read();
    if (sameDocument(c.change(current), current)) return { before, after: current, backups };
  }
  throw new FerryError(
    'conflict',
    `Another writer kept changing the ${c.doc.kind.replace('-', ' ')} of ${c.doc.target} while Ferry changed it (${MERGE_TRIES} tries). Nothing of theirs was removed; apply again in a moment.`,
  );
}

/**
 * Whether two policy documents say the same: key order, white space and the order of lists
 * (statements, actions, resources — none of which AWS gives a meaning) aside.
 */
export function sameDocument(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return canonical(a) === canonical(b);
}

function canonical(text: string): string {
  try {
    return canonicalJson(JSON.parse(text));
  } catch {
    return text.trim();
  }
}
