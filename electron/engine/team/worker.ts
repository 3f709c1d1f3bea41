import { hourText } from '../../../shared/model/hours';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Job as QueueJob } from 'pg-boss';
import type { PushEvent } from '../../../shared/api/events';
import type { Job } from '../../../shared/model/jobs';
import { appSettings } from '../../../shared/model/settings';
import { createAwsClients, type AwsClients } from '../aws/clients';
import type { DatabaseOptions } from '../engine-store';
import { openWorkerStore, type WorkerStore } from '../engine-store/team';
import { ExportService } from '../jobs/export-service';
import { closedByShutdown } from '../jobs/job-record';
import { WorkerPool } from '../pipeline/pool';
import { configuredOrigins } from '../secret-binding';
import type { HourLease } from '../store/postgres/leases';
import { systemTimers, type Timers } from '../time/timers';
import { HourQueue, type HourOutcome, type HourQueueTiming, type HourTask } from './hour-queue';

export interface WorkerOptions {
  /** This host's working files (commits under way, the cache), under their own lock. */
  dataDir: string;
  database: DatabaseOptions;
  /** How the queue gives a silent worker's hour to another (tests shorten it). */
  timing?: Partial<HourQueueTiming>;
  /** How often an idle worker asks the queue for an hour, in seconds. */
  pollSeconds?: number;
  aws?: AwsClients;
  timers?: Timers;
  /** Export worker threads (default: one per core). */
  threads?: number;
  retry?: { attempts: number; baseMs: number };
  /** One structured line per thing that happened (JSON logs). */
  log: (line: Record<string, unknown>) => void;
}

export interface TeamWorker {
  /** Who this worker is to the others (`ferry worker on host-a (pid 123)`). */
  readonly holder: string;
  /** Settles, with the reason, if the worker can no longer work (its data folder taken). */
  readonly lost: Promise<string>;
  /** Hours it finished, for tests and the log. */
  readonly finished: number;
  /** Stop taking hours; the one running may end within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * `ferry worker`: takes hours from the team's queue one at a time and exports them with the same
 * export service a laptop runs. Each hour is first claimed in PostgreSQL (HourLease: its attempt
 * number is the fencing number), so a worker the queue gave up on — killed, stopped, cut off —
 * never makes its hour visible or writes its jobs after another took the hour over.
 */
export async function startWorker(options: WorkerOptions): Promise<TeamWorker> {
  const holder = `ferry worker on ${hostname()} (pid ${process.pid})`;
  let lose: (reason: string) => void = () => undefined;
  const lost = new Promise<string>((resolve) => (lose = resolve));
  const store = await openWorkerStore({
    dataDir: options.dataDir,
    database: options.database,
    holder,
    onLost: (message) => lose(message),
  });
  const pool = new WorkerPool(options.threads);
  const aws = options.aws ?? createAwsClients();
  let queue: HourQueue | null = null;
  try {
    const exports = await workerExports(store, options, pool, aws);
    bindSecrets(store);
    // Commits a kill of this worker left behind: finished while no one took their hour since.
    const notices = await exports
      .recover()
      .catch((error: unknown) => [
        { level: 'warning' as const, message: (error as Error).message },
      ]);
    for (const notice of notices) options.log({ level: notice.level, msg: notice.message });
    store.leases.dropAllBut([]);
    queue = await HourQueue.open(options.database.url, {
      timing: options.timing,
      log: (error) => options.log({ level: 'error', msg: (error as Error).message }),
    });
    const state = { finished: 0 };
    await queue.work(
      async (task, job) => {
        const outcome = await runTask(store, exports, task, job, options.log);
        state.finished++;
        return outcome;
      },
      { pollingIntervalSeconds: options.pollSeconds },
    );
    options.log({ level: 'info', msg: 'worker started', holder });
    const held = queue;
    return {
      holder,
      lost,
      get finished() {
        return state.finished;
      },
      async stop(graceMs = 30_000) {
        // No new hour; the running one may finish within the grace, else it is cancelled and
        // given back to the queue (the queue's stop waits for it to end).
        await Promise.all([held.stop(graceMs + 10_000), exports.close({ graceMs })]);
        await pool.close();
        aws.reset();
        await store.close();
      },
    };
  } catch (error) {
    await queue?.stop(0).catch(() => undefined);
    await pool.close();
    await store.close();
    throw error;
  }
}

/** One hour from the queue: claim it, close what a silent holder before left open, export it. */
async function runTask(
  store: WorkerStore,
  exports: ExportService,
  task: HourTask,
  job: QueueJob<HourTask>,
  log: WorkerOptions['log'],
): Promise<HourOutcome> {
  const key = { connectionId: task.connectionId, hour: task.hour };
  const context = { queueJob: job.id, connectionId: task.connectionId, hour: task.hour };
  await store.config.refresh();
  bindSecrets(store);
  const lease = await store.leases.claim(key, job.id);
  log({ level: 'info', msg: 'hour taken', attempt: lease.attempt, ...context });
  try {
    const { before, closed } = await closeEarlierAttempt(store, lease);
    // An earlier try of this same queue job finished the hour, and only the queue did not hear
    // of it (a kill between the two). An earlier export of the hour (another queue job: a
    // re-export, a backfill over it) is no reason to skip this one.
    const sameQueueJob = lease.previousHolder?.endsWith(`for queue job ${job.id}`) ?? false;
    if (sameQueueJob && before.length > 0 && before.every((j) => j.status === 'succeeded')) {
      log({ level: 'info', msg: 'hour already exported', ...context });
      return { jobIds: before.map((j) => j.id) };
    }
    const stopWatching = watchCancels(store, lease, exports, (said) =>
      log({ ...said, ...context }),
    );
    const jobs = await exports
      .runHour(task.connectionId, task.hour, task.datasets, task.trigger, {
        notes: [
          ...task.notes,
          ...(closed > 0
            ? [
                `Its first worker stopped answering; this worker took the hour over (attempt ${lease.attempt}).`,
              ]
            : []),
        ],
        onJobs: (jobs) => lease.recordJobs(jobs.map((j) => j.id)),
      })
      .finally(stopWatching);
    // Cut off by this worker's stop: the hour goes back to the queue for another worker.
    if (jobs.some((j) => j.status === 'cancelled' && j.cancelledBy === 'shutdown'))
      throw new Error(
        `This worker stopped before ${hourText(task.hour)} was exported; it goes back to the queue.`,
      );
    log({
      level: 'info',
      msg: 'hour ended',
      status: jobs[0]?.status ?? 'none',
      jobIds: jobs.map((j) => j.id),
      ...context,
    });
    return { jobIds: jobs.map((j) => j.id) };
  } catch (error) {
    log({ level: 'error', msg: (error as Error).message, ...context });
    throw error;
  } finally {
    store.leases.drop(key);
  }
}

/**
 * The jobs of the attempt before this one: those still open (their worker went silent) are
 * closed now, named as taken over, so every try of the hour ends in the history.
 */
async function closeEarlierAttempt(
  store: WorkerStore,
  lease: HourLease,
): Promise<{ before: Job[]; closed: number }> {
  const found = await store.jobs.getMany(lease.previousJobs);
  const out: Job[] = [];
  let closed = 0;
  for (const job of found.values()) {
    if (job.status !== 'running' && job.status !== 'queued') {
      out.push(job);
      continue;
    }
    const ended = closedByShutdown(
      job,
      new Date().toISOString(),
      `Its worker stopped answering; another worker took the hour over (attempt ${lease.attempt}).`,
    );
    await store.jobs.put(ended);
    out.push(ended);
    closed++;
  }
  return { before: out, closed };
}

/** How often a worker looks for a cancel asked of the hour it runs (or its connection deleted). */
const CANCEL_LOOK_MS = 1_000;

/**
 * While an hour runs: a cancel a person asked of it through the serve (on the hour's lease) is
 * made here, by the export service that runs it, and its outcome written back as the answer
 * ("committing": too late, the hour is being made visible); and an hour whose connection was
 * deleted meanwhile is cancelled as a laptop cancels it. Returns a function that stops it.
 */
function watchCancels(
  store: WorkerStore,
  lease: HourLease,
  exports: ExportService,
  said: (line: { level: 'info'; msg: string; outcome: string }) => void,
): () => void {
  const { connectionId } = lease.key;
  let looking = false;
  const look = async () => {
    await store.config.refresh();
    if (!store.config.data.connections.some((c) => c.id === connectionId)) {
      if (exports.cancelConnection(connectionId, 'deleted') > 0)
        said({ level: 'info', msg: 'connection deleted', outcome: 'cancelled' });
      return;
    }
    if (!(await lease.cancelAsked())) return;
    const [job] = lease.jobIds;
    const outcome = job ? exports.cancelJob(job, 'admin') : 'not-running';
    await lease.answerCancel(outcome);
    said({ level: 'info', msg: 'cancel asked', outcome });
  };
  const timer = setInterval(() => {
    if (looking) return;
    looking = true;
    // A look that fails (the database out of reach) is tried again at the next tick.
    void look()
      .catch(() => undefined)
      .finally(() => (looking = false));
  }, CANCEL_LOOK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** Secrets from this host's environment go only where the team's configuration sends them. */
function bindSecrets(store: WorkerStore): void {
  const data = store.config.data;
  const settings = appSettings.safeParse(data.settings).data ?? appSettings.parse({});
  store.secrets.bindEnvironment(configuredOrigins(data.projects, settings.smtp));
}

async function workerExports(
  store: WorkerStore,
  options: WorkerOptions,
  pool: WorkerPool,
  aws: AwsClients,
): Promise<ExportService> {
  const cacheDir = join(store.dataDir, 'cache');
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  const timers = options.timers ?? systemTimers;
  return new ExportService({
    config: store.config,
    jobs: store.jobs,
    secrets: store.secrets,
    pool,
    aws,
    clock: timers,
    timers,
    emit: (event: PushEvent) => {
      if (event.type === 'notice')
        options.log({ level: event.notice.level, msg: event.notice.message });
    },
    cacheDir,
    commitsDir: join(store.dataDir, 'commits'),
    guard: () => store.guard(),
    fence: store.leases.proveCommit,
    retry: options.retry,
    instance: store.instance,
  });
}
