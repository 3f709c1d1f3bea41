import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppInfo, MethodInput, MethodResult, Notice } from '../../shared/api/contract';
import type { Envelope } from '../../shared/api/errors';
import { FerryError } from '../../shared/api/errors';
import type { PushEvent } from '../../shared/api/events';
import type { ApiMethod } from '../../shared/api/methods';
import { appSettings } from '../../shared/model/settings';
import { type CancelReason } from '../../shared/model/jobs';
import { dispatch } from './api/dispatch';
import { createHandlers, type HandlerDeps } from './api/handlers';
import { createAwsClients, type AwsClients } from './aws/clients';
import { AwsSetup } from './aws/setup';
import { Catalog } from './catalog';
import type { Clock } from './time/clock';
import type { LockOwner } from './store/lock';
import { Notifier, type DesktopPort } from './notify/notifier';
import { Scheduler, type SchedulerDeps } from './schedule/scheduler';
import { systemTimers, type Timers } from './time/timers';
import { seedDemo } from './demo-seed';
import { MigrationService } from './migration/service';
import { ExportService } from './jobs/export-service';
import { WorkerPool } from './pipeline/pool';
import type { Store } from './store';
import {
  openEngineStore,
  type DatabaseOptions,
  type EngineSecrets,
  type EngineStore,
} from './engine-store';
import type { TeamPeople } from './store/postgres/people';
import { redactUrl } from './store/postgres/address';
import { configuredOrigins } from './secret-binding';
import { secretsNotice } from './secrets-notice';
import { readiness, type Readiness } from './readiness';
import { ClockWitness } from './time/witness';
import type { Instance } from './store/instance';
import type { SecretCodec } from './store/secrets';
import { LockLoss, PushStream, standingNotice } from './push-stream';
import type { JobHistoryPort } from './store/ports';
import type { PgJobHistory } from './store/postgres/jobs';
import { HourQueue } from './team/hour-queue';
import { RemoteHours } from './team/remote-hours';

/** The redaction gate, for the entries' own exits (CLI output, logs) and secrets (a token). */
export { holdSecret, redactSecrets } from './redact';
export { writeFileAtomic } from './store/atomic';
/** What the entries need beside the engine itself; they import nothing from deeper in. */
export { FERRY_VERSION } from './version';
export { defaultDataDir } from './store/data-dir';
export { isAlive, readLockOwner } from './store/lock';
export type { SecretCodec } from './store/secrets';
export type { DatabaseOptions } from './engine-store';
export type { TeamPeople, TeamToken } from './store/postgres/people';
export type { AuditEntry } from '../../shared/model/audit';
export type { Readiness } from './readiness';
export { exportToDataDir, importDataDir, openTeamPeople, startWorker } from './team-entries';
export type { TransferReport } from './team-transfer';
/** A database URL without its password, for what Ferry prints. */
export { redactUrl as databaseAddress } from './store/postgres/address';
export { HeldElsewhere } from './store/postgres/errors';
export { DemoSource } from './sources/demo';
export { timersFromEnv } from './time/timers';
export type { TeamWorker, WorkerOptions } from './team/worker';

export interface EngineOptions {
  /** The data folder; in team mode (`database`), only this host's working files (commits, cache). */
  dataDir: string;
  /** Team mode: config, history, backups and secrets in this PostgreSQL database. */
  database?: DatabaseOptions | null;
  /** Which transport serves this engine; shown in app info. */
  transport: AppInfo['transport'];
  /** What this process is, named to a second process that finds the data dir locked. */
  role: string;
  /** Open without the lock and refuse changes (read-only CLI commands). */
  readOnly?: boolean;
  clock?: Clock;
  /** The scheduler's clock and timers (default: the real ones; tests pass a fake clock). */
  timers?: Timers;
  electronVersion?: string | null;
  log?: (error: unknown) => void;
  /** How secrets are sealed: the OS keychain on desktop, a 0600 file headless. */
  secretCodec?: SecretCodec;
  /** Extra certificate authority trusted for the SMTP server (a private CA; tests). */
  smtpCa?: string;
  /** A brand-new data dir starts with a demo organization, project and folder connection. */
  seedDemo?: boolean;
  /** AWS clients (tests may pass their own). */
  aws?: AwsClients;
  /** Export worker threads (default: one per core). */
  workers?: number;
  /** Retries of transient export failures (tests shorten the waits). */
  retry?: { attempts: number; baseMs: number };
  /** The scheduler's backoff timing (tests shorten it and fix the jitter). */
  scheduleRetry?: SchedulerDeps['retry'];
  /** Where desktop notifications go (Electron's Notification); the push stream always gets them. */
  desktop?: DesktopPort;
  /** Months read so far when the job index is built from them (first start, damaged index). */
  onIndexProgress?: (done: number, total: number) => void;
  /**
   * Team mode: hours are exported by `ferry worker` processes taking them from the queue, not
   * by this process (which schedules them and serves the console).
   */
  hoursOnWorkers?: boolean;
}

export interface Engine {
  readonly dataDir: string;
  /** Call a method by name with unchecked input, as a transport does. Never throws. */
  dispatch(method: unknown, input: unknown): Promise<Envelope<unknown>>;
  /** Call a method from trusted code; throws FerryError on failure. */
  call<M extends ApiMethod>(method: M, input?: MethodInput<M>): Promise<MethodResult<M>>;
  /** Listen to the push stream; returns the unsubscribe function. */
  subscribe(listener: (event: PushEvent) => void): () => void;
  /** Start-up notices (damaged files restored, …). */
  readonly notices: Notice[];
  /** Settles, with the reason, if another process takes the data folder over. */
  readonly lost: Promise<string>;
  /** This process's record as the data folder's holder (null: opened read-only). */
  readonly holder: LockOwner | null;
  /** Exports as jobs, for the CLI and tests that wait for them. */
  readonly exports: ExportService;
  /** Whether it can work now (`/readyz`): its storage answers and it still holds it. */
  readiness(): Promise<Readiness>;
  /** Team mode: people's tokens (with roles) and the audit log; null on a laptop. */
  readonly people: TeamPeople | null;
  /** Team mode's workers, as figures for metrics; null on a laptop. */
  readonly team: TeamFigures | null;
  /** Job history (reconcile reads it). */
  readonly jobs: JobHistoryPort;
  /** The hourly schedule; `start()` it where Ferry runs by itself (desktop, serve, run). */
  readonly scheduler: Scheduler;
  /**
   * Stop: no new work; running exports may finish within `graceMs` (default 0), then they are
   * cancelled (`reason`, default a shutdown: they run again at the next start); then close the
   * data folder.
   */
  close(options?: CloseOptions): Promise<void>;
}

export interface TeamFigures {
  /** Hours in the workers' queue now (null: this serve exports its hours itself). */
  queue(): Promise<{ queued: number; active: number } | null>;
  /** Hours taken over from a silent worker, ever. */
  takeovers(): Promise<number>;
}

export interface CloseOptions {
  graceMs?: number;
  reason?: CancelReason;
}

/**
 * Open a data dir and return the engine that serves the API contract over it.
 *
 * Everything the engine needs comes in through `options` (clock, secrets, AWS clients) so tests
 * can run it on a temp folder; no transport code lives here.
 */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  checkOptions(options);
  const push = new PushStream(options.log);
  const emit = push.emit;
  // This computer's clock, set back by what S3 and Amplitude say while it runs ahead of them.
  let onClockChange: (notice: Notice) => void = () => undefined;
  const { witness, timers, clock } = correctedTime(options, (notice) => onClockChange(notice));
  const lock = new LockLoss(emit);
  const { store, secrets, instance, people, teamJobs, takeovers, cancelOnWorker } =
    await openEngineStore({
      dataDir: options.dataDir,
      role: options.role,
      readOnly: options.readOnly,
      database: options.database,
      secretCodec: options.secretCodec,
      now: () => clock.now(),
      onIndexProgress: options.onIndexProgress,
      onLost: lock.report,
    });
  const remote = await hoursElsewhere(options, { jobs: teamJobs, store, cancelOnWorker }, emit);
  onClockChange = standingNotice(store.notices, emit);
  const catalog = new Catalog(store.config, clock, emit, secrets, store.dataDir);
  const pool = new WorkerPool(options.workers);
  const aws = options.aws ?? createAwsClients();
  const exports = await createExports(options, {
    store,
    secrets,
    instance,
    pool,
    aws,
    clock,
    timers,
    witness,
    emit,
  });
  await seedIfFresh(options, store, catalog);
  const setup = new AwsSetup(aws, store.config, store.backups, clock);
  const notifier = new Notifier({
    config: store.config,
    secrets,
    clock,
    emit,
    desktop: options.desktop,
    log: options.log,
    smtpCa: options.smtpCa,
  });
  const scheduler = new Scheduler({
    config: store.config,
    jobs: store.jobs,
    exports,
    notifier,
    timers,
    emit,
    log: options.log,
    retry: options.scheduleRetry,
    elsewhere: remote ?? undefined,
  });
  lock.onLoss(() => void scheduler.stop());
  const migrations = new MigrationService({
    config: store.config,
    catalog,
    setup,
    aws,
    scheduler,
    exports,
    jobs: store.jobs,
    log: store.migrations,
    backups: store.backups,
    clock,
    timers,
    emit,
  });
  // Enabling, disabling or changing a connection takes effect at once.
  push.subscribe((event) => {
    if (event.type === 'entity.changed' && event.entity === 'connection') void scheduler.tick();
  });
  await guardSecrets(options, { store, catalog, secrets, emit });
  // A commit a kill cut short is finished before anything else writes to a destination.
  if (!options.readOnly) store.notices.push(...(await exports.recover()));
  else await exports.loadCommits();
  const handlers = createHandlers({
    store,
    people,
    catalog,
    scheduler,
    exports,
    setup,
    migrations,
    notifier,
    secrets,
    clock,
    info: appInfoOf(options, clock, store.notices),
  });
  const calls = (method: unknown, input: unknown) =>
    dispatch(handlers, method, input, {
      readOnly: options.readOnly,
      refuseChanges: lock.refusal,
      log: options.log,
    });
  const close = closer({ remote, scheduler, exports, pool, aws, push, store });
  return engineApi({
    store,
    push,
    lock,
    exports,
    scheduler,
    calls,
    close,
    readOnly: !!options.readOnly,
    people,
    team: takeovers && {
      queue: async () => (remote ? remote.depth() : null),
      takeovers,
    },
  });
}

/** What `app.info` says of this engine besides its version. */
function appInfoOf(options: EngineOptions, clock: Clock, notices: Notice[]): HandlerDeps['info'] {
  return {
    transport: options.transport,
    electron: options.electronVersion ?? null,
    database: options.database ? redactUrl(options.database.url) : null,
    startedAt: clock.now().toISOString(),
    notices,
  };
}

/** Options that can not work together, refused before anything is opened. */
function checkOptions(options: EngineOptions): void {
  if (options.hoursOnWorkers && !options.database)
    throw new FerryError('validation', 'Workers take hours from a team database: give --database.');
}

/**
 * Team mode with workers: the queue hours are sent to, and the runner that sends them and waits
 * for the workers' jobs. Null when this process exports its hours itself.
 */
async function hoursElsewhere(
  options: EngineOptions,
  {
    jobs,
    store,
    cancelOnWorker,
  }: Pick<EngineStore, 'store' | 'cancelOnWorker'> & { jobs: PgJobHistory | null },
  emit: (event: PushEvent) => void,
) {
  if (!options.hoursOnWorkers || options.readOnly || !options.database || !jobs) return null;
  // Opened before anything else starts: a failure closes the storage and leaves nothing running.
  const queue = await HourQueue.open(options.database.url, { log: options.log }).catch(
    async (error: unknown) => {
      await store.close();
      throw error;
    },
  );
  const remote = new RemoteHours({ queue, jobs, emit, log: options.log, cancelOnWorker });
  return {
    run: remote.run,
    catchUp: remote.catchUp,
    cancel: remote.cancelJob,
    openHours: (connectionId: string) => queue.openHours(connectionId),
    depth: () => queue.depth(),
    stop: () => remote.stop(),
    close: () => queue.stop(0),
  };
}

/** Stop the schedule (and the wait for workers), then the exports, then close the storage. */
function closer(parts: {
  remote: Awaited<ReturnType<typeof hoursElsewhere>>;
  scheduler: Scheduler;
  exports: ExportService;
  pool: WorkerPool;
  aws: AwsClients;
  push: PushStream;
  store: Store;
}) {
  const { remote, scheduler, exports, pool, aws, push, store } = parts;
  return async (closeOptions: CloseOptions) => {
    remote?.stop();
    await scheduler.stop();
    await remote?.close();
    await exports.close(closeOptions);
    await pool.close();
    aws.reset();
    push.clear();
    await store.close();
  };
}

/** The clock the engine runs on: the given one, or this computer's as the witness corrects it. */
function correctedTime(options: EngineOptions, onChange: (notice: Notice) => void) {
  const witness = new ClockWitness({
    clock: options.timers ?? systemTimers,
    onChange: (message, level) => onChange({ level, message }),
  });
  const timers = witness.correctedTimers(options.timers ?? systemTimers);
  return { witness, timers, clock: options.clock ?? timers };
}

interface ExportParts {
  store: Store;
  secrets: EngineSecrets;
  /** Who this Ferry is to destinations (read or made on first use). */
  instance: () => Promise<Instance>;
  pool: WorkerPool;
  aws: AwsClients;
  clock: Clock;
  timers: Timers;
  witness: ClockWitness;
  emit: (event: PushEvent) => void;
}

/** The export service over the data folder, with its cache and commit folders. */
async function createExports(options: EngineOptions, parts: ExportParts): Promise<ExportService> {
  const { store, clock } = parts;
  const cacheDir = join(store.dataDir, 'cache');
  if (!options.readOnly) await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  let instance: Promise<Instance> | null = null;
  return new ExportService({
    // Read (or made) on first use; a failure is tried again at the next use.
    instance: () =>
      (instance ??= parts.instance().catch((error: unknown) => {
        instance = null;
        throw error;
      })),
    config: store.config,
    jobs: store.jobs,
    secrets: parts.secrets,
    pool: parts.pool,
    aws: parts.aws,
    clock,
    emit: parts.emit,
    cacheDir,
    commitsDir: join(store.dataDir, 'commits'),
    guard: () => store.guard(),
    fence: () => store.fence(),
    retry: options.retry,
    timers: parts.timers,
    witness: parts.witness,
  });
}

/** A brand-new data folder starts with the demo organization, unless asked not to. */
async function seedIfFresh(options: EngineOptions, store: Store, catalog: Catalog): Promise<void> {
  // A team's database starts empty: the demo writes into one host's folder.
  const wanted = !options.database && (options.seedDemo ?? process.env.FERRY_DEMO !== '0');
  if (!store.config.fresh || options.readOnly || !wanted) return;
  await seedDemo(catalog, store.dataDir);
  store.notices.push({
    level: 'info',
    message:
      'Welcome to Ferry. A demo connection writes sample events to a folder on this computer; enable it to see real export files.',
  });
}

/**
 * Secrets from the environment go only where the configuration sends them as Ferry starts, and
 * a project never claims a secret that can not be read (a damaged or deleted secrets.json): a
 * notice at start, and at once when found damaged while running.
 */
async function guardSecrets(
  options: EngineOptions,
  parts: { store: Store; catalog: Catalog; secrets: EngineSecrets; emit: ExportParts['emit'] },
): Promise<void> {
  const { store, catalog, secrets, emit } = parts;
  secrets.bindEnvironment(
    configuredOrigins(catalog.listProjects(), appSettings.parse(store.config.data.settings).smtp),
  );
  const warning = await secretsNotice(catalog, secrets, options.readOnly);
  if (warning) store.notices.push(warning);
  if (options.readOnly) return;
  secrets.onDamaged = () =>
    void secretsNotice(catalog, secrets).then((found) => {
      if (!found) return;
      store.notices.push(found);
      emit({ type: 'notice', notice: found });
    }, options.log);
}

interface EngineParts {
  store: Store;
  push: PushStream;
  lock: LockLoss;
  exports: ExportService;
  scheduler: Scheduler;
  calls: (method: unknown, input: unknown) => Promise<Envelope<unknown>>;
  /** Stop the schedule and the exports, then close the data folder. */
  close: (options: CloseOptions) => Promise<void>;
  readOnly: boolean;
  people: TeamPeople | null;
  team: TeamFigures | null;
}

/** The engine as its entries see it; closing twice does nothing. */
function engineApi(parts: EngineParts): Engine {
  const { store, push, lock, calls } = parts;
  let closed = false;
  return {
    dataDir: store.dataDir,
    notices: store.notices,
    lost: lock.lost,
    holder: store.holder,
    exports: parts.exports,
    jobs: store.jobs,
    scheduler: parts.scheduler,
    dispatch: calls,
    async call(method, input) {
      const result = await calls(method, input);
      if (!result.ok) throw FerryError.fromBody(result.error);
      return result.value as never;
    },
    subscribe: (listener) => push.subscribe(listener),
    readiness: () => readiness(store, parts.readOnly),
    people: parts.people,
    team: parts.team,
    async close(closeOptions = {}) {
      if (closed) return;
      closed = true;
      await parts.close(closeOptions);
    },
  };
}
