import type { ConfigPort, JobHistoryPort } from '../store/ports';
import type { HourRecords } from '../store/hour-records';
import type { Timers } from '../time/timers';
import type { RunOptions, Trigger } from '../jobs/export-service';
import type { Connection } from '../../../shared/model/entities';
import type { Job } from '../../../shared/model/jobs';
import type { Dataset } from '../../../shared/model/fields';
import type { IndexEntry } from '../store/job-index';
import { closedByShutdown } from '../jobs/job-record';

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

/**
 * Where an interrupted job stood, for its re-run: the tries that ended count on — a job that
 * waited to retry (or was stopped while it waited) keeps its count, its error and when its next
 * try was due; one cut short mid-try did not end that try.
 */
export function resumeFrom(job: Job): NonNullable<RunOptions['resume']> {
  return job.error
    ? { attempts: job.attempts, error: job.error, retryAt: job.retryAt }
    : { attempts: Math.max(0, job.attempts - 1), error: null, retryAt: null };
}

/**
 * Close jobs a kill left open and run again the hours a stop or kill interrupted (see
 * `interruptedWork`); backfill hours are resumed with their backfill.
 */
export async function recoverInterrupted(
  deps: { config: ConfigPort; jobs: JobHistoryPort; timers: Timers },
  enqueue: (
    connection: Connection,
    hour: string,
    datasets: Dataset[],
    trigger: Trigger,
    options: { notes?: string[]; resume?: RunOptions['resume'] },
  ) => unknown,
): Promise<void> {
  const connections = deps.config.data.connections;
  const { close, rerun } = interruptedWork(deps.jobs.interrupted(), connections);
  const rerunIds = new Set(rerun.flatMap((r) => r.jobIds));
  for (const entry of close) {
    const job = await deps.jobs.get(entry.id);
    if (!job) continue;
    await deps.jobs.put(
      closedByShutdown(
        job,
        deps.timers.now().toISOString(),
        `Interrupted: Ferry stopped while this job ran.${rerunIds.has(job.id) ? ' It was run again.' : ''}`,
      ),
    );
  }
  for (const r of rerun) {
    const connection = connections.find((c) => c.id === r.connectionId)!;
    const before = await deps.jobs.get(r.jobIds[0]!);
    enqueue(connection, r.hour, r.datasets, r.trigger, {
      notes: [`Re-runs job ${r.jobIds.join(', ')}, which Ferry stopping interrupted.`],
      resume: before ? resumeFrom(before) : undefined,
    });
  }
}

/**
 * The hours whose latest job failed and none succeeded, of the datasets the connection still
 * exports: per hour, its datasets and the failed jobs (what "retry failed" queues again).
 */
export function failedHours(
  records: HourRecords,
  datasets: readonly Dataset[],
): Map<string, { datasets: Dataset[]; ids: string[] }> {
  const failed = new Map<string, { datasets: Dataset[]; ids: string[] }>();
  for (const record of records.all()) {
    if (record.succeeded || record.latest.status !== 'failed') continue;
    if (!datasets.includes(record.latest.dataset)) continue;
    const hour = failed.get(record.latest.hour) ?? { datasets: [], ids: [] };
    failed.set(record.latest.hour, hour);
    hour.datasets.push(record.latest.dataset);
    hour.ids.push(record.latest.id);
  }
  return failed;
}
