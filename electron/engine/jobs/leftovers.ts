import type {
  CancelReason,
  Connection,
  Job,
  Organization,
  Project,
} from '../../../shared/model/entities';
import type { ConfigStore } from '../store/config-store';
import { StagedObjectLost } from '../sinks/types';
import { commitHour, type CommitIntent, type CommitLog } from './commit';
import type { Endpoints } from './endpoints';

/** Leftover uploads are swept only when started this long before the process (clock skew). */
const SWEEP_MARGIN_MS = 5 * 60_000;

export interface LeftoverDeps {
  config: ConfigStore;
  commits: CommitLog;
  endpoints: Endpoints;
  /** The connection with its project and organization, or null when it is gone. */
  find(
    connectionId: string,
  ): { connection: Connection; project: Project; org: Organization } | null;
  /** Write job records (and tell the consoles). */
  record(jobs: Job[]): Promise<Job[]>;
}

/**
 * What a killed process left behind at its destinations, dealt with at the next start: commits
 * it did not finish, and uploads it never completed.
 */
export class Leftovers {
  constructor(private readonly deps: LeftoverDeps) {}

  /**
   * Finish commits a killed process left part-way (before anything else writes): each hour is
   * made visible whole and its jobs recorded, or — when its staged data is gone — its jobs are
   * closed as interrupted so the hour is exported again. Returns what happened.
   */
  async finishCommits(): Promise<string[]> {
    const { commits, endpoints } = this.deps;
    const said: string[] = [];
    for (const intent of await commits.pending((m) => said.push(m))) {
      const found = this.deps.find(intent.connectionId);
      try {
        if (!found) {
          await this.abandon(
            intent,
            'deleted',
            'Its connection was deleted before the hour was made visible.',
          );
          continue;
        }
        const etags = await commitHour(await endpoints.sinkFor(found.connection), intent);
        await this.deps.record(
          intent.jobs.map((j) => ({
            ...withEtags(j, etags),
            notes: [
              ...j.notes,
              'Ferry stopped while this hour was being made visible; the next start finished it.',
            ],
          })),
        );
        await commits.done(intent);
        said.push(
          `Finished making ${intent.hour} of "${found.connection.name}" visible, which Ferry stopping had interrupted.`,
        );
      } catch (error) {
        if (!(error instanceof StagedObjectLost)) {
          said.push(
            `Could not finish making ${intent.hour} visible (${(error as Error).message}); Ferry tries again at its next start, or when the hour is exported again.`,
          );
          continue;
        }
        // The staged data is gone: the hour is exported again from the start.
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
   * Abort what a killed process left staged at every S3 connection: unfinished multipart uploads
   * under its project's keys that no run of this process owns and no pending commit needs.
   * Returns what was found, per connection, for a notice.
   */
  async sweepUploads(
    // Only uploads started well before this process: a run starting right now is not a leftover
    // even if the listing reaches Ferry before the answer that made it one of ours.
    startedBefore = new Date(Date.now() - process.uptime() * 1000 - SWEEP_MARGIN_MS),
  ): Promise<string[]> {
    const said: string[] = [];
    for (const connection of this.deps.config.data.connections) {
      const dest = connection.destination;
      if (dest.type !== 's3') continue;
      const found = this.deps.find(connection.id);
      if (!found) continue;
      try {
        const sink = await this.deps.endpoints.sinkFor(connection);
        let aborted = 0;
        for (const prefix of [
          `${dest.prefix}${found.project.id}_`,
          `${dest.prefix}-${found.org.id}_`,
        ])
          aborted += await sink.cleanup(prefix, this.deps.commits.keep, startedBefore);
        if (aborted > 0)
          said.push(
            `Aborted ${aborted} unfinished upload(s) an interrupted run left in ${sink.describe(dest.prefix)} ("${connection.name}").`,
          );
      } catch (error) {
        said.push(
          `Could not look for unfinished uploads of "${connection.name}": ${(error as Error).message}`,
        );
      }
    }
    return said;
  }

  /** Drop a commit that will not be finished: its jobs end cancelled, saying why. */
  private async abandon(intent: CommitIntent, cancelledBy: CancelReason, note: string) {
    await this.deps.commits.done(intent);
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

/** A job record with the ETag each of its objects got when it was made visible. */
export function withEtags(job: Job, etags: Map<string, string | null>): Job {
  return { ...job, objects: job.objects.map((o) => ({ ...o, etag: etags.get(o.key) ?? null })) };
}
