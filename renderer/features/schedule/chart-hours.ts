import { hourLabel } from '../common/time';
import { hoursBetween } from '../../../shared/model/export-format';
import type { HourStat } from '../../../shared/model/schedule';

/** One hour on the chart's axis: every hour of the window is there, with or without data. */
export interface ChartHour {
  hour: string;
  label: string;
  /** null: nothing exported that hour (a gap in the bars and lines, not a zero). */
  events: number | null;
  megabytes: number | null;
  bytes: number;
  lagMinutes: number | null;
  /** 1 when a data set's latest job of the hour failed: drawn as a red mark. */
  failedMark: number | null;
  /** 1 when the hour is not exported and a job of it runs or waits to retry: an amber mark. */
  waitingMark: number | null;
}

export interface ChartWindow {
  hours: ChartHour[];
  exported: number;
  failed: number;
  /** Hours not exported whose job runs or waits to be tried again. */
  waiting: number;
  /** Hours with a lag (scheduled exports): none means the lag chart says why it is empty. */
  withLag: number;
}

/**
 * The chart's hours: a continuous axis from `from` to `to`, each hour exported (a bar, even of
 * zero events), failed (a red mark), running or waiting to retry (an amber mark), or none of
 * these (a visible gap) — never only hours with data.
 */
export function chartHours(stats: readonly HourStat[], from: string, to: string): ChartWindow {
  const byHour = new Map(stats.map((s) => [s.hour, s]));
  let exported = 0;
  let failed = 0;
  let waiting = 0;
  let withLag = 0;
  const hours = hoursBetween(from, to).map((hour): ChartHour => {
    const s = byHour.get(hour);
    // The one hour format (the chart's description says UTC), on the axis too.
    const label = hourLabel(hour);
    const wrote = !!s && s.exported > 0;
    const refused = !!s && s.failed > 0;
    const pending = !!s && s.waiting > 0 && !wrote;
    if (wrote) exported++;
    if (refused) failed++;
    if (pending) waiting++;
    if (s?.lagMinutes != null) withLag++;
    return {
      hour,
      label,
      events: wrote ? s.events : null,
      megabytes: wrote ? s.bytes / 1_048_576 : null,
      bytes: s?.bytes ?? 0,
      lagMinutes: s?.lagMinutes ?? null,
      failedMark: refused ? 1 : null,
      waitingMark: pending ? 1 : null,
    };
  });
  return { hours, exported, failed, waiting, withLag };
}
