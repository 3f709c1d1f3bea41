import type { Job } from '../../../shared/model/jobs';
import type { Dataset } from '../../../shared/model/fields';

/**
 * The opt-in manifest of an hour, `<prefix>_manifests/<projectId>_<date>_<H>.json`: every object
 * of the hour, per dataset, with its event count, bytes and sha256. Written last in the hour's
 * commit, so a reader that finds it can trust every object it lists is there.
 */
export function manifestText(
  projectId: number,
  hour: string,
  writtenAt: Date,
  datasets: { dataset: Dataset; objects: Job['objects'] }[],
): string {
  const manifest = {
    version: 1,
    projectId,
    hour,
    writtenAt: writtenAt.toISOString(),
    objects: datasets.flatMap(({ dataset, objects }) =>
      objects.map((o) => ({
        dataset,
        key: o.key,
        events: o.events,
        bytes: o.bytes,
        sha256: o.sha256,
      })),
    ),
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
