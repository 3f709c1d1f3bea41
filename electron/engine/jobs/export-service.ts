import { randomBytes } from 'node:crypto';
import PQueue from 'p-queue';
import { FerryError } from '../../../shared/api/errors';
import type { PushEvent } from '../../../shared/api/events';
import type { Connection, Job, Organization, Project } from '../../../shared/model/entities';
import type { Dataset } from '../../../shared/model/fields';
import {
  eventObjectKey,
  eventObjectPrefix,
  manifestKey,
  mergedIdsObjectKey,
  partitionOf,
} from '../../../shared/model/export-format';
import type { AwsClients } from '../aws/clients';
import type { Clock } from '../catalog';
import { exportEventsHour } from '../pipeline/events';
import { exportMergedIdsHour } from '../pipeline/merged-ids';
import type { WorkerPool } from '../pipeline/pool';
import { FolderSink } from '../sinks/folder';
import { S3Sink } from '../sinks/s3';
import type { Sink } from '../sinks/types';
import { AmplitudeSource } from '../sources/amplitude';
import { DemoSource } from '../sources/demo';
import { FilesSource } from '../sources/files';
import { SourceError, type EventSource } from '../sources/types';
import type { ConfigStore } from '../store/config-store';
import type { JobsStore } from '../store/jobs-store';
import { amplitudeSecretName, SecretStore } from '../store/secrets';
import {
  missingPermission,
  statementForDestination,
  type OperationError,
} from '../aws/permissions';
import { quickRetryPolicy, type RetryPolicy } from '../schedule/retry';
import { sleep, type Timers } from '../schedule/timers';
import { classifyError, type JobError } from './errors';

export interface ExportDeps {
  config: ConfigStore;
  jobs: JobsStore;
  secrets: SecretStore;
  pool: WorkerPool;
  aws: AwsClients;
  clock: Clock;
  emit(event: PushEvent): void;
  /** Indexes and downloads (files source index, Amplitude zips). */
  cacheDir: string;
  /** Tries per job for transient failures, and the first backoff delay (doubled each try). */
  retry?: { attempts: number; baseMs: number };
  /** Waits between tries run on these (the scheduler's clock in tests). */
  timers: Timers;
}

/** How one export runs: cancelled by `signal`, retried by `retry`, noted with `notes`. */
export interface ExportOptions {
  signal?: AbortSignal;
  /** When to try again after a failure (default: a few quick retries of transient errors). */
  retry?: RetryPolicy;
  /** Written on the job from its start (e.g. that it re-runs an interrupted job). */
  notes?: string[];
  /** How to wait before the next try (the scheduler frees the job's queue slot meanwhile). */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export type Trigger = Job['trigger'];

const PROGRESS_EVERY_MS = 500;

/**
 * Runs exports as jobs: one (connection, dataset, hour) at a time each, recorded in history
 * from start to end, retried on transient failures, and reported on the push stream.
 */
export class ExportService {
  private readonly running = new Map<string, AbortController>();
  private readonly fileSources = new Map<string, FilesSource>();
  private closed = false;

  constructor(private readonly deps: ExportDeps) {}

  /** Export one hour of one dataset and record it; resolves with the finished job. */
  async exportHour(
    connectionId: string,
    dataset: Dataset,
    hour: string,
    trigger: Trigger,
    options: ExportOptions = {},
  ): Promise<Job> {
    const { signal } = options;
    const { connection, project, org } = this.resolve(connectionId);
    checkDatasets(connection, [dataset]);
    const key = `${connection.id}|${dataset}|${hour}`;
    if (this.running.has(key))
      throw new FerryError(
        'conflict',
        `${hour} (${dataset}) of "${connection.name}" is being exported right now`,
      );
    if (this.closed) throw new FerryError('conflict', 'Ferry is shutting down');
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.running.set(key, controller);
    try {
      return await this.run(connection, project, org, dataset, hour, trigger, {
        ...options,
        signal: controller.signal,
      });
    } finally {
      this.running.delete(key);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Export several hours (a backfill, or one hour's datasets), a few at a time; resolves with
   * every finished job. Overlapping earlier exports is safe: each hour is rewritten whole.
   */
  async exportHours(
    connectionId: string,
    hours: string[],
    datasets: Dataset[] | null,
    trigger: Trigger,
    options: { concurrency?: number; signal?: AbortSignal; onJob?: (job: Job) => void } = {},
  ): Promise<Job[]> {
    const { connection } = this.resolve(connectionId);
    const wanted = datasets ?? connection.datasets;
    const queue = new PQueue({ concurrency: options.concurrency ?? 2 });
    const jobs: Job[] = [];
    for (const hour of hours)
      for (const dataset of wanted)
        void queue.add(async () => {
          if (options.signal?.aborted) return;
          const job = await this.exportHour(connection.id, dataset, hour, trigger, {
            signal: options.signal,
          });
          jobs.push(job);
          options.onJob?.(job);
        });
    await queue.onIdle();
    return jobs.sort((a, b) =>
      a.hour === b.hour ? a.dataset.localeCompare(b.dataset) : a.hour.localeCompare(b.hour),
    );
  }

  /** True while (connection, dataset, hour) is being exported. */
  isRunning(connectionId: string, dataset: Dataset, hour: string): boolean {
    return this.running.has(`${connectionId}|${dataset}|${hour}`);
  }

  /** Stop every running export (they end as cancelled) and refuse new ones. */
  async close(): Promise<void> {
    this.closed = true;
    for (const controller of this.running.values())
      controller.abort(new Error('Ferry is shutting down'));
    while (this.running.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** The sink a connection writes to (also used by reconcile). */
  async sinkFor(connection: Connection): Promise<Sink> {
    const dest = connection.destination;
    if (dest.type === 'folder') return new FolderSink(dest.path);
    return new S3Sink(await this.deps.aws.s3(dest), {
      bucket: dest.bucket,
      sse:
        dest.sse === 'aws:kms' && dest.kmsKeyArn
          ? { algorithm: 'aws:kms', keyId: dest.kmsKeyArn }
          : dest.sse === 'AES256'
            ? { algorithm: 'AES256' }
            : null,
    });
  }

  /** The connection, its project and organization, or a not_found error. */
  resolve(connectionId: string): { connection: Connection; project: Project; org: Organization } {
    const data = this.deps.config.data;
    const key = connectionId.trim();
    const connection =
      data.connections.find((c) => c.id === key) ??
      data.connections.find((c) => c.name.toLowerCase() === key.toLowerCase());
    if (!connection)
      throw new FerryError('not_found', `There is no connection "${connectionId}"`, 'connectionId');
    const project = data.projects.find((p) => p.id === connection.projectId);
    const org = project && data.organizations.find((o) => o.id === project.orgId);
    if (!project || !org)
      throw new FerryError('not_found', `The project of connection "${connection.name}" is gone`);
    return { connection, project, org };
  }

  private async run(
    connection: Connection,
    project: Project,
    org: Organization,
    dataset: Dataset,
    hour: string,
    trigger: Trigger,
    options: ExportOptions & { signal: AbortSignal },
  ): Promise<Job> {
    const { clock, timers } = this.deps;
    const { signal } = options;
    const started = clock.now();
    let job: Job = {
      id: newJobId(started),
      connectionId: connection.id,
      dataset,
      hour,
      trigger,
      status: 'running',
      attempts: 0,
      createdAt: started.toISOString(),
      updatedAt: started.toISOString(),
      startedAt: started.toISOString(),
      finishedAt: null,
      durationMs: null,
      counts: null,
      bytes: null,
      objects: [],
      removed: [],
      notes: options.notes ?? [],
      error: null,
    };
    const retry =
      options.retry ??
      quickRetryPolicy(this.deps.retry?.attempts ?? 3, this.deps.retry?.baseMs ?? 2000);

    for (;;) {
      job = await this.record({
        ...job,
        attempts: job.attempts + 1,
        status: 'running',
        error: null,
      });
      try {
        const outcome = await this.execute(connection, project, org, dataset, hour, signal, job.id);
        return await this.finish(job, started, {
          status: 'succeeded',
          ...outcome,
          notes: [...job.notes, ...outcome.notes],
        });
      } catch (error) {
        if (signal.aborted) return this.finish(job, started, { status: 'cancelled', error: null });
        const problem = explainAccess(classifyError(error), error, connection, project);
        const delay = retry(problem, job.attempts, clock.now().getTime() - started.getTime());
        if (delay !== null) {
          // Waiting to try again: `queued` with the error that caused it.
          job = await this.record({ ...job, status: 'queued', error: problem });
          await (options.wait ?? ((ms, s) => sleep(timers, ms, s)))(delay, signal);
          if (signal.aborted)
            return this.finish(job, started, { status: 'cancelled', error: null });
          continue;
        }
        return this.finish(job, started, { status: 'failed', error: problem });
      }
    }
  }

  private async finish(job: Job, started: Date, changes: Partial<Job>): Promise<Job> {
    const now = this.deps.clock.now();
    return this.record({
      ...job,
      ...changes,
      finishedAt: now.toISOString(),
      durationMs: now.getTime() - started.getTime(),
    });
  }

  private async record(job: Job): Promise<Job> {
    const saved = { ...job, updatedAt: this.deps.clock.now().toISOString() };
    await this.deps.jobs.put(saved);
    this.deps.emit({ type: 'job.updated', job: saved });
    return saved;
  }

  private async execute(
    connection: Connection,
    project: Project,
    org: Organization,
    dataset: Dataset,
    hour: string,
    signal: AbortSignal,
    jobId: string,
  ): Promise<Pick<Job, 'counts' | 'bytes' | 'objects' | 'removed' | 'notes'>> {
    const source = await this.sourceFor(project);
    const sink = await this.sinkFor(connection);
    const prefix = connection.destination.type === 's3' ? connection.destination.prefix : '';
    const { gzipLevel, partitionBytes, eventFilter } = connection.options;
    const notes: string[] = [];
    let lastProgress = 0;

    if (dataset === 'events') {
      const result = await exportEventsHour({
        hour,
        source,
        sink,
        pool: this.deps.pool,
        objectKey: (n) => eventObjectKey(prefix, project.id, hour, n),
        objectPrefix: eventObjectPrefix(prefix, project.id, hour),
        partitionOf: (key) => partitionOf(key, prefix, project.id, hour),
        partitionBytes,
        gzipLevel,
        filter: eventFilter,
        signal,
        onProgress: ({ events, bytes }) => {
          const now = Date.now();
          if (now - lastProgress < PROGRESS_EVERY_MS) return;
          lastProgress = now;
          this.deps.emit({ type: 'job.progress', jobId, eventsDone: events, bytesDone: bytes });
        },
      });
      if (result.counts.badLines > 0)
        notes.push(
          `${result.counts.badLines} bad line(s) were not exported: ${result.badLineSamples.join('; ')}${result.counts.badLines > result.badLineSamples.length ? '; …' : ''}`,
        );
      if (result.removedStale.length > 0)
        notes.push(
          `Removed ${result.removedStale.length} partition(s) of an earlier export of this hour that this one no longer has.`,
        );
      if (result.cleanedUp > 0)
        notes.push(
          `Cleaned up ${result.cleanedUp} unfinished upload(s) of an interrupted earlier run.`,
        );
      if (result.counts.eventsIn === 0)
        notes.push('The source has no events for this hour, so no file was written.');
      const outcome = {
        counts: result.counts,
        bytes: result.bytes,
        objects: result.objects,
        removed: result.removedStale,
        notes,
      };
      await this.writeManifest(connection, project, hour, sink, prefix, 'events', outcome.objects);
      return outcome;
    }

    const result = await exportMergedIdsHour({
      hour,
      source,
      sink,
      pool: this.deps.pool,
      key: mergedIdsObjectKey(prefix, org.id, hour),
      projectId: project.id,
      gzipLevel,
      signal,
    });
    if (result.derived && result.merges > 0)
      notes.push(
        'The source has no merge records, so merges were derived from the hour’s events (docs/pipeline.md).',
      );
    if (result.merges === 0)
      notes.push('No merged Amplitude IDs in this hour, so no file was written.');
    const outcome = {
      counts: {
        eventsIn: result.merges,
        eventsOut: result.merges,
        duplicates: 0,
        filtered: 0,
        badLines: 0,
      },
      bytes: {
        raw: result.objects.reduce((sum, o) => sum + o.rawBytes, 0),
        compressed: result.objects.reduce((sum, o) => sum + o.bytes, 0),
      },
      objects: result.objects,
      removed: result.removedStale,
      notes,
    };
    await this.writeManifest(
      connection,
      project,
      hour,
      sink,
      prefix,
      'merged-ids',
      outcome.objects,
    );
    return outcome;
  }

  /**
   * The opt-in manifest: what the hour's latest exports wrote (both datasets), written after
   * the files themselves, so a reader that finds it can trust every file it lists is there.
   */
  private async writeManifest(
    connection: Connection,
    project: Project,
    hour: string,
    sink: Sink,
    prefix: string,
    dataset: Dataset,
    objects: Job['objects'],
  ): Promise<void> {
    if (!connection.options.manifest) return;
    const datasets: Record<string, unknown> = {};
    for (const other of connection.datasets) {
      if (other === dataset) {
        datasets[other] = objects;
        continue;
      }
      const latest = await this.deps.jobs.list({
        connectionId: connection.id,
        dataset: other,
        hourFrom: hour,
        hourTo: hour,
        status: ['succeeded'],
        limit: 1,
      });
      if (latest.items[0]) datasets[other] = latest.items[0].objects;
    }
    const manifest = {
      version: 1,
      projectId: project.id,
      hour,
      writtenAt: this.deps.clock.now().toISOString(),
      objects: Object.entries(datasets).flatMap(([name, list]) =>
        (list as Job['objects']).map((o) => ({
          dataset: name,
          key: o.key,
          events: o.events,
          bytes: o.bytes,
          sha256: o.sha256,
        })),
      ),
    };
    await sink.putObject(
      manifestKey(prefix, project.id, hour),
      Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`),
      'application/json',
    );
  }

  private async sourceFor(project: Project): Promise<EventSource> {
    const src = project.source;
    if (src.type === 'demo')
      return new DemoSource({
        projectId: project.id,
        seed: src.seed,
        eventsPerHour: src.eventsPerHour,
      });
    if (src.type === 'files') {
      let files = this.fileSources.get(src.path);
      if (!files)
        this.fileSources.set(src.path, (files = new FilesSource(src.path, this.deps.cacheDir)));
      return files;
    }
    const secretName = amplitudeSecretName(project.id);
    const secretKey = await this.deps.secrets.get(secretName).catch(() => null);
    if (!secretKey)
      throw new SourceError(
        `Project "${project.name}" has no Amplitude secret key stored here`,
        `Enter it in the project settings (or set ${SecretStore.envName(secretName)}).`,
      );
    return new AmplitudeSource({
      region: src.region,
      endpoint: src.endpoint,
      apiKey: src.apiKey,
      secretKey,
      tempDir: this.deps.cacheDir,
    });
  }
}

/**
 * The datasets to export: the ones asked for (all of the connection's when none), refused with
 * a field error when the connection does not export one of them.
 */
export function checkDatasets(connection: Connection, wanted?: readonly Dataset[]): Dataset[] {
  const datasets = wanted ? [...wanted] : connection.datasets;
  const missing = datasets.filter((d) => !connection.datasets.includes(d));
  if (missing.length > 0)
    throw new FerryError(
      'validation',
      `Connection "${connection.name}" does not export ${missing.join(', ')}`,
      'datasets',
    );
  return datasets;
}

/** Time-ordered job ids: `j_<time base36>_<random>`. */
function newJobId(now: Date): string {
  return `j_${now.getTime().toString(36).padStart(9, '0')}_${randomBytes(4).toString('hex')}`;
}

/**
 * An access error with the permission it lacked and the statement that grants it — the same
 * mapping access verification uses.
 */
function explainAccess(
  problem: JobError,
  error: unknown,
  connection: Connection,
  project: Project,
): JobError {
  const dest = connection.destination;
  if (problem.kind !== 'access' || problem.code === 'credentials' || dest.type !== 's3')
    return problem;
  const operation = (error as OperationError).operation;
  if (!operation) return problem;
  const permission = missingPermission(operation, error);
  if (!permission) return problem;
  const statement = statementForDestination(permission, dest, project.id);
  return {
    ...problem,
    code: permission,
    message: `Missing permission ${permission} (${operation} was refused: ${problem.message})`,
    fix: `Grant ${permission} to ${dest.roleArn ? `the export role ${dest.roleArn}` : `the identity of profile "${dest.profile}"`}${statement ? `: ${JSON.stringify({ ...statement, Sid: undefined })}` : ''}. Then verify access (ferry verify ${connection.name}).`,
  };
}
