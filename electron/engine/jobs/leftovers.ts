import { hourText } from '../../../shared/model/hours';
import { HourTakenOver } from '../store/postgres/errors';
import {
  queryEventKeyParts,
  queryMarkerPrefix,
  queryMarkersOf,
  queryMarkersRoot,
  queryMergedIdsKeyParts,
  queryRoot,
} from '../../../shared/model/query-format';
import { plural } from '../../../shared/format';
import {
  eventObjectPrefix,
  manifestKey,
  manifestPrefix,
  mergedIdsObjectKey,
} from '../../../shared/model/export-format';
import { claimsPrefix } from './destination-claim';
import type { Fence } from './commit';
import type { Connection, Organization, Project } from '../../../shared/model/entities';
import type { CancelReason, Job } from '../../../shared/model/jobs';
import type { Notice } from '../../../shared/api/contract';
import type { Clock } from '../time/clock';
import { StagedObjectLost, type CleanupOptions, type Sink } from '../sinks/types';
import { commitHour, type CommitIntent, type CommitLog } from './commit';
import { prefixOf, type Endpoints } from './endpoints';
import { newJobId, withEtags } from './job-record';
import type { ConfigPort, HourJobsPort } from '../store/ports';

/** Leftover uploads are swept only when started this long before the process (clock skew). */
const SWEEP_MARGIN_MS = 5 * 60_000;

export interface SweepOptions {
  /** Only uploads started before this (default: well before this process started). */
  startedBefore?: Date;
  /**
   * Team mode: the hours of a connection another process (a worker) may be writing now — in
   * the queue, waiting or running. Their uploads are that process's, not leftovers.
   */
  busyHours?(connectionId: string): Promise<readonly string[]>;
}

/**
 * Whether an object key is one of the given hours' (their event partitions, merged IDs, query
 * copy files, the copy's markers or manifests).
 */
function busyKeys(
  prefix: string,
  { project, org }: { project: Pick<Project, 'id'>; org: Pick<Organization, 'id'> },
  hours: readonly string[],
): (key: string) => boolean {
  const events = hours.map((hour) => eventObjectPrefix(prefix, project.id, hour));
  const markers = hours.map((hour) => queryMarkerPrefix(prefix, project.id, hour));
  const merged = new Set(hours.map((hour) => mergedIdsObjectKey(prefix, org.id, hour)));
  const manifests = new Set(hours.map((hour) => manifestKey(prefix, project.id, hour)));
  const busy = new Set(hours);
  return (key) =>
    merged.has(key) ||
    manifests.has(key) ||
    events.some((start) => key.startsWith(start)) ||
    markers.some((start) => key.startsWith(start)) ||
    busy.has(queryEventKeyParts(key, prefix)?.hour ?? '') ||
    busy.has(queryMergedIdsKeyParts(key, prefix)?.hour ?? '');
}

/**
 * Remove what was staged under a connection's keys — its project's event partitions, its
 * organization's merged IDs, both query copies (in date folders every project of the prefix
 * shares) and the small files written whole (manifests, the copy's markers, the destination's
 * claim: a folder stages those too) — but what `options.spare` names. Returns how many were
 * removed.
 */
async function sweepStaged(
  sink: Sink,
  prefix: string,
  { project, org }: { project: Pick<Project, 'id'>; org: Pick<Organization, 'id'> },
  options: CleanupOptions & { spare(key: string): boolean },
): Promise<number> {
  const { spare } = options;
  let removed = 0;
  for (const head of [`${prefix}${project.id}_`, `${prefix}-${org.id}_`])
    removed += await sink.cleanup(head, options);
  removed += await sink.cleanup(`${queryRoot(prefix)}events/`, {
    ...options,
    spare: (key) => queryEventKeyParts(key, prefix)?.projectId !== project.id || spare(key),
  });
  removed += await sink.cleanup(`${queryRoot(prefix)}merged_ids/`, {
    ...options,
    spare: (key) => queryMergedIdsKeyParts(key, prefix)?.orgId !== org.id || spare(key),
  });
  for (const head of [manifestPrefix(prefix, project.id), claimsPrefix(prefix, project.id)])
    removed += await sink.cleanup(head, options);
  // Marker folders lie one level down, read through their shared folder: only this project's.
  const own = queryMarkersOf(prefix, project.id);
  removed += await sink.cleanup(queryMarkersRoot(prefix), {
    ...options,
    spare: (key) => !key.startsWith(own) || spare(key),
  });
  return removed;
}

export interface LeftoverDeps {
  config: ConfigPort;
  commits: CommitLog;
  endpoints: Endpoints;
  clock: Clock;
  /** The connection with its project and organization, or null when it is gone. */
  find(
    connectionId: string,
  ): { connection: Connection; project: Project; org: Organization } | null;
  /** A job as the history holds it now. */
  get(jobId: string): Promise<Job | null>;
  /** The history, to find a newer try of a commit's hour. */
  jobs: HourJobsPort;
  /** Proof this process still holds the storage, before each step that makes something visible. */
  fence: Fence;
  /** Write job records (and tell the consoles). */
  record(jobs: Job[]): Promise<Job[]>;
}

/**
 * Commits that did not finish, and uploads never completed, dealt with before anything else
 * writes where they would: at start (what a killed process left), and before a connection
 * exports another hour (a commit its run had to give up because a step was refused).
 *
 * A commit is finished from its record (every step is safe to repeat). Its jobs then tell the
 * truth about how: jobs a kill cut off (still `running`) become `succeeded`; jobs that ended —
 * `failed` because the commit was refused, or `cancelled` by a stop — stay as they are, and new
 * `succeeded` jobs say which commit they finished, so the history keeps that it failed.
 */
export class Leftovers {
  constructor(private readonly deps: LeftoverDeps) {}

  /**
   * At start, before anything else writes: finish every commit a killed process (or a run that
   * gave up) left. A commit whose staged data is gone is dropped and its hour exported again.
   * Returns what happened, for notices.
   */
  async finishCommits(): Promise<Notice[]> {
    const { commits } = this.deps;
    const said: Notice[] = [];
    const warn = (message: string) => said.push({ level: 'warning', message });
    for (const intent of await commits.pending(warn)) {
      const found = this.deps.find(intent.connectionId);
      if (!found) {
        await this.abandon(
          intent,
          'deleted',
          'Its connection was deleted before the hour was made visible.',
        );
        continue;
      }
      const newer = await this.newerTry(intent);
      if (newer) {
        await this.abandon(intent, 'shutdown', supersededNote(newer));
        said.push({
          level: 'info',
          message: `Did not finish an interrupted commit of ${hourText(intent.hour)} of "${found.connection.name}": a newer export of that hour (job ${newer.id}) replaced it.`,
        });
        continue;
      }
      try {
        await this.finish(intent, found.connection);
        said.push({
          level: 'info',
          message: `Finished making ${hourText(intent.hour)} of "${found.connection.name}" visible, which had been interrupted.`,
        });
      } catch (error) {
        if (error instanceof HourTakenOver) {
          // Another worker of the team took the hour since: its export stands.
          await this.deps.commits.done(intent);
          said.push({
            level: 'info',
            message: `Did not finish an interrupted commit of ${hourText(intent.hour)} of "${found.connection.name}": another worker took that hour over.`,
          });
          continue;
        }
        if (!(error instanceof StagedObjectLost)) {
          warn(
            `Could not finish making ${hourText(intent.hour)} of "${found.connection.name}" visible (${(error as Error).message}); Ferry tries again before it exports another hour of this connection, and at its next start.`,
          );
          continue;
        }
        await this.abandon(
          intent,
          'shutdown',
          `Interrupted while its hour was made visible (${error.message}).`,
        );
      }
    }
    return said;
  }

  /**
   * Before a connection exports an hour: finish its commits of other hours that no run is
   * making (a run of the same hour replaces its own). Throws the refusal when one still can
   * not be finished — nothing else of the connection runs before it is.
   */
  finishOpen(connectionId: string, exceptHour: string): Promise<void> {
    const { commits } = this.deps;
    return commits.exclusive(connectionId, async () => {
      for (const intent of commits.unfinished(connectionId)) {
        if (intent.hour === exceptHour) continue;
        const found = this.deps.find(connectionId);
        if (!found) return;
        const newer = await this.newerTry(intent);
        if (newer) {
          await this.abandon(intent, 'shutdown', supersededNote(newer));
          continue;
        }
        try {
          await this.finish(intent, found.connection);
        } catch (error) {
          if (error instanceof HourTakenOver) {
            await this.deps.commits.done(intent);
            continue;
          }
          if (!(error instanceof StagedObjectLost)) throw error;
          await this.abandon(
            intent,
            'shutdown',
            `Its hour could not be made visible (${error.message}).`,
          );
        }
      }
    });
  }

  /**
   * Remove what a killed process left staged at every connection — S3: unfinished multipart
   * uploads; a folder: temp files in its `.ferry-partial/` folders — under its project's keys
   * (the query copy's too) that no run of this process owns and no pending commit needs.
   * Returns what was found, per connection, for a notice.
   */
  async sweepUploads({
    // Only uploads started well before this process: a run starting right now is not a leftover
    // even if the listing reaches Ferry before the answer that made it one of ours.
    startedBefore = new Date(Date.now() - process.uptime() * 1000 - SWEEP_MARGIN_MS),
    busyHours,
  }: SweepOptions = {}): Promise<string[]> {
    const said: string[] = [];
    for (const connection of this.deps.config.data.connections) {
      const found = this.deps.find(connection.id);
      if (!found) continue;
      try {
        const sink = await this.deps.endpoints.sinkFor(connection);
        const prefix = prefixOf(connection);
        const busy = busyKeys(prefix, found, (await busyHours?.(connection.id)) ?? []);
        const removed = await sweepStaged(sink, prefix, found, {
          keep: this.deps.commits.keep,
          startedBefore,
          spare: busy,
        });
        if (removed > 0)
          said.push(
            `${sink.staging === 'upload' ? 'Aborted' : 'Removed'} ${plural(removed, `unfinished ${sink.staging}`)} an interrupted run left in ${sink.describe(prefix)} ("${connection.name}").`,
          );
      } catch (error) {
        said.push(
          `Could not look for unfinished uploads or files of "${connection.name}": ${(error as Error).message}`,
        );
      }
    }
    return said;
  }

  /**
   * A try of the commit's hour begun after it (by another process of a team, or by this one
   * after the record was cut off from it): finishing the old commit would put its objects over
   * the newer export's. Null when there is none.
   */
  private async newerTry(intent: CommitIntent): Promise<{ id: string } | null> {
    const mine = new Set(intent.jobs.map((j) => j.id));
    const datasets = new Set(intent.jobs.map((j) => j.dataset));
    const since = Math.max(...intent.jobs.map((j) => Date.parse(j.createdAt)));
    // Newest first: a newer try, if any, is on the first page (past it, all are older).
    const { items } = await this.deps.jobs.list({
      connectionId: intent.connectionId,
      hourFrom: intent.hour,
      hourTo: intent.hour,
      limit: 100,
    });
    return (
      items.find(
        (j) => !mine.has(j.id) && datasets.has(j.dataset) && Date.parse(j.createdAt) > since,
      ) ?? null
    );
  }

  /** Make a recorded commit's hour visible and record its jobs as they now stand. */
  private async finish(intent: CommitIntent, connection: Connection): Promise<void> {
    const etags = await commitHour(
      await this.deps.endpoints.sinkFor(connection),
      intent,
      undefined,
      this.deps.fence,
    );
    const current = await this.deps.get(intent.jobs[0]!.id);
    if (current?.status !== 'succeeded') {
      const now = this.deps.clock.now().toISOString();
      await this.deps.record(
        intent.jobs.map((j) =>
          cutOff(current)
            ? {
                ...withEtags(j, etags),
                notes: [
                  ...j.notes,
                  'Ferry stopped while this hour was being made visible; the next start finished it.',
                ],
              }
            : {
                ...withEtags(j, etags),
                id: newJobId(new Date(now)),
                attempts: 1,
                createdAt: now,
                startedAt: now,
                finishedAt: now,
                durationMs: 0,
                notes: [
                  ...j.notes,
                  `Finishes making the hour visible for job ${j.id}, which ${current?.status === 'failed' ? 'failed' : 'was stopped'} part-way through that.`,
                ],
              },
        ),
      );
    }
    await this.deps.commits.done(intent);
  }

  /**
   * Drop a commit that will not be finished. Jobs a kill cut off end cancelled, saying why;
   * jobs that ended already keep their outcome (their hour is tried again as failed ones are).
   */
  private async abandon(intent: CommitIntent, cancelledBy: CancelReason, note: string) {
    await this.deps.commits.done(intent);
    if (!cutOff(await this.deps.get(intent.jobs[0]!.id))) return;
    await this.deps.record(
      intent.jobs.map((j) => ({
        ...j,
        status: 'cancelled' as const,
        cancelledBy,
        objects: [],
        removed: [],
        notes: [...j.notes, note],
      })),
    );
  }
}

/** Whether a commit's jobs were cut off by a kill (never ended), as the history holds them. */
function cutOff(job: Job | null): boolean {
  return !job || job.status === 'running' || job.status === 'queued';
}

function supersededNote(newer: { id: string }): string {
  return `Its hour was exported again (job ${newer.id}) before this commit was finished: the newer export stands, and this one was dropped.`;
}
