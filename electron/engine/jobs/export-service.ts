import { hourText } from '../../../shared/model/hours';
import type { Fence } from './commit';
import { FerryError } from '../../../shared/api/errors';
import type { Notice } from '../../../shared/api/contract';
import type { PushEvent } from '../../../shared/api/events';
import type { Connection, Organization, Project } from '../../../shared/model/entities';
import type { CancelReason, Job } from '../../../shared/model/jobs';
import type { Dataset } from '../../../shared/model/fields';
import type { AwsClients } from '../aws/clients';
import type { Clock } from '../time/clock';
import type { WorkerPool } from '../pipeline/pool';
import { quickRetryPolicy, type RetryPolicy } from './retry';
import { sleep, type Timers } from '../time/timers';
import { StagedObjectLost, type Sink } from '../sinks/types';
import type { Instance } from '../store/instance';
import { CommitRefused } from './commit';
import { Endpoints } from './endpoints';
import { writeRun } from './run-write';
import {
  CANCELLED,
  checkDatasets,
  isHistoryWriteError,
  runKey,
  type CancelOutcome,
  type Run,
  type TryState,
} from './run';
import { runEndings, type StoppedRetrying } from './run-endings';
import {
  classifyError,
  commitIncomplete,
  explainAccess,
  historyWriteError,
  type JobError,
} from './errors';
import { HourCommits } from './hour-commit';
import type { SweepOptions } from './leftovers';
import { newJob } from './job-record';
import { type ClockWitness } from '../time/witness';
import type { ConfigPort, HourJobsPort, SecretsPort } from '../store/ports';

export interface ExportDeps {
  config: ConfigPort;
  jobs: HourJobsPort;
  secrets: SecretsPort;
  pool: WorkerPool;
  aws: AwsClients;
  clock: Clock;
  emit(event: PushEvent): void;
  /** Indexes and downloads (files source index, Amplitude zips). */
  cacheDir: string;
  /** Where commits being made are recorded (`<data dir>/commits`). */
  commitsDir: string;
  /** Throws when this process may not write to its data folder (its lock was lost). */
  guard: () => void;
  /** Proves, asking the storage, that this process still holds it (before a commit step). */
  fence: Fence;
  /** Tries per job for transient failures, and the first backoff delay (doubled each try). */
  retry?: { attempts: number; baseMs: number };
  /** Waits between tries run on these (the scheduler's clock in tests). */
  timers: Timers;
  /** What time S3 and Amplitude say it is: no hour is exported before it has ended by them. */
  witness?: ClockWitness;
  /** This data folder, as destinations' claims name it (see DestinationClaims); read on use. */
  instance: () => Promise<Instance>;
}

/** How one hour's export runs: cancelled by `signal`, retried by `retry`, noted with `notes`. */
export interface RunOptions {
  /** Aborting it cancels the run on the admin's behalf (a cancelled backfill). */
  signal?: AbortSignal;
  /** When to try again after a failure (default: a few quick retries of transient errors). */
  retry?: RetryPolicy;
  /** Written on the jobs from their start (e.g. that they re-run an interrupted job). */
  notes?: string[];
  /** How to wait before the next try (the scheduler frees the run's queue slot meanwhile). */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * Where an interrupted run of the hour stood (a stop or a kill between its tries): its tries
   * so far count towards the retry budget, and its next try waits until it was due.
   */
  resume?: { attempts: number; error: JobError | null; retryAt: string | null };
  /** Told the run's jobs before their first record (a team's worker names them on its lease). */
  onJobs?: (jobs: Job[]) => Promise<void>;
}

export type Trigger = Job['trigger'];

/**
 * Runs exports as jobs. One run exports one hour of a connection — every dataset asked for —
 * and records one job per dataset, from start to end, on the push stream and in history.
 *
 * An hour is committed whole or not at all: its datasets are written staged (invisible), then
 * a commit intent is recorded, then every object is made visible, stale partitions of an earlier
 * export are deleted, and only then are the jobs `succeeded`. A failure or cancel before the
 * intent throws the staged objects away; a kill after it is finished at the next start
 * (`recover`). A run that was cancelled, stopped or killed is never `succeeded`.
 */
export class ExportService {
  private readonly running = new Map<string, Run>();
  /** Runs a stop cancelled while they waited to retry (see StoppedRetrying). */
  private readonly stoppedRetrying: StoppedRetrying = new Map();
  private readonly endpoints: Endpoints;
  private readonly commits: HourCommits;
  private closed = false;

  constructor(private readonly deps: ExportDeps) {
    const witness = deps.witness;
    this.endpoints = new Endpoints({
      ...deps,
      serverTime: witness && ((who, at) => witness.report(who, at)),
    });
    this.commits = new HourCommits({
      ...deps,
      endpoints: this.endpoints,
      find: (id) => this.tryResolve(id),
      record: (jobs) => this.record(jobs),
    });
  }

  /**
   * Export one hour of a connection (the datasets given) and record it; resolves with the
   * finished jobs, one per dataset, all with the same outcome.
   */
  async runHour(
    connectionId: string,
    hour: string,
    datasets: Dataset[],
    trigger: Trigger,
    options: RunOptions = {},
  ): Promise<Job[]> {
    const { connection, project, org } = this.resolve(connectionId);
    checkDatasets(connection, datasets);
    if (this.closed) throw new FerryError('conflict', 'Ferry is shutting down');
    const key = runKey(connection.id, hour);
    // One run per hour of a connection: its datasets are committed together.
    if (this.running.has(key))
      throw new FerryError(
        'conflict',
        `${hourText(hour)} of "${connection.name}" is being exported right now`,
      );
    const controller = new AbortController();
    const run: Run = {
      connectionId: connection.id,
      hour,
      datasets,
      controller,
      reason: null,
      waiting: false,
      retryingAfter: null,
      committing: false,
      jobIds: [],
      done: Promise.resolve(),
    };
    const onAbort = () => this.cancelRun(run, 'admin');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    this.running.set(key, run);
    const done = this.lifecycle(run, connection, project, org, trigger, options);
    run.done = done.catch(() => undefined);
    try {
      return await done;
    } finally {
      this.running.delete(key);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Cancel the run a job belongs to: `committing` when it is past its commit point (too late:
   * the hour is being made visible), `not-running` when no run of this process has the job.
   */
  cancelJob(jobId: string, reason: CancelReason): CancelOutcome {
    for (const run of this.running.values())
      if (run.jobIds.includes(jobId)) {
        if (run.committing) return 'committing';
        return this.cancelRun(run, reason) ? 'cancelled' : 'not-running';
      }
    return 'not-running';
  }

  /** A connection's runs that are retrying after a failed try, with that try's error. */
  retrying(
    connectionId: string,
  ): { hour: string; dataset: Dataset; error: JobError; attempts: number }[] {
    const out = [...(this.stoppedRetrying.get(connectionId) ?? [])];
    for (const run of this.running.values())
      if (run.connectionId === connectionId && run.retryingAfter)
        out.push({ hour: run.hour, ...run.retryingAfter });
    return out.sort((a, b) => a.hour.localeCompare(b.hour));
  }

  /** Cancel every run of a connection (it was deleted). */
  cancelConnection(connectionId: string, reason: CancelReason): number {
    let n = 0;
    for (const run of this.running.values())
      if (run.connectionId === connectionId && this.cancelRun(run, reason)) n++;
    return n;
  }

  /**
   * Stop: refuse new runs, let running ones finish for up to `graceMs` (runs waiting to retry
   * are cancelled at once), then cancel what is left. Cancelled runs end as `cancelled` by
   * `reason` and leave the destination as it was; a shutdown's run again at the next start.
   */
  async close(options: { graceMs?: number; reason?: CancelReason } = {}): Promise<void> {
    const reason = options.reason ?? 'shutdown';
    this.closed = true;
    this.commits.stop();
    const all = () => Promise.all([...this.running.values()].map((r) => r.done));
    for (const run of this.running.values()) if (run.waiting) this.cancelRun(run, reason);
    if ((options.graceMs ?? 0) > 0 && this.running.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        all(),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, options.graceMs))),
      ]);
      clearTimeout(timer);
    }
    for (const run of this.running.values()) this.cancelRun(run, reason);
    await all();
  }

  /**
   * Finish commits a killed process left part-way — at start, before anything else writes.
   * Returns what happened, for notices.
   */
  recover(): Promise<Notice[]> {
    return this.commits.recover();
  }

  /** For a process that only looks (`ferry status`): learn the unfinished commits, touch none. */
  loadCommits(): Promise<void> {
    return this.commits.load();
  }

  /** A connection's hours whose commit did not finish (see HourCommits.incomplete). */
  incompleteCommits(connectionId: string) {
    return this.commits.incomplete(connectionId);
  }

  /** Abort uploads a killed process left unfinished at S3 connections (see Leftovers). */
  sweepLeftovers(options?: SweepOptions): Promise<string[]> {
    return this.commits.sweep(options);
  }

  /** Take a connection's destination over from another Ferry (connections.takeOver). */
  takeOver(connectionId: string) {
    const { connection, project } = this.resolve(connectionId);
    return this.commits.takeOver(connection, project);
  }

  /** The sink a connection writes to (also used by reconcile). */
  sinkFor(connection: Connection): Promise<Sink> {
    return this.endpoints.sinkFor(connection);
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

  private tryResolve(connectionId: string) {
    try {
      return this.resolve(connectionId);
    } catch {
      return null;
    }
  }

  private cancelRun(run: Run, reason: CancelReason): boolean {
    // Past the commit point nothing cancels a run: its hour is made visible, or left to finish.
    if (run.controller.signal.aborted || run.committing) return false;
    run.reason = reason;
    run.controller.abort(new Error(CANCELLED[reason]));
    return true;
  }

  /** Tries of one run until it succeeds, fails for good, or is cancelled. */
  private async lifecycle(
    run: Run,
    connection: Connection,
    project: Project,
    org: Organization,
    trigger: Trigger,
    options: RunOptions,
  ): Promise<Job[]> {
    const { clock } = this.deps;
    const signal = run.controller.signal;
    const started = clock.now();
    let jobs = run.datasets.map((dataset) => ({
      ...newJob(connection.id, dataset, run.hour, trigger, started, options.notes ?? []),
      attempts: options.resume?.attempts ?? 0,
    }));
    run.jobIds = jobs.map((j) => j.id);
    await options.onJobs?.(jobs);
    const retry =
      options.retry ??
      quickRetryPolicy(this.deps.retry?.attempts ?? 3, this.deps.retry?.baseMs ?? 2000);
    /** What this run has staged and begun to commit, for the cleanup after a failed try. */
    const state: TryState = { pending: null, staged: null };
    const { finish, unfinished, cancelled } = runEndings(
      {
        clock: this.deps.clock,
        record: (jobs) => this.record(jobs),
        stoppedRetrying: this.stoppedRetrying,
      },
      { run, current: () => jobs, started, state },
    );

    // Interrupted while it waited to retry: its next try is due when it was due.
    const resume = options.resume;
    if (resume?.error && resume.retryAt) {
      const left = Date.parse(resume.retryAt) - clock.now().getTime();
      if (left > 0) jobs = await this.waitToRetry(run, jobs, resume.error, left, options);
      if (signal.aborted) return cancelled();
    }

    for (;;) {
      jobs = await this.record(
        jobs.map((job) => ({
          ...job,
          attempts: job.attempts + 1,
          status: 'running',
          error: null,
          retryAt: null,
        })),
      );
      try {
        return await this.tryOnce(run, { connection, project, org }, jobs, state, started);
      } catch (error) {
        const written = state.staged;
        state.staged = null;
        if (state.pending) this.commits.release(state.pending);
        // Written but not committed: nothing of it may stay behind.
        else if (written) await this.commits.discard(connection, written);
        if (error instanceof CommitRefused && error.hour === run.hour) {
          // Ferry is stopping: the next start finishes the commit.
          if (this.closed) return cancelled();
          const problem = commitIncomplete(error, connection, project);
          return finish('failed', (job) => ({ error: problem, notes: unfinished(job) }));
        }
        if (error instanceof StagedObjectLost && state.pending) {
          // Someone aborted the staged uploads: the hour is written again from the start, and
          // what of this try is still staged goes (its commit will never come).
          await this.commits.done(state.pending);
          if (written) await this.commits.discard(connection, written);
          state.pending = null;
          run.committing = false;
        }
        if (signal.aborted) return cancelled();
        if (isHistoryWriteError(error)) throw error;
        const problem =
          error instanceof CommitRefused
            ? commitIncomplete(error, connection, project)
            : explainAccess(classifyError(error), error, connection, project);
        const delay = retry(problem, jobs[0]!.attempts, clock.now().getTime() - started.getTime());
        if (delay === null)
          return finish('failed', (job) => ({ error: problem, notes: unfinished(job) }));
        jobs = await this.waitToRetry(run, jobs, problem, delay, options);
        if (signal.aborted) return cancelled();
      }
    }
  }

  /** One try: write the hour staged, then commit it (past the commit point nothing cancels). */
  private async tryOnce(
    run: Run,
    target: { connection: Connection; project: Project; org: Organization },
    jobs: Job[],
    state: TryState,
    started: Date,
  ): Promise<Job[]> {
    const { connection, project } = target;
    const signal = run.controller.signal;
    signal.throwIfAborted();
    state.staged = await writeRun(
      { endpoints: this.endpoints, commits: this.commits, deps: this.deps },
      run,
      target,
      jobs,
      signal,
    );
    // Still this data folder's destination (another Ferry may have taken it over meanwhile);
    // its claim is placed now, by the first commit there.
    await this.commits.claim(connection, project, true);
    // The last moment a cancel applies: past it the hour is committed, whatever happens.
    signal.throwIfAborted();
    run.committing = true;
    state.pending = await this.commits.begin(
      connection,
      project,
      run.hour,
      jobs,
      state.staged,
      started,
    );
    const done = await this.record(await this.commits.make(connection, state.pending));
    await this.commits.done(state.pending);
    return done;
  }

  /**
   * Wait out the pause before a run's next try, its jobs `queued` with the error that caused it
   * meanwhile. Returns the jobs as recorded; a stop cancels the run rather than wait.
   */
  private async waitToRetry(
    run: Run,
    jobs: Job[],
    problem: JobError,
    delay: number,
    options: RunOptions,
  ): Promise<Job[]> {
    const retryAt = new Date(this.deps.clock.now().getTime() + delay).toISOString();
    const queued = await this.record(
      jobs.map((job) => ({ ...job, status: 'queued', error: problem, retryAt })),
    );
    run.retryingAfter = {
      error: problem,
      attempts: queued[0]!.attempts,
      dataset: queued[0]!.dataset,
    };
    // Ferry is stopping: a run that would wait gives up now rather than hold the stop up.
    if (this.closed) this.cancelRun(run, 'shutdown');
    run.waiting = true;
    try {
      const wait = options.wait ?? ((ms, s) => sleep(this.deps.timers, ms, s));
      await wait(delay, run.controller.signal);
    } catch {
      this.cancelRun(run, 'shutdown'); // the queue stopped while this run waited
    } finally {
      run.waiting = false;
    }
    return queued;
  }

  /**
   * Write job records and tell the consoles. The push goes out even when the history can not
   * be written (a full disk), so the console and CLI still learn the outcome; then it throws.
   */
  private async record(jobs: Job[]): Promise<Job[]> {
    const now = this.deps.clock.now().toISOString();
    const saved = jobs.map((job) => ({ ...job, updatedAt: now }));
    let failure: unknown = null;
    for (const job of saved) {
      await this.deps.jobs.put(job).catch((error: unknown) => (failure ??= error));
      this.deps.emit({ type: 'job.updated', job });
    }
    if (failure) {
      const error = historyWriteError(failure);
      this.deps.emit({ type: 'notice', notice: { level: 'error', message: error.message } });
      throw error;
    }
    return saved;
  }
}
