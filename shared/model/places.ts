/**
 * Where a connection's files go, and what a move of them means: the place a job records
 * (`writtenTo`), whether two places are one, the words for a move and for hours a reconcile left
 * at the place they went to. Pure, shared by the engine, the CLI and the console.
 *
 * Apart from describe.ts on purpose: the connections list (the console's first page) imports
 * that, and what only the form, the job panel and the reconcile dialog use stays out of its code.
 */
import { plural } from '../format';
import type { Destination } from './entities';
import type { ExportPlace } from './jobs';

/** Where a destination's files go (what a job records as `writtenTo`). */
export function exportPlaceOf(destination: Destination): ExportPlace {
  return destination.type === 'folder'
    ? { type: 'folder', path: destination.path }
    : {
        type: 's3',
        bucket: destination.bucket,
        prefix: destination.prefix,
        endpoint: destination.endpoint ?? null,
      };
}

/** True when two places are one: the same folder, or the same store, bucket and prefix. */
export function samePlace(a: ExportPlace, b: ExportPlace): boolean {
  if (a.type === 'folder') return b.type === 'folder' && a.path === b.path;
  if (b.type === 'folder') return false;
  return a.endpoint === b.endpoint && a.bucket === b.bucket && a.prefix === b.prefix;
}

/**
 * Whether a job's files are at `here`: it wrote there, or it is from a Ferry that did not record
 * where (its files are where the connection was then, taken to be here).
 */
export function wroteHere(job: { writtenTo: ExportPlace | null }, here: ExportPlace): boolean {
  return job.writtenTo === null || samePlace(job.writtenTo, here);
}

/**
 * A place as a person reads it: `s3://bucket/prefix` (with ` on <endpoint>` where `store` asks
 * for it and the store is not AWS) or the folder path.
 */
export function describePlace(place: ExportPlace, store = true): string {
  if (place.type === 'folder') return place.path;
  const where = `s3://${place.bucket}/${place.prefix}`;
  return store && place.endpoint ? `${where} on ${place.endpoint}` : where;
}

/**
 * Where a change of destination moves a connection's exports — another bucket, prefix,
 * S3-compatible store or folder — with both places named (the store only where the move changes
 * it); null when the files go where they went.
 */
export function destinationMove(
  before: Destination,
  after: Destination,
): { from: string; to: string } | null {
  const [from, to] = [exportPlaceOf(before), exportPlaceOf(after)];
  if (samePlace(from, to)) return null;
  const store = !(from.type === 's3' && to.type === 's3' && from.endpoint === to.endpoint);
  return { from: describePlace(from, store), to: describePlace(to, store) };
}

/**
 * What moving a connection's exports does, as the console and the CLI say it: nothing already
 * exported goes along.
 */
export function moveConsequences(move: { from: string; to: string }): string {
  return `Hours exported so far stay in ${move.from}, and the job history still counts them as exported. From now on, Ferry exports to ${move.to}; to have earlier hours there too, backfill them.`;
}

/**
 * What a reconcile says of hours exported to another place before the connection moved: one
 * sentence per place, as the console and the CLI both say it.
 */
export function elsewhereSentences(
  elsewhere: readonly { hour: string; place: string }[],
  /** How an hour is written (the console: its time format and zone). */
  hourText: (hour: string) => string = (hour) => hour,
): string[] {
  const byPlace = new Map<string, Set<string>>();
  for (const { hour, place } of elsewhere)
    byPlace.set(place, (byPlace.get(place) ?? new Set()).add(hour));
  return [...byPlace].map(([place, hours]) => {
    const sorted = [...hours].sort();
    const [first, last] = [hourText(sorted[0]!), hourText(sorted[sorted.length - 1]!)];
    const which = sorted.length === 1 ? first : `${first} to ${last}`;
    return `${plural(sorted.length, 'hour')} (${which}) went to ${place}, where this connection exported before it moved: not checked here.`;
  });
}
