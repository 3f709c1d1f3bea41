/**
 * The query copy's index of an upload hour (shared/model/query-format.ts `queryIndexKey`): the
 * keys of the hour's files in every date. The commit writes it listing the new files and the
 * earlier ones before anything is made visible, and listing the new ones alone once the earlier
 * are deleted — so whatever a kill leaves, the index names every file of the hour there may be.
 */
import { z } from 'zod';
import { isQueryCopyOf, queryIndexKey } from '../../../shared/model/query-format';
import type { Sink } from '../sinks/types';

const indexSchema = z.object({
  version: z.literal(1),
  projectId: z.number(),
  hour: z.string(),
  keys: z.array(z.string()),
});

/** The index is not one Ferry wrote: files of the hour could be missed, so nothing is written. */
export class QueryIndexUnreadable extends Error {
  readonly fix: string;
  constructor(where: string) {
    super(`The query copy's index ${where} is not one Ferry can read.`);
    this.name = 'QueryIndexUnreadable';
    this.fix =
      'Something other than Ferry changed it. Delete the index and the copy files it named (or the whole date folders of this hour), then export the hour again.';
  }
}

export function queryIndexText(projectId: number, hour: string, keys: string[]): string {
  return `${JSON.stringify({ version: 1, projectId, hour, keys: [...keys].sort() }, null, 2)}\n`;
}

/** The keys the hour's index names now ([] when there is none). */
export async function indexedKeys(
  sink: Sink,
  prefix: string,
  projectId: number,
  hour: string,
): Promise<string[]> {
  const key = queryIndexKey(prefix, projectId, hour);
  const body = await sink.readObject(key);
  if (body === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new QueryIndexUnreadable(sink.describe(key));
  }
  const index = indexSchema.safeParse(parsed);
  if (!index.success || index.data.hour !== hour || index.data.projectId !== projectId)
    throw new QueryIndexUnreadable(sink.describe(key));
  // Only this hour's own copy names: an index can not send a deletion anywhere else.
  if (!index.data.keys.every((k) => isQueryCopyOf(k, prefix, projectId, hour)))
    throw new QueryIndexUnreadable(sink.describe(key));
  return index.data.keys;
}
