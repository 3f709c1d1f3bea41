import type { Connection, Project } from '../../../shared/model/entities';
import { defaultSettleMinutes } from '../../../shared/model/entities';
import { hourIndex, hourString } from '../../../shared/model/export-format';
import type { Dataset } from '../../../shared/model/fields';
import { HOUR_MS } from '../../../shared/model/hours';
import type { HourRange } from '../../../shared/model/schedule';
import type { HourRecords } from '../store/hour-records';
import type { IndexEntry } from '../store/job-index';

/** A failed hour is tried again by the schedule this long after its last try ended. */
export const FAILED_HOUR_COOLDOWN_MS = HOUR_MS;

export interface Plan {
  /** Hours (per dataset) to export now: due, within the lookback, not exported, not cooling down. */
  due: { hour: string; dataset: Dataset }[];
  /** Due hours within the lookback without every dataset exported (running or not). */
  pendingHours: number;
  /** Missed hours older than the lookback. */
  gap: HourRange | null;
  /** The newest hour with every dataset exported. */
  lastExportedHour: string | null;
  /** Failed hours within the lookback whose latest try failed, newest first. */
  failedHours: { hour: string; dataset: Dataset; entry: Readonly<IndexEntry> }[];
  /**
   * The newest failed hour from before the schedule's first hour (a manual export or a
   * backfill of an old hour) that no later job exported: the connection is failing until it is
   * retried. (Failed hours the schedule owns are in `failedHours`, or in `gap` once older than
   * the lookback.)
   */
  newestFailure: { hour: string; dataset: Dataset; entry: Readonly<IndexEntry> } | null;
  /** The next hour to become due and when (epoch ms). */
  nextHour: string;
  nextAt: number;
  /** When a cooling-down failed hour may be tried again (epoch ms), if any. */
  retryAt: number | null;
}

/** The settle delay of a connection: its own, else its source's default. */
export function settleMs(connection: Connection, project: Project): number {
  return (connection.schedule.settleMinutes ?? defaultSettleMinutes(project.source.type)) * 60_000;
}

/** The newest hour (index) due at `now`: H is due from H+1:00 plus the settle delay. */
export function latestDueHour(connection: Connection, project: Project, now: number): number {
  return Math.floor((now - settleMs(connection, project)) / HOUR_MS) - 1;
}

/**
 * What the schedule owes a connection at `now`: hour H is due from H+1:00 plus the settle delay;
 * due hours within the lookback are exported by themselves, older unexported ones form the gap.
 * Pure: the scheduler and the status view both use it, and tests call it directly.
 */
export function planConnection(
  connection: Connection,
  project: Project,
  records: HourRecords,
  now: number,
  isInFlight: (dataset: Dataset, hour: string) => boolean,
  /** Failed hours whose job started before this (epoch ms) are due at once: the admin retried. */
  resumedAt = 0,
): Plan {
  const settle = settleMs(connection, project);
  const latestDue = latestDueHour(connection, project, now);
  const from = connection.scheduleFrom ? hourIndex(connection.scheduleFrom) : latestDue + 1;
  const lookbackStart = Math.max(from, latestDue - connection.schedule.lookbackHours + 1);
  const plan: Plan = {
    due: [],
    pendingHours: 0,
    gap: null,
    lastExportedHour: null,
    failedHours: [],
    newestFailure: null,
    nextHour: hourString(Math.max(latestDue + 1, from)),
    nextAt: (Math.max(latestDue + 1, from) + 1) * HOUR_MS + settle,
    retryAt: null,
  };
  const exported = (hour: string) =>
    connection.datasets.every((d) => records.get(d, hour)?.succeeded);

  for (let h = latestDue; h >= lookbackStart; h--) {
    const hour = hourString(h);
    let pending = false;
    for (const dataset of connection.datasets) {
      const record = records.get(dataset, hour);
      if (record?.succeeded) continue;
      pending = true;
      if (isInFlight(dataset, hour)) continue;
      if (record && (record.latest.status === 'failed' || record.latest.status === 'cancelled')) {
        if (record.latest.status === 'failed')
          plan.failedHours.push({ hour, dataset, entry: record.latest });
        const last = Date.parse(record.latest.updatedAt);
        const again = last + FAILED_HOUR_COOLDOWN_MS;
        // A try recorded "in the future" was made while the clock ran ahead: it holds nothing back.
        if (again > now && last <= now && Date.parse(record.latest.createdAt) > resumedAt) {
          plan.retryAt = Math.min(plan.retryAt ?? Infinity, again);
          continue;
        }
      }
      plan.due.push({ hour, dataset });
    }
    if (pending) plan.pendingHours++;
  }
  // Oldest first: a connection catching up fills its history in order.
  plan.due.reverse();

  let gapFrom: number | null = null;
  let gapTo: number | null = null;
  let gapHours = 0;
  for (let h = from; h < lookbackStart; h++) {
    if (exported(hourString(h))) continue;
    gapFrom ??= h;
    gapTo = h;
    gapHours++;
  }
  if (gapFrom !== null && gapTo !== null)
    plan.gap = { from: hourString(gapFrom), to: hourString(gapTo), hours: gapHours };

  const failure = records.newestFailed(hourString(from));
  if (failure && connection.datasets.includes(failure.latest.dataset))
    plan.newestFailure = {
      hour: failure.latest.hour,
      dataset: failure.latest.dataset,
      entry: failure.latest,
    };

  for (const record of records.all()) {
    if (!record.succeeded) continue;
    if (!exported(record.latest.hour)) continue;
    plan.lastExportedHour = record.latest.hour; // newest first: the first one is the newest
    break;
  }
  return plan;
}

/** Due (hour, dataset) pairs as one entry per hour, oldest first (the plan's order). */
export function byHour(due: { hour: string; dataset: Dataset }[]): Map<string, Dataset[]> {
  const out = new Map<string, Dataset[]>();
  for (const { hour, dataset } of due) {
    const list = out.get(hour) ?? [];
    out.set(hour, list);
    list.push(dataset);
  }
  return out;
}
