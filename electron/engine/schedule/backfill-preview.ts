import type { Connection } from '../../../shared/model/entities';
import type { Dataset } from '../../../shared/model/fields';
import { needsConfirmation, rangeHours } from '../../../shared/model/hours';
import type { BackfillPreview } from '../../../shared/model/schedule';
import type { ExportQueue } from './queue';
import type { JobHistoryPort } from '../store/ports';

/**
 * What a backfill of `input` would do, changing nothing: how many jobs, which (dataset, hour)
 * pairs were exported already (one pass over the connection's history in the range, not over
 * its hours), and how many of them are in flight now.
 */
export function previewRange(
  deps: { jobs: JobHistoryPort; queue: ExportQueue },
  connection: Connection,
  datasets: Dataset[],
  input: { from: string; to: string },
): BackfillPreview {
  const wanted = new Set(datasets);
  const overlapped = new Set<string>();
  const overlapSample: BackfillPreview['overlapSample'] = [];
  // One pass over this connection's history in the range (oldest first), not over its hours.
  const entries = deps.jobs.entries(
    (e) =>
      e.status === 'succeeded' &&
      e.hour >= input.from &&
      e.hour <= input.to &&
      wanted.has(e.dataset),
    connection.id,
    { from: input.from, to: input.to },
  );
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    const key = `${e.dataset}|${e.hour}`;
    if (overlapped.has(key)) continue;
    overlapped.add(key);
    if (overlapSample.length < 10) overlapSample.push({ hour: e.hour, dataset: e.dataset });
  }
  let inFlight = 0;
  for (const flight of deps.queue.all())
    if (
      flight.connectionId === connection.id &&
      flight.hour >= input.from &&
      flight.hour <= input.to
    )
      inFlight += flight.datasets.filter((d) => wanted.has(d)).length;
  const hours = rangeHours(input.from, input.to);
  return {
    connectionId: connection.id,
    from: input.from,
    to: input.to,
    hours,
    datasets,
    jobs: hours * datasets.length,
    overlaps: overlapped.size,
    overlapSample,
    inFlight,
    needsConfirmation: needsConfirmation(input.from, input.to),
  };
}
