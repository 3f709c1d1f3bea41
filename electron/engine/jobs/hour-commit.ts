import type { Fence } from './commit';
import type { Notice } from '../../../shared/api/contract';
import type { Connection, Organization, Project } from '../../../shared/model/entities';
import type { Job } from '../../../shared/model/jobs';
import { exportPlaceOf, wroteHere } from '../../../shared/model/places';
import { manifestKey } from '../../../shared/model/export-format';
import type { Dataset } from '../../../shared/model/fields';
import type { Clock } from '../time/clock';
import { sleep, type Timers } from '../time/timers';
import type { Sink } from '../sinks/types';
import type { Instance } from '../store/instance';
import { CommitLog, commitPatiently, type CommitIntent } from './commit';
import { DestinationClaims } from './destination-claim';
import { prefixOf, type Endpoints } from './endpoints';
import { stagedFiles, type StagedDataset } from './hour-writer';
import { withEtags } from './job-record';
import { Leftovers, type SweepOptions } from './leftovers';
import { manifestText } from './manifest';
import type { ConfigPort, HourJobsPort } from '../store/ports';
import { plural } from '../../../shared/format';

export interface HourCommitDeps {
  config: ConfigPort;
  jobs: HourJobsPort;
  clock: Clock;
  timers: Timers;
  endpoints: Endpoints;
  /** Where commits being made are recorded (`<data dir>/commits`). */
  commitsDir: string;
  /** Throws when this process may not write to its data folder (its lock was lost). */
  guard: () => void;
  /**
   * Proves, asking the storage itself, that this process still holds it: right before each
   * step that makes something visible (in team mode, the writer's fencing number).
   */
  fence: Fence;
  /** This data folder, as destinations' claims name it; read on use. */
  instance: () => Promise<Instance>;
  /** The connection with its project and organization, or null when it is gone. */
  find(
    connectionId: string,
  ): { connection: Connection; project: Project; org: Organization } | null;
  /** Write job records (and tell the consoles). */
  record(jobs: Job[]): Promise<Job[]>;
}

/**
 * The commit side of an hour's export: what makes a written (staged) hour visible, and what
 * makes sure nothing else is half so. Before a try writes, the connection's earlier unfinished
 * commits are finished and its destination checked to be this data folder's; after it wrote, the
 * destination is claimed, the commit recorded (`commits/`), and every object made visible, a
 * refused step tried again. The run (`ExportService`) decides when; this decides how.
 */
export class HourCommits {
  readonly log: CommitLog;
  private readonly leftovers: Leftovers;
  private readonly claims: DestinationClaims;
  /** Aborted when Ferry stops: a commit waiting to try a refused step again stops waiting. */
  private readonly stopping = new AbortController();

  constructor(private readonly deps: HourCommitDeps) {
    this.log = new CommitLog(deps.commitsDir, deps.guard);
    this.claims = new DestinationClaims(deps.instance);
    this.leftovers = new Leftovers({
      config: deps.config,
      commits: this.log,
      endpoints: deps.endpoints,
      clock: deps.clock,
      find: deps.find,
      get: (id) => deps.jobs.get(id),
      jobs: deps.jobs,
      fence: deps.fence,
      record: deps.record,
    });
  }

  /**
   * Before a try of `hour` writes anything: finish the connection's commits of other hours (a
   * refused one fails this try), check the destination is this data folder's, and drop an
   * unfinished commit of this very hour — the try rewrites it whole.
   */
  async prepare(connection: Connection, project: Project, hour: string, sink: Sink) {
    await this.leftovers.finishOpen(connection.id, hour);
    await this.claim(connection, project, false);
    await this.log.supersede(connection.id, hour, sink);
  }

  /** Check (and with `place`, make) this data folder's claim on the connection's destination. */
  async claim(connection: Connection, project: Project, place: boolean): Promise<void> {
    const sink = await this.deps.endpoints.sinkFor(connection);
    await this.claims.check(sink, prefixOf(connection), connection, project.id, { place });
  }

  /** Take a connection's destination over from another Ferry (connections.takeOver). */
  async takeOver(connection: Connection, project: Project) {
    const sink = await this.deps.endpoints.sinkFor(connection);
    return this.claims.takeOver(sink, prefixOf(connection), connection, project.id);
  }

  /**
   * Record the commit of a written hour (its sealed objects, stale keys, manifest and the jobs as
   * they will read): from here on the hour is made visible, by this run or by the next start.
   */
  async begin(
    connection: Connection,
    project: Project,
    hour: string,
    jobs: Job[],
    written: StagedDataset[],
    started: Date,
  ): Promise<CommitIntent> {
    const intent = await this.intent(connection, project, hour, jobs, written, started);
    await this.log.record(intent);
    return intent;
  }

  /** Make a recorded hour visible, trying a refused step again; returns its jobs, as committed. */
  async make(connection: Connection, intent: CommitIntent): Promise<Job[]> {
    const sink = await this.deps.endpoints.sinkFor(connection);
    const etags = await commitPatiently(
      sink,
      intent,
      (ms) => this.pause(ms),
      undefined,
      undefined,
      this.deps.fence,
    );
    return intent.jobs.map((j) => withEtags(j, etags));
  }

  /** The commit is finished and its jobs recorded: its record goes. */
  done(intent: CommitIntent): Promise<void> {
    return this.log.done(intent);
  }

  /** The run gave its commit up unfinished: it is left to the next export and the next start. */
  release(intent: CommitIntent): void {
    this.log.release(intent);
  }

  /** Throw away what a run wrote and will not commit. */
  async discard(connection: Connection, written: StagedDataset[]): Promise<void> {
    const sink = await this.deps.endpoints.sinkFor(connection).catch(() => null);
    if (!sink) return;
    await Promise.allSettled(written.flatMap(stagedFiles).map((o) => sink.discard(o.staged)));
  }

  /** Ferry stops: commits waiting to try a refused step again give up waiting. */
  stop(): void {
    this.stopping.abort();
  }

  /** At start: finish what a killed process left (see Leftovers.finishCommits). */
  recover(): Promise<Notice[]> {
    return this.leftovers.finishCommits();
  }

  /** For a process that only looks (`ferry status`): learn the unfinished commits, touch none. */
  async load(): Promise<void> {
    await this.log.pending(() => undefined, { readOnly: true });
  }

  /** Abort uploads a killed process left unfinished at S3 connections (see Leftovers). */
  sweep(options?: SweepOptions): Promise<string[]> {
    return this.leftovers.sweepUploads(options);
  }

  /**
   * A connection's hours whose commit was recorded and not finished, and no run is making now:
   * part of each may be visible beside an earlier export (a refused step, a kill). Read from
   * `commits/`, so every process tells the same.
   */
  incomplete(connectionId: string): { hour: string; job: { id: string; dataset: Dataset } }[] {
    return this.log.unfinished(connectionId).map(({ hour, jobs: [first] }) => ({
      hour,
      job: { id: first!.id, dataset: first!.dataset },
    }));
  }

  /** Wait before a refused commit step is tried again; false when Ferry stops meanwhile. */
  private async pause(ms: number): Promise<boolean> {
    await sleep(this.deps.timers, ms, this.stopping.signal);
    return !this.stopping.signal.aborted;
  }

  /** The commit of a written hour: its sealed objects, stale keys, manifest and final jobs. */
  private async intent(
    connection: Connection,
    project: Project,
    hour: string,
    jobs: Job[],
    written: StagedDataset[],
    started: Date,
  ): Promise<CommitIntent> {
    const now = this.deps.clock.now();
    const finished = jobs.map((job) => {
      const d = written.find((w) => w.dataset === job.dataset)!;
      return {
        ...job,
        status: 'succeeded' as const,
        error: null,
        counts: d.counts,
        bytes: d.bytes,
        objects: d.objects.map(({ staged, ...object }) => (void staged, object)),
        queryObjects: (d.query?.objects ?? []).map(
          ({ staged, ...object }) => (void staged, object),
        ),
        // Where this run wrote: the connection may move before the hour is exported again.
        writtenTo: exportPlaceOf(connection.destination),
        removed: d.stale,
        notes: [
          ...job.notes,
          ...d.notes,
          ...(d.stale.length > 0
            ? [
                `Removed ${plural(d.stale.length, 'partition')} of an earlier export of this hour that this one no longer has.`,
              ]
            : []),
        ],
        finishedAt: now.toISOString(),
        durationMs: now.getTime() - started.getTime(),
      };
    });
    return {
      version: 1,
      id: `${jobs[0]!.id}-${jobs[0]!.attempts}`,
      connectionId: connection.id,
      hour,
      writtenAt: now.toISOString(),
      jobs: finished,
      staged: written.flatMap((d) => stagedFiles(d).map((o) => o.staged)),
      stale: written.flatMap((d) => [...d.stale, ...(d.query?.stale ?? [])]),
      queryMarkers: queryMarkersOf(written),
      manifest: connection.options.manifest
        ? {
            key: manifestKey(prefixOf(connection), project.id, hour),
            body: await this.manifest(connection, project, hour, finished, now),
          }
        : null,
    };
  }

  /**
   * The manifest of an hour: this run's objects, and for a dataset it did not export, the latest
   * successful job's — so it always lists every object of the hour. Not one that wrote to
   * another place (the connection moved since): its objects are not here.
   */
  private async manifest(
    connection: Connection,
    project: Project,
    hour: string,
    finished: Job[],
    now: Date,
  ): Promise<string> {
    const datasets: Pick<Job, 'dataset' | 'objects' | 'queryObjects'>[] = [];
    const here = exportPlaceOf(connection.destination);
    for (const dataset of connection.datasets) {
      const mine = finished.find((j) => j.dataset === dataset);
      const latest = mine
        ? mine
        : (
            await this.deps.jobs.list({
              connectionId: connection.id,
              dataset,
              hourFrom: hour,
              hourTo: hour,
              status: ['succeeded'],
              limit: 1,
            })
          ).items[0];
      if (latest && wroteHere(latest, here)) datasets.push(latest);
    }
    return manifestText(project.id, hour, now, datasets);
  }
}

/** The markers every dataset's query copy asks the commit to write and remove (null: none). */
function queryMarkersOf(written: StagedDataset[]): CommitIntent['queryMarkers'] {
  const copies = written.flatMap((d) => (d.query ? [d.query.markers] : []));
  if (copies.length === 0) return null;
  return {
    add: copies.flatMap((m) => m.add),
    remove: copies.flatMap((m) => m.remove),
  };
}
