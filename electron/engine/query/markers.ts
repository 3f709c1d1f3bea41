/**
 * The query copy's markers of an upload hour (shared/model/query-format.ts `queryMarkerPrefix`):
 * one empty object per file of the hour's copy, in every date. Found by listing one prefix, so
 * the export needs no permission beyond the s3:ListBucket it already has. The commit writes the
 * new files' markers before anything is visible and removes the earlier files' markers only once
 * those files are deleted — so whatever a kill leaves, a marker names every file of the hour
 * there may be.
 */
import {
  queryFileOfMarker,
  queryMarkerKey,
  queryMarkerPrefix,
} from '../../../shared/model/query-format';
import type { Sink } from '../sinks/types';

/** The markers the commit writes (`add`, first) and removes (`remove`, last). */
export interface QueryMarkers {
  add: string[];
  remove: string[];
}

/**
 * The files of the hour's copy its markers name now ([] when it has none). Any other object
 * under the hour's marker prefix names nothing: it is left alone and never sends a deletion.
 */
export async function markedFiles(
  sink: Sink,
  prefix: string,
  projectId: number,
  hour: string,
): Promise<string[]> {
  const found = await sink.list(queryMarkerPrefix(prefix, projectId, hour));
  return found
    .map((o) => queryFileOfMarker(o.key, prefix, projectId, hour))
    .filter((file): file is string => file !== null);
}

/** The markers of the new files, and those of the earlier files the new copy no longer has. */
export function markersFor(prefix: string, files: string[], earlier: string[]): QueryMarkers {
  const fresh = new Set(files);
  const marker = (file: string) => queryMarkerKey(file, prefix)!;
  return {
    add: files.map(marker),
    remove: earlier.filter((file) => !fresh.has(file)).map(marker),
  };
}
