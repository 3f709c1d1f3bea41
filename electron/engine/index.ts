import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppInfo, MethodInput, MethodResult, Notice } from '../../shared/api/contract';
import type { Envelope } from '../../shared/api/errors';
import { FerryError } from '../../shared/api/errors';
import type { PushEvent } from '../../shared/api/events';
import type { ApiMethod } from '../../shared/api/methods';
import { appSettings, type AppSettings } from '../../shared/model/entities';
import { hourIndex } from '../../shared/model/export-format';
import { dispatch, type Handlers } from './api/dispatch';
import { createAwsClients, type AwsClients } from './aws/clients';
import { awsFiles, environmentWarnings, listProfiles } from './aws/profiles';
import { AwsSetup } from './aws/setup';
import { classifyError } from './jobs/errors';
import { Catalog, type Clock } from './catalog';
import { Notifier, SMTP_PASSWORD_SECRET, type DesktopPort } from './notify/notifier';
import { Scheduler, type SchedulerDeps } from './schedule/scheduler';
import { systemTimers, type Timers } from './schedule/timers';
import { seedDemo } from './demo-seed';
import { checkDatasets, ExportService } from './jobs/export-service';
import { WorkerPool } from './pipeline/pool';
import { openStore, type Store } from './store';
import type { JobsStore } from './store/jobs-store';
import { PLAIN_FILE_CODEC, SecretStore, type SecretCodec } from './store/secrets';
import { FERRY_VERSION, PRODUCT } from './version';

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
  /** Exports as jobs, for the CLI and tests that wait for them. */
  readonly exports: ExportService;
  /** Job history (reconcile reads it). */
  readonly jobs: JobsStore;
  /** The hourly schedule; `start()` it where Ferry runs by itself (desktop, serve, run). */
  readonly scheduler: Scheduler;
  close(): Promise<void>;
}

/**
 * Open a data dir and return the engine that serves the API contract over it.
 *
 * Everything the engine needs comes in through `options` (clock, secrets, AWS clients) so tests
 * can run it on a temp folder; no transport code lives here.
 */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  const timers = options.timers ?? systemTimers;
  const clock = options.clock ?? timers;
  const store: Store = await openStore({
    dataDir: options.dataDir,
    role: options.role,
    readOnly: options.readOnly,
  });
  const listeners = new Set<(event: PushEvent) => void>();
  const emit = (event: PushEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        options.log?.(error);
      }
    }
  };
  const secrets = new SecretStore(store.dataDir, options.secretCodec ?? PLAIN_FILE_CODEC);
  const catalog = new Catalog(store.config, clock, emit, secrets);
  const pool = new WorkerPool(options.workers);
  const aws = options.aws ?? createAwsClients();
  const cacheDir = join(store.dataDir, 'cache');
  if (!options.readOnly) await mkdir(cacheDir, { recursive: true });
  const exports = new ExportService({
    config: store.config,
    jobs: store.jobs,
    secrets,
    pool,
    aws,
    clock,
    emit,
    cacheDir,
    retry: options.retry,
    timers,
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
  const setup = new AwsSetup(aws, store.config, store.dataDir, clock);
  const notifier = new Notifier({
    config: store.config,
    secrets,
    clock,
    emit,
    desktop: options.desktop,
    log: options.log,
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
  // Enabling, disabling or changing a connection takes effect at once.
  listeners.add((event) => {
    if (event.type === 'entity.changed' && event.entity === 'connection') void scheduler.tick();
  });
  const settings = async (): Promise<AppSettings> => ({
    ...appSettings.parse(store.config.data.settings),
    smtpPasswordStored: await secrets.has(SMTP_PASSWORD_SECRET),
  });
  const startedAt = clock.now().toISOString();

  const handlers: Handlers = {
    'app.info': () => ({
      name: PRODUCT,
      version: FERRY_VERSION,
      transport: options.transport,
      platform: `${process.platform}-${process.arch}`,
      node: process.versions.node,
      electron: options.electronVersion ?? null,
      dataDir: store.dataDir,
      startedAt,
      notices: store.notices,
    }),
    'orgs.list': () => catalog.listOrgs(),
    'orgs.get': ({ id }) => catalog.getOrg(id),
    'orgs.create': (input) => catalog.createOrg(input),
    'orgs.update': (input) => catalog.updateOrg(input),
    'orgs.delete': ({ id }) => catalog.deleteOrg(id),
    'projects.list': (input) => catalog.listProjects(input?.orgId),
    'projects.get': ({ id }) => catalog.getProject(id),
    'projects.create': (input) => catalog.createProject(input),
    'projects.update': (input) => catalog.updateProject(input),
    'projects.delete': ({ id }) => catalog.deleteProject(id),
    'connections.list': (input) => catalog.listConnections(input?.projectId),
    'connections.get': ({ id }) => catalog.getConnection(id),
    'connections.create': (input) => catalog.createConnection(input),
    'connections.update': async (input) => {
      const updated = await catalog.updateConnection(input);
      // A changed destination may be the fix for what stopped it: let the schedule try again.
      if (input.destination) await scheduler.resume(updated.id);
      return updated;
    },
    'connections.delete': ({ id }) => catalog.deleteConnection(id),
    'jobs.list': (input) => store.jobs.list(input),
    'jobs.get': async ({ id }) => {
      const job = await store.jobs.get(id);
      if (!job) throw new FerryError('not_found', `There is no job ${id}`, 'id');
      return job;
    },
    'aws.profiles': async () => ({
      profiles: await listProfiles(),
      warnings: environmentWarnings(),
      files: awsFiles(),
    }),
    'aws.identity': (input) => awsCall(() => setup.identity(input)),
    'aws.bucketRegion': async (target) => ({
      region: await awsCall(() => setup.bucketRegion(target)),
    }),
    'aws.plan': async ({ target, form }) => {
      const { identity, proposals } = await awsCall(() => setup.plan(target, form));
      return { identity, proposals };
    },
    'aws.apply': ({ target, form, step, connectionId }) =>
      awsCall(() => setup.apply(target, form, step, connectionId)),
    'aws.createKey': async ({ target, form }) => ({
      keyArn: await awsCall(() => setup.createKey(target, form)),
    }),
    'aws.verify': ({ target, form }) => awsCall(() => setup.verify(target, form)),
    'backups.list': () => [...store.config.data.backups].reverse(),
    'backups.restore': ({ id, as }) => awsCall(() => setup.restore(id, as)),
    'jobs.exportHour': ({ connectionId, hour, datasets }) => {
      if (hourIndex(hour) >= hourIndex(clock.now().toISOString().slice(0, 13)))
        throw new FerryError(
          'validation',
          `${hour} has not ended yet; export hours that are over`,
          'hour',
        );
      const { connection } = exports.resolve(connectionId);
      const wanted = checkDatasets(connection, datasets);
      const started = wanted.filter((dataset) =>
        scheduler.enqueue(connection, dataset, hour, 'manual'),
      );
      if (started.length === 0)
        throw new FerryError(
          'conflict',
          `${hour} of "${connection.name}" is already queued or being exported`,
          'hour',
        );
      return { started: started.map((dataset) => ({ dataset, hour })) };
    },
    'jobs.retry': async ({ id }) => ({ queued: await scheduler.retryJob(id) }),
    'jobs.retryFailed': async (input) => ({
      queued: await scheduler.retryFailed(input?.connectionId),
    }),
    'jobs.stats': (input) => scheduler.stats(input),
    'schedule.status': () => scheduler.statuses(),
    'schedule.resume': ({ id }) => scheduler.resume(id),
    'backfills.preview': (input) => scheduler.preview(input),
    'backfills.start': (input) => scheduler.startBackfill(input),
    'backfills.list': (input) => scheduler.listBackfills(input?.connectionId),
    'backfills.get': ({ id }) => scheduler.backfill(id),
    'backfills.hours': ({ id }) => scheduler.backfillHours(id),
    'backfills.cancel': ({ id }) => scheduler.cancelBackfill(id),
    'settings.get': () => settings(),
    'settings.update': async ({ smtp, smtpPassword, concurrency }) => {
      if (smtpPassword !== undefined) {
        if (smtpPassword === '') await secrets.delete(SMTP_PASSWORD_SECRET);
        else await secrets.set(SMTP_PASSWORD_SECRET, smtpPassword);
      }
      await store.config.update((data) => {
        if (smtp !== undefined) data.settings.smtp = smtp;
        if (concurrency !== undefined) data.settings.concurrency = concurrency;
      });
      if (concurrency !== undefined) scheduler.setConcurrency(concurrency);
      return settings();
    },
    'settings.testEmail': async ({ to }) => {
      await notifier.testEmail(to);
      return { sent: true as const };
    },
  };

  let closed = false;
  return {
    dataDir: store.dataDir,
    notices: store.notices,
    exports,
    jobs: store.jobs,
    scheduler,
    dispatch: (method, input) =>
      dispatch(handlers, method, input, { readOnly: options.readOnly, log: options.log }),
    async call(method, input) {
      const result = await dispatch(handlers, method, input, {
        readOnly: options.readOnly,
        log: options.log,
      });
      if (!result.ok) throw FerryError.fromBody(result.error);
      return result.value as never;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      await scheduler.stop();
      await exports.close();
      await pool.close();
      aws.reset();
      listeners.clear();
      await store.close();
    },
  };
}

/**
 * Run an AWS call for the console: SDK failures become typed errors with their fix (a refused
 * permission is `forbidden`, a wrong setting `validation`, anything else `upstream`).
 */
async function awsCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof FerryError) throw error;
    const problem = classifyError(error);
    const code =
      problem.kind === 'access'
        ? 'forbidden'
        : problem.kind === 'config'
          ? 'validation'
          : 'upstream';
    const field =
      problem.code === 'NoSuchBucket'
        ? 'bucket'
        : problem.code === 'PermanentRedirect'
          ? 'region'
          : undefined;
    throw new FerryError(code, `${problem.message}${problem.fix ? ` ${problem.fix}` : ''}`, field);
  }
}
