import { hourIndex } from '../../../shared/model/export-format';
import { HOUR_MS } from '../../../shared/model/hours';
import type { HourStat } from '../../../shared/model/schedule';
import type { JobHistoryPort } from '../store/ports';

/**
 * The history chart's figures: per hour, the events and stored bytes of the latest successful
 * job of each (connection, dataset), failed hours, hours running or waiting to be tried again
 * (a job waiting to retry, or one a stop cut short: it runs again), and the export lag (minutes
 * from the end of the hour to the end of its scheduled export).
 */
export function hourStats(
  jobs: JobHistoryPort,
  query: { connectionId?: string; hourFrom: string; hourTo: string },
): HourStat[] {
  const entries = jobs.entries(() => true, query.connectionId, {
    from: query.hourFrom,
    to: query.hourTo,
  });
  const byHour = new Map<string, HourStat>();
  const seen = new Set<string>();
  for (const e of entries) {
    const stat = byHour.get(e.hour) ?? {
      hour: e.hour,
      events: 0,
      bytes: 0,
      lagMinutes: null,
      failed: 0,
      exported: 0,
      waiting: 0,
    };
    byHour.set(e.hour, stat);
    const k = `${e.connectionId}|${e.dataset}|${e.hour}`;
    if (seen.has(k)) continue;
    seen.add(k);
    if (e.status === 'failed') stat.failed++;
    if (
      e.status === 'queued' ||
      e.status === 'running' ||
      (e.status === 'cancelled' && e.cancelledBy === 'shutdown')
    )
      stat.waiting++;
    if (e.status !== 'succeeded') continue;
    stat.exported++;
    // From the index: no month is read for a chart.
    if (e.dataset === 'events') stat.events += e.events ?? 0;
    stat.bytes += e.bytes ?? 0;
    if (e.trigger === 'scheduled' && e.finishedAt) {
      const lag = (Date.parse(e.finishedAt) - (hourIndex(e.hour) + 1) * HOUR_MS) / 60_000;
      stat.lagMinutes = Math.max(stat.lagMinutes ?? 0, Math.round(lag));
    }
  }
  return [...byHour.values()].sort((a, b) => a.hour.localeCompare(b.hour));
}
