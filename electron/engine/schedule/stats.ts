import { hourIndex } from '../../../shared/model/export-format';
import { HOUR_MS } from '../../../shared/model/hours';
import type { HourStat } from '../../../shared/model/schedule';
import type { JobsStore } from '../store/jobs-store';

/**
 * The history chart's figures: per hour, the events and stored bytes of the latest successful
 * job of each (connection, dataset), failed hours, and the export lag (minutes from the end of
 * the hour to the end of its scheduled export).
 */
export async function hourStats(
  jobs: JobsStore,
  query: { connectionId?: string; hourFrom: string; hourTo: string },
): Promise<HourStat[]> {
  const entries = jobs.entries(
    (e) => e.hour >= query.hourFrom && e.hour <= query.hourTo,
    query.connectionId,
  );
  const byHour = new Map<string, HourStat>();
  const seen = new Set<string>();
  for (const e of entries) {
    const stat = byHour.get(e.hour) ?? {
      hour: e.hour,
      events: 0,
      bytes: 0,
      lagMinutes: null,
      failed: 0,
    };
    byHour.set(e.hour, stat);
    const k = `${e.connectionId}|${e.dataset}|${e.hour}`;
    if (seen.has(k)) continue;
    seen.add(k);
    if (e.status === 'failed') stat.failed++;
    if (e.status !== 'succeeded') continue;
    const job = await jobs.get(e.id);
    if (!job) continue;
    if (job.dataset === 'events') stat.events += job.counts?.eventsOut ?? 0;
    stat.bytes += job.bytes?.compressed ?? 0;
    if (job.trigger === 'scheduled' && job.finishedAt) {
      const lag = (Date.parse(job.finishedAt) - (hourIndex(job.hour) + 1) * HOUR_MS) / 60_000;
      stat.lagMinutes = Math.max(stat.lagMinutes ?? 0, Math.round(lag));
    }
  }
  return [...byHour.values()].sort((a, b) => a.hour.localeCompare(b.hour));
}
