import type { Sink, StagedHandle } from '../sinks/types';
import type { SourceHour } from '../sources/types';
import type { WorkerPool } from './pool';

/* What an hour's events export takes and gives back (events.ts runs it). */

export interface EventFilter {
  mode: 'include' | 'exclude';
  eventTypes: string[];
}

export interface EventsExportOptions {
  hour: string;
  /** The opened hour of the project's source. */
  source: SourceHour;
  /** True when the source's streams may hold other hours (only this hour's lines are kept). */
  mixedHours: boolean;
  sink: Sink;
  pool: WorkerPool;
  /** Key of partition n (from 1). */
  objectKey(partition: number): string;
  partitionBytes: number;
  gzipLevel: number;
  filter: EventFilter | null;
  /** Also write the query copy (Parquet by event date, docs/query-copy.md) under this prefix. */
  queryCopy?: {
    prefix: string;
    projectId: number;
    /** Tests: smaller chunks and file sets than query/batches.ts's. */
    chunkBytes?: number;
    fileBytes?: number;
  } | null;
  signal: AbortSignal;
  onProgress?(progress: { events: number; bytes: number }): void;
}

/** One object of an hour, with what the job records about it. */
export interface WrittenObject {
  key: string;
  bytes: number;
  rawBytes: number;
  events: number;
  sha256: string;
  etag: string | null;
}

/** An object written and sealed but not visible yet: its hour's commit makes it visible. */
export interface StagedFile extends WrittenObject {
  staged: StagedHandle;
}

export interface EventsExportResult {
  counts: {
    eventsIn: number;
    eventsOut: number;
    duplicates: number;
    filtered: number;
    badLines: number;
  };
  bytes: { raw: number; compressed: number };
  /** Partitions #1…#n, sealed: nothing is visible until the hour commits. */
  objects: StagedFile[];
  /** The query copy's files, sealed likewise (none unless asked for). */
  queryObjects: StagedFile[];
  /** The first bad lines, as "file:line: reason". */
  badLineSamples: string[];
  /** Readable events of other hours in what the source gave (sources that mix hours). */
  otherHourLines: number;
}
