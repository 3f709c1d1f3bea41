import type { Job } from '../../../shared/model/jobs';

/**
 * The opt-in manifest of an hour, `<prefix>_manifests/<projectId>_<date>_<H>.json`: every object
 * of the hour, per dataset, with its event count, bytes and sha256 — and, when the connection
 * writes the query copy, its Parquet files under `queryCopy` (rows as `events`). Written last in
 * the hour's commit, so a reader that finds it can trust every object it lists is there.
 */
export function manifestText(
  projectId: number,
  hour: string,
  writtenAt: Date,
  datasets: Pick<Job, 'dataset' | 'objects' | 'queryObjects'>[],
): string {
  const entry = (dataset: Job['dataset']) => (o: Job['objects'][number]) => ({
    dataset,
    key: o.key,
    events: o.events,
    bytes: o.bytes,
    sha256: o.sha256,
  });
  const queryCopy = datasets.flatMap(({ dataset, queryObjects }) =>
    queryObjects.map(entry(dataset)),
  );
  const manifest = {
    version: 1,
    projectId,
    hour,
    writtenAt: writtenAt.toISOString(),
    objects: datasets.flatMap(({ dataset, objects }) => objects.map(entry(dataset))),
    // Only with the copy: a manifest of an hour without it stays as it always was.
    ...(queryCopy.length > 0 ? { queryCopy } : {}),
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
