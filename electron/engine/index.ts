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
import { createHandlers } from './api/handlers';
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
import { openStore, type Store } from './store';
import { configuredOrigins } from './secret-binding';
import { secretsNotice } from './secrets-notice';
import { ClockWitness } from './time/witness';
import { loadInstance } from './store/instance';
import { PLAIN_FILE_CODEC, SecretStore, type SecretCodec } from './store/secrets';
import { redactDeep } from './redact';
import type { JobHistoryPort } from './store/ports';

/** The redaction gate, for the entries' own exits (CLI output, logs) and secrets (a token). */
export { holdSecret, redactSecrets } from './redact';
export { writeFileAtomic } from './store/atomic';
/** What the entries need beside the engine itself; they import nothing from deeper in. */
export { FERRY_VERSION } from './version';
export { defaultDataDir } from './store/data-dir';
export { isAlive, readLockOwner } from './store/lock';
export type { SecretCodec } from './store/secrets';
export { DemoSource } from './sources/demo';
export { timersFromEnv } from './time/timers';

export interface EngineOptions {
  dataDir: string;
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
  /** Job history (reconcile reads it). */
  readonly jobs: JobHistoryPort;
  /** The hourly schedule; `start()` it where Ferry runs by itself (desktop, serve, run). */
  readonly scheduler: Scheduler;
  /**
   * Stop: no new work; running exports may finish within `graceMs` (default 0), then they are
   * cancelled (`reason`, default a shutdown: they run again at the next start); then close the
   * data folder.
   */
  close(options?: { graceMs?: number; reason?: CancelReason }): Promise<void>;
}

/**
 * Open a data dir and return the engine that serves the API contract over it.
 *
 * Everything the engine needs comes in through `options` (clock, secrets, AWS clients) so tests
 * can run it on a temp folder; no transport code lives here.
 */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  // This computer's clock, set back by what S3 and Amplitude say while it runs ahead of them.
  let onClockChange: (notice: Notice) => void = () => undefined;
  const witness = new ClockWitness({
    clock: options.timers ?? systemTimers,
    onChange: (message, level) => onClockChange({ level, message }),
  });
  const timers = witness.correctedTimers(options.timers ?? systemTimers);
  const clock = options.clock ?? timers;
  const listeners = new Set<(event: PushEvent) => void>();
  // If another process takes the folder over, this one stops: no more exports, no more
  // changes (each refused with the reason), and the consoles are told.
  let lostLock: string | null = null;
  let stopSchedule = () => {};
  let onLost: (message: string) => void = () => undefined;
  const lost = new Promise<string>((resolve) => (onLost = resolve));
  const store: Store = await openStore({
    dataDir: options.dataDir,
    role: options.role,
    readOnly: options.readOnly,
    onIndexProgress: options.onIndexProgress,
    onLost: (message) => {
      lostLock = message;
      emit({ type: 'notice', notice: { level: 'error', message } });
      stopSchedule();
      onLost(message);
    },
  });
  const emit = (raw: PushEvent) => {
    // The redaction gate for pushed events (notices, notifications, job changes).
    const event = redactDeep(raw);
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        options.log?.(error);
      }
    }
  };
  // A clock found ahead stays a notice (the console's banner) until it agrees again.
  let clockNotice: Notice | null = null;
  onClockChange = (notice) => {
    if (clockNotice) store.notices.splice(store.notices.indexOf(clockNotice) >>> 0, 1);
    clockNotice = notice.level === 'warning' ? notice : null;
    if (clockNotice) store.notices.push(clockNotice);
    emit({ type: 'notice', notice });
  };
  const secrets = new SecretStore(
    store.dataDir,
    options.secretCodec ?? PLAIN_FILE_CODEC,
    process.env,
    () => clock.now(),
    options.readOnly,
  );
  const catalog = new Catalog(store.config, clock, emit, secrets);
  const pool = new WorkerPool(options.workers);
  const aws = options.aws ?? createAwsClients();
  const cacheDir = join(store.dataDir, 'cache');
  if (!options.readOnly) await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  let instance: ReturnType<typeof loadInstance> | null = null;
  const exports = new ExportService({
    // Read (or made) on first use; a failure is tried again at the next use.
    instance: () =>
      (instance ??= loadInstance(store.dataDir, () => clock.now(), options.readOnly).catch(
        (error: unknown) => {
          instance = null;
          throw error;
        },
      )),
    config: store.config,
    jobs: store.jobs,
    secrets,
    pool,
    aws,
    clock,
    emit,
    cacheDir,
    commitsDir: join(store.dataDir, 'commits'),
    guard: () => store.guard(),
    retry: options.retry,
    timers,
    witness,
  });
  if (
    store.config.fresh &&
    !options.readOnly &&
    (options.seedDemo ?? process.env.FERRY_DEMO !== '0')
  ) {
    await seedDemo(catalog, store.dataDir);
    store.notices.push({
      level: 'info',
      message:
        'Welcome to Ferry. A demo connection writes sample events to a folder on this computer; enable it to see real export files.',
    });
  }
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
  });
  stopSchedule = () => void scheduler.stop();
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
  listeners.add((event) => {
    if (event.type === 'entity.changed' && event.entity === 'connection') void scheduler.tick();
  });
  // Secrets from the environment go only where the configuration sends them as Ferry starts.
  secrets.bindEnvironment(
    configuredOrigins(catalog.listProjects(), appSettings.parse(store.config.data.settings).smtp),
  );
  // A project never claims a secret that can not be read (a damaged or deleted secrets.json).
  const secretsWarning = await secretsNotice(catalog, secrets, options.readOnly);
  if (secretsWarning) store.notices.push(secretsWarning);
  if (!options.readOnly) {
    // Found damaged while running: the same check, and the console hears of it at once.
    secrets.onDamaged = () =>
      void secretsNotice(catalog, secrets).then((found) => {
        if (!found) return;
        store.notices.push(found);
        emit({ type: 'notice', notice: found });
      }, options.log);
  }
  // A commit a kill cut short is finished before anything else writes to a destination.
  if (!options.readOnly) store.notices.push(...(await exports.recover()));
  else await exports.loadCommits();
  const handlers = createHandlers({
    store,
    catalog,
    scheduler,
    exports,
    setup,
    migrations,
    notifier,
    secrets,
    clock,
    info: {
      transport: options.transport,
      electron: options.electronVersion ?? null,
      startedAt: clock.now().toISOString(),
      notices: store.notices,
    },
  });

  let closed = false;
  return {
    dataDir: store.dataDir,
    notices: store.notices,
    lost,
    holder: store.holder,
    exports,
    jobs: store.jobs,
    scheduler,
    dispatch: (method, input) =>
      dispatch(handlers, method, input, {
        readOnly: options.readOnly,
        refuseChanges: () => lostLock,
        log: options.log,
      }),
    async call(method, input) {
      const result = await dispatch(handlers, method, input, {
        readOnly: options.readOnly,
        refuseChanges: () => lostLock,
        log: options.log,
      });
      if (!result.ok) throw FerryError.fromBody(result.error);
      return result.value as never;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close(closeOptions = {}) {
      if (closed) return;
      closed = true;
      await scheduler.stop();
      await exports.close(closeOptions);
      await pool.close();
      aws.reset();
      listeners.clear();
      await store.close();
    },
  };
}
