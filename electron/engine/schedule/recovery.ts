import type { Connection } from '../../../shared/model/entities';
import type { Job } from '../../../shared/model/jobs';
import type { Dataset } from '../../../shared/model/fields';
import type { IndexEntry } from '../store/job-index';

/** One hour of a connection to export again at start, and the jobs it re-runs. */
export interface Rerun {
  connectionId: string;
  hour: string;
  datasets: Dataset[];
  trigger: Job['trigger'];
  jobIds: string[];
}

/**
 * What start-up owes the jobs a stop or a kill left behind, from the history (newest first).
 * Pure, so the rule can be read and tested on its own:
 *
 * - jobs still `running` or `queued` were cut off (kill -9, power loss): they are closed as
 *   `cancelled` by a shutdown;
 * - an hour whose latest job was cut off that way, or cancelled by a clean shutdown, runs again —
 *   unless it belongs to a backfill (the backfill resumes it), its connection is gone or no longer
 *   exports the dataset, or it is a scheduled hour of a connection now disabled.
 */
export function interruptedWork(
  entries: readonly Readonly<IndexEntry>[],
  connections: readonly Connection[],
): { close: Readonly<IndexEntry>[]; rerun: Rerun[] } {
  const close: Readonly<IndexEntry>[] = [];
  const latest = new Set<string>();
  const reruns = new Map<string, Rerun>();
  for (const e of entries) {
    const open = e.status === 'running' || e.status === 'queued';
    if (open) close.push(e);
    const key = `${e.connectionId}|${e.dataset}|${e.hour}`;
    if (latest.has(key)) continue;
    latest.add(key);
    if (!open && !(e.status === 'cancelled' && e.cancelledBy === 'shutdown')) continue;
    if (e.trigger === 'backfill') continue;
    const connection = connections.find((c) => c.id === e.connectionId);
    if (!connection || !connection.datasets.includes(e.dataset)) continue;
    if (e.trigger === 'scheduled' && !connection.enabled) continue;
    const hourKey = `${e.connectionId}|${e.hour}`;
    const rerun = reruns.get(hourKey) ?? {
      connectionId: e.connectionId,
      hour: e.hour,
      datasets: [],
      trigger: e.trigger,
      jobIds: [],
    };
    reruns.set(hourKey, rerun);
    if (!rerun.datasets.includes(e.dataset)) rerun.datasets.push(e.dataset);
    rerun.jobIds.push(e.id);
    if (e.trigger === 'manual') rerun.trigger = 'manual';
  }
  for (const r of reruns.values()) r.datasets.sort();
  return { close, rerun: [...reruns.values()] };
}
