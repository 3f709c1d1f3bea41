import type { Job } from '../../../shared/model/jobs';
import {
  eventObjectKey,
  eventObjectPrefix,
  mergedIdsObjectKey,
  partitionOf,
} from '../../../shared/model/export-format';
import type { Dataset } from '../../../shared/model/fields';
import { exportEventsHour } from '../pipeline/events';
import type { EventFilter, StagedFile } from '../pipeline/event-types';
import { exportMergedIdsHour } from '../pipeline/merged-ids';
import type { WorkerPool } from '../pipeline/pool';
import { markedFiles, markersFor, type QueryMarkers } from '../query/markers';
import type { Sink, StoredObject } from '../sinks/types';
import {
  isQueryCopyOf,
  queryMergedIdsObjectKey,
  queryRoot,
} from '../../../shared/model/query-format';
import { plural } from '../../../shared/format';
import { SourceError, type EventSource, type SourceHour } from '../sources/types';
import { replaceRefusal, type NewAnswer } from './replace-rule';

/** What one dataset of a written (staged) hour holds, as its job will record it. */
export interface StagedDataset {
  dataset: Dataset;
  counts: NonNullable<Job['counts']>;
  bytes: NonNullable<Job['bytes']>;
  objects: StagedFile[];
  /** Keys an earlier export of the hour wrote that this one does not: deleted after commit. */
  stale: string[];
  notes: string[];
  /** The events' query copy (docs/query-copy.md), committed with them. */
  query?: StagedQueryCopy;
}

/** The query copy of an hour, written: its files, the earlier copy's it replaces, its markers. */
export interface StagedQueryCopy {
  objects: StagedFile[];
  stale: string[];
  markers: QueryMarkers;
}

/** Every sealed object of a dataset, its query copy's included. */
export function stagedFiles(dataset: StagedDataset): StagedFile[] {
  return [...dataset.objects, ...(dataset.query?.objects ?? [])];
}

export interface HourToWrite {
  hour: string;
  datasets: Dataset[];
  projectId: number;
  orgId: number;
  /** The connection's key prefix (`''` for a folder). */
  prefix: string;
  source: EventSource;
  sink: Sink;
  pool: WorkerPool;
  options: {
    gzipLevel: number;
    partitionBytes: number;
    eventFilter: EventFilter | null;
    queryCopy?: boolean;
  };
  signal: AbortSignal;
  /** Upload ids / temp paths of commits still to be finished: cleanup leaves them alone. */
  keep: ReadonlySet<string>;
  /**
   * How many records (events, merges) Ferry's history says `objects` — an earlier export of the
   * hour, as listed — hold; null when the history does not describe exactly those objects.
   */
  recorded(dataset: Dataset, objects: StoredObject[]): Promise<number | null>;
  /** Throws when the hour has not ended by the time the destination and source gave. */
  hourEnded?(): void;
  onProgress?(progress: { events: number; bytes: number }): void;
}

/**
 * Write every chosen dataset of one hour, staged (nothing visible yet), from one opening of the
 * source: one Amplitude download serves both datasets.
 *
 * Before writing it removes what a killed earlier run left (unfinished uploads, temp files) and
 * lists what an earlier export of the hour holds, so the commit can delete partitions the new
 * export no longer has — and so that an exported hour never becomes smaller without the source's
 * well-formed word (`replace-rule.ts`): an empty, unreadable or partly unreadable answer fails the
 * hour and the files stay. On any failure or cancel every staged object is thrown away.
 */
export async function writeHour(task: HourToWrite): Promise<StagedDataset[]> {
  const { hour, sink, prefix, signal } = task;
  const mergedKey = mergedIdsObjectKey(prefix, task.orgId, hour);
  const wantEvents = task.datasets.includes('events');
  const wantMerged = task.datasets.includes('merged-ids');

  const withCopy = wantEvents && task.options.queryCopy === true;
  const mergedCopyKey =
    wantMerged && task.options.queryCopy === true
      ? queryMergedIdsObjectKey(prefix, task.orgId, hour)
      : null;
  const { cleanedUp, earlierEvents, earlierMerged, earlierCopy, earlierMergedCopy } =
    await earlierExport(task, {
      events: wantEvents,
      merged: wantMerged,
      copy: withCopy,
      mergedCopy: mergedCopyKey,
    });

  const written: StagedDataset[] = [];
  const source = await task.source.open(hour, signal);
  try {
    task.hourEnded?.();
    if (wantEvents) {
      const result = await exportEventsHour({
        hour,
        source,
        mixedHours: task.source.mixedHours,
        sink,
        pool: task.pool,
        objectKey: (n) => eventObjectKey(prefix, task.projectId, hour, n),
        partitionBytes: task.options.partitionBytes,
        gzipLevel: task.options.gzipLevel,
        filter: task.options.eventFilter,
        queryCopy: withCopy ? { prefix, projectId: task.projectId } : null,
        signal,
        onProgress: task.onProgress,
      });
      const query = withCopy ? queryCopyOf(task, result.queryObjects, earlierCopy) : undefined;
      written.push({
        dataset: 'events',
        counts: result.counts,
        bytes: result.bytes,
        objects: result.objects,
        stale: earlierEvents
          .filter((o) => partitionOf(o.key, prefix, task.projectId, hour)! > result.objects.length)
          .map((o) => o.key),
        notes: eventNotes(
          result.counts,
          result.badLineSamples,
          // A folder's files hold many hours; an answer for one hour should hold that hour only.
          task.source.kind === 'amplitude' ? result.otherHourLines : 0,
        ),
        query,
      });
      if (query) written.at(-1)!.notes.push(...queryNotes(query));
      await mayReplace(task, earlierEvents, {
        hour,
        dataset: 'events',
        count: result.counts.eventsOut,
        read: result.counts.eventsIn,
        badLines: result.counts.badLines,
        otherHours: result.otherHourLines,
        badSamples: result.badLineSamples,
      });
    }
    if (wantMerged)
      written.push(
        await writeMergedIds(task, source, {
          key: mergedKey,
          copyKey: mergedCopyKey,
          earlier: earlierMerged,
          earlierCopy: earlierMergedCopy,
        }),
      );
  } catch (error) {
    await Promise.allSettled(written.flatMap(stagedFiles).map((o) => sink.discard(o.staged)));
    throw error;
  } finally {
    await source.close();
  }
  if (cleanedUp > 0)
    written[0]?.notes.push(
      `Cleaned up ${plural(cleanedUp, `unfinished ${sink.staging}`)} of an interrupted earlier run.`,
    );
  return written;
}

/** The hour's merged Amplitude IDs (and their query copy), staged; refused as `mayReplace` says. */
async function writeMergedIds(
  task: HourToWrite,
  source: SourceHour,
  at: { key: string; copyKey: string | null; earlier: StoredObject[]; earlierCopy: StoredObject[] },
): Promise<StagedDataset> {
  const { hour, sink, signal } = task;
  const result = await exportMergedIdsHour({
    hour,
    source,
    mixedHours: task.source.mixedHours,
    sink,
    pool: task.pool,
    key: at.key,
    projectId: task.projectId,
    gzipLevel: task.options.gzipLevel,
    queryKey: at.copyKey,
    signal,
  });
  const objects = result.object ? [result.object] : [];
  const copyObjects = result.queryObject ? [result.queryObject] : [];
  const staged: StagedDataset = {
    dataset: 'merged-ids',
    counts: {
      eventsIn: result.merges,
      eventsOut: result.merges,
      duplicates: 0,
      filtered: 0,
      badLines: 0,
    },
    bytes: {
      raw: objects.reduce((sum, o) => sum + o.rawBytes, 0),
      compressed: objects.reduce((sum, o) => sum + o.bytes, 0),
    },
    objects,
    stale: objects.length === 0 ? at.earlier.map((o) => o.key) : [],
    notes: [
      ...mergedNotes(result.merges, result.derived),
      ...(copyObjects.length > 0 ? ['Query copy: 1 Parquet file.'] : []),
    ],
    // One file at a name the hour decides: rewritten in place, deleted when no merges are left.
    query: at.copyKey
      ? {
          objects: copyObjects,
          stale: copyObjects.length === 0 ? at.earlierCopy.map((o) => o.key) : [],
          markers: { add: [], remove: [] },
        }
      : undefined,
  };
  try {
    await mayReplace(task, at.earlier, {
      hour,
      dataset: 'merged-ids',
      count: result.merges,
      read: result.read,
      badLines: result.badLines,
      otherHours: 0,
      badSamples: [],
    });
  } catch (error) {
    // Not in `written` yet: its files are thrown away here.
    await Promise.allSettled(stagedFiles(staged).map((o) => sink.discard(o.staged)));
    throw error;
  }
  return staged;
}

/**
 * What an earlier export of the hour left: its files, as they are now (its leftovers of a killed
 * run removed first — `cleanedUp` of them).
 */
async function earlierExport(
  task: HourToWrite,
  want: { events: boolean; merged: boolean; copy: boolean; mergedCopy: string | null },
) {
  const { hour, sink, prefix, projectId } = task;
  const eventsPrefix = eventObjectPrefix(prefix, projectId, hour);
  const mergedKey = mergedIdsObjectKey(prefix, task.orgId, hour);
  let cleanedUp = 0;
  if (want.events) cleanedUp += await sink.cleanup(eventsPrefix, { keep: task.keep });
  if (want.merged) cleanedUp += await sink.cleanup(mergedKey, { keep: task.keep });
  if (want.mergedCopy) cleanedUp += await sink.cleanup(want.mergedCopy, { keep: task.keep });
  if (want.copy)
    cleanedUp += await sink.cleanup(`${queryRoot(prefix)}events/`, {
      keep: task.keep,
      // The copy's files of every project and hour share this prefix: only this hour's go.
      spare: (key) => !isQueryCopyOf(key, prefix, projectId, hour),
    });
  return {
    cleanedUp,
    earlierEvents: want.events
      ? await sink.partitions(eventsPrefix, (n) => eventObjectKey(prefix, projectId, hour, n))
      : [],
    earlierMerged: want.merged ? await sink.find([mergedKey]) : [],
    earlierCopy: want.copy ? await markedFiles(sink, prefix, projectId, hour) : [],
    earlierMergedCopy: want.mergedCopy ? await sink.find([want.mergedCopy]) : [],
  };
}

/** The copy's files, the earlier copy's files they replace, and the markers the commit writes. */
function queryCopyOf(task: HourToWrite, objects: StagedFile[], earlier: string[]): StagedQueryCopy {
  const keys = objects.map((o) => o.key);
  const fresh = new Set(keys);
  return {
    objects,
    stale: earlier.filter((k) => !fresh.has(k)),
    markers: markersFor(task.prefix, keys, earlier),
  };
}

function queryNotes(query: StagedQueryCopy): string[] {
  const dates = new Set(query.objects.map((o) => /event_date=([^/]+)/.exec(o.key)?.[1]));
  const notes =
    query.objects.length > 0
      ? [
          `Query copy: ${plural(query.objects.length, 'Parquet file')} in ${plural(dates.size, 'event date')}.`,
        ]
      : [];
  if (query.stale.length > 0)
    notes.push(
      `Removed ${plural(query.stale.length, 'query-copy file')} of an earlier export of this hour that this one no longer has.`,
    );
  return notes;
}

/** Throw when the new answer may not replace the earlier export of the hour (replace-rule). */
async function mayReplace(
  task: HourToWrite,
  earlier: StoredObject[],
  answer: NewAnswer,
): Promise<void> {
  const refusal = await replaceRefusal(answer, {
    files: earlier.map((o) => task.sink.describe(o.key)),
    count: () => task.recorded(answer.dataset, earlier),
  });
  if (refusal) throw new SourceError(refusal.message, refusal.fix, { code: refusal.code });
}

function eventNotes(
  counts: StagedDataset['counts'],
  badLineSamples: string[],
  otherHours: number,
): string[] {
  const notes: string[] = [];
  if (otherHours > 0)
    notes.push(
      `${plural(otherHours, 'event')} in the answer ${otherHours === 1 ? 'has' : 'have'} a server_upload_time outside this hour and ${otherHours === 1 ? 'was' : 'were'} left out: Ferry exports each event in the hour of its server_upload_time.`,
    );
  if (counts.badLines > 0)
    notes.push(
      `${plural(counts.badLines, 'bad line')} ${counts.badLines === 1 ? 'was' : 'were'} not exported: ${badLineSamples.join('; ')}${counts.badLines > badLineSamples.length ? '; …' : ''}`,
    );
  if (counts.eventsIn === 0)
    notes.push('The source has no events for this hour, so no file was written.');
  return notes;
}

function mergedNotes(merges: number, derived: boolean): string[] {
  if (merges === 0) return ['No merged Amplitude IDs in this hour, so no file was written.'];
  if (derived)
    return [
      'The source has no merge records, so merges were derived from the hour’s events (docs/pipeline.md).',
    ];
  return [];
}
