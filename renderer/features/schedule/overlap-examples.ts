import { hourText } from '../common/time';
import type { Dataset } from '../../../shared/model/fields';
import { DATASET_WORDS } from '../../../shared/model/words';

/**
 * Up to three example hours a backfill rewrites, each hour once with its data sets
 * ("2026-11-29 05:00 UTC (Events, Merged Amplitude IDs)") — the sample has one entry per
 * hour and data set.
 */
export function overlapExamples(sample: readonly { hour: string; dataset: Dataset }[]): string {
  const byHour = new Map<string, Dataset[]>();
  for (const o of sample) byHour.set(o.hour, [...(byHour.get(o.hour) ?? []), o.dataset]);
  return [...byHour]
    .slice(0, 3)
    .map(([hour, sets]) => `${hourText(hour)} (${sets.map((d) => DATASET_WORDS[d]).join(', ')})`)
    .join(', ');
}
