import { hourText } from '../../../shared/model/hours';
import type { AppInfo, MethodParsed, Notice } from '../../../shared/api/contract';
import { FerryError } from '../../../shared/api/errors';
import { setupTarget, setupTargetFor, type BackupAsk, type Probe } from '../../../shared/model/aws';
import { type Connection } from '../../../shared/model/entities';
import { appSettings, type AppSettings, type SmtpSettings } from '../../../shared/model/settings';
import { backupAskTarget } from '../aws/backup-ask';
import type { AwsSetup } from '../aws/setup';
import { awsFiles, environmentWarnings, listProfiles } from '../aws/profiles';
import type { Catalog } from '../catalog';
import type { Clock } from '../time/clock';
import type { MigrationService } from '../migration/service';
import { classifyError } from '../jobs/errors';
import type { ExportService } from '../jobs/export-service';
import { reconcile } from '../jobs/reconcile';
import { verifyFolder } from '../jobs/verify-folder';
import { SMTP_PASSWORD_SECRET, type Notifier } from '../notify/notifier';
import type { Scheduler } from '../schedule/scheduler';
import { smtpOrigin, smtpOriginLabel } from '../secret-binding';
import type { Store } from '../store';
import { FERRY_VERSION, PRODUCT } from '../version';
import type { Handlers } from './dispatch';
import type { SecretsPort } from '../store/ports';
import type { TeamPeople } from '../store/postgres/people';

export interface HandlerDeps {
  store: Store;
  /** Team mode's tokens and audit log; null on a laptop. */
  people: Pick<TeamPeople, 'audit'> | null;
  catalog: Catalog;
  scheduler: Scheduler;
  /** The export engine: which connection, project and organization, and its destination. */
  exports: Pick<ExportService, 'resolve' | 'sinkFor'>;
  setup: AwsSetup;
  migrations: MigrationService;
  notifier: Notifier;
  secrets: SecretsPort;
  clock: Clock;
  info: Pick<AppInfo, 'transport' | 'electron' | 'database'> & {
    startedAt: string;
    notices: Notice[];
  };
}

/**
 * One function per API method, each a thin call into the engine's parts. Inputs arrive already
 * validated by the contract (dispatch.ts); errors are FerryErrors with a message for a person.
 */
export function createHandlers(deps: HandlerDeps): Handlers {
  const h = helpers(deps);
  return {
    ...catalogHandlers(deps),
    ...historyHandlers(deps, h),
    ...adminHandlers(deps, h),
    ...auditHandlers(deps),
    ...queryHandlers(deps),
  };
}

/** The Glue tables over a connection's query copy (aws/query-table.ts). */
function queryHandlers({ catalog, setup, scheduler }: HandlerDeps): HandlersOf<'query'> {
  // The connection, and the newest hour it exported: what the tables can show now.
  const opened = async (connectionId: string) => {
    const connection = catalog.getConnection(connectionId);
    const status = (await scheduler.statuses()).find((s) => s.connectionId === connection.id);
    return { connection, hour: status?.lastExportedHour ?? null };
  };
  return {
    'query.plan': async ({ connectionId }) => {
      const { connection, hour } = await opened(connectionId);
      return awsCall(() => setup.queryTable.plan(connection, hour));
    },
    'query.apply': async ({ connectionId }) => {
      const { connection, hour } = await opened(connectionId);
      return awsCall(() => setup.queryTable.apply(connection, hour));
    },
    'query.remove': ({ connectionId }) =>
      awsCall(() => setup.queryTable.remove(catalog.getConnection(connectionId))),
  };
}

/** Team mode's audit log (a laptop keeps none: one person, its job history and backups). */
function auditHandlers({ people }: HandlerDeps): HandlersOf<'audit'> {
  return {
    'audit.list': (query) => {
      if (!people)
        throw new FerryError(
          'not_found',
          'Ferry keeps an audit log in team mode only (ferry serve --database …), where several people change the same exports. On this computer, the job history and the policy backups are the record.',
        );
      return people.audit(query);
    },
  };
}

/** The methods of some namespaces of the contract (`jobs.*`, …). */
type HandlersOf<N extends string> = Pick<Handlers, Extract<keyof Handlers, `${N}.${string}`>>;

type Helpers = ReturnType<typeof helpers>;

/** What several handlers share: the settings as the console sees them, names resolved to ids. */
function helpers(deps: HandlerDeps) {
  const { store, catalog, setup, secrets } = deps;
  const stored = () => appSettings.parse(store.config.data.settings);
  const settings = async (): Promise<AppSettings> => {
    const current = stored();
    return {
      ...current,
      smtpPasswordStored: current.smtp
        ? await secrets.has(SMTP_PASSWORD_SECRET, smtpOrigin(current.smtp))
        : false,
    };
  };

  /** A history query may name its connection as everywhere else: by id or by name. */
  const byConnection = <T extends { connectionId?: string } | undefined>(input: T): T =>
    input?.connectionId
      ? { ...input, connectionId: catalog.historyConnectionId(input.connectionId) }
      : input;

  const backupTarget = (id: string, ask: BackupAsk) => {
    const { connections, archived } = store.config.data;
    return backupAskTarget([...connections, ...archived], setup.backupEntry(id), ask);
  };
  return { settings, stored, byConnection, backupTarget };
}

/** Organizations, projects and connections (a change of destination checked first). */
function catalogHandlers(
  deps: HandlerDeps,
): HandlersOf<'app' | 'orgs' | 'projects' | 'connections'> {
  const { store, catalog, scheduler, setup, migrations } = deps;
  return {
    'app.info': () => ({
      name: PRODUCT,
      version: FERRY_VERSION,
      transport: deps.info.transport,
      platform: `${process.platform}-${process.arch}`,
      node: process.versions.node,
      electron: deps.info.electron,
      dataDir: store.dataDir,
      database: deps.info.database,
      startedAt: deps.info.startedAt,
      notices: deps.info.notices,
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
      const before = catalog.getConnection(input.id);
      if (input.destination) migrations.refuseChange(before.id, 'destination');
      await verifyMovedDestination(setup, before, input);
      const updated = await catalog.updateConnection(input);
      // A changed destination may be the fix for what stopped it: let the schedule try again.
      if (input.destination) await scheduler.resume(updated.id);
      return updated;
    },
    // The destination's refusal (a folder not there, a bucket refused) in words, not as a fault.
    'connections.takeOver': ({ id }) => awsCall(() => scheduler.takeOver(id)),
    'connections.delete': ({ id }) => {
      migrations.refuseChange(catalog.getConnection(id).id, 'delete');
      return catalog.deleteConnection(id);
    },
    'connections.archived': () => [...store.config.data.archived],
    'connections.verifyFolder': async ({ id }) => {
      const connection = catalog.getConnection(id);
      const dest = connection.destination;
      if (dest.type !== 'folder')
        throw new FerryError(
          'validation',
          `Connection "${connection.name}" writes to S3: check its access with aws.verify (ferry verify ${connection.name}).`,
          'id',
        );
      return verifyFolder(await deps.exports.sinkFor(connection), dest.path, deps.clock);
    },
  };
}

/** Jobs, the schedule and backfills. */
function historyHandlers(
  deps: HandlerDeps,
  h: Helpers,
): HandlersOf<'jobs' | 'schedule' | 'backfills'> {
  const { store, scheduler, exports } = deps;
  const { byConnection } = h;
  return {
    'jobs.list': (input) => store.jobs.list(byConnection(input)),
    'jobs.get': async ({ id }) => {
      const job = await store.jobs.get(id);
      if (!job) throw new FerryError('not_found', `There is no job ${id}`, 'id');
      return job;
    },
    'jobs.exportHour': ({ connectionId, hour, datasets }) => {
      const flight = scheduler.exportNow(connectionId, hour, datasets);
      return { started: flight.datasets.map((dataset) => ({ dataset, hour })) };
    },
    'jobs.cancel': async ({ id }) => {
      const job = await store.jobs.get(id);
      if (!job) throw new FerryError('not_found', `There is no job ${id}`, 'id');
      const outcome = await scheduler.cancelJob(job);
      if (outcome === 'committing')
        throw new FerryError(
          'conflict',
          `Too late to cancel job ${id}: ${hourText(job.hour)} is written and being made visible now, and stopping part-way would leave part of it so. It is done in a moment.`,
        );
      if (outcome === 'not-running')
        throw new FerryError(
          'conflict',
          `Job ${id} is ${job.status}; only a running job can be cancelled`,
        );
      return { cancelled: true as const };
    },
    'jobs.retry': async ({ id }) => ({ queued: await scheduler.retryJob(id) }),
    'jobs.retryFailed': async (input) => ({
      queued: await scheduler.retryFailed(input?.connectionId),
    }),
    'jobs.stats': (input) => scheduler.stats(byConnection(input)),
    'jobs.reconcile': async ({ connectionId, from, to }) => {
      const { connection, project, org } = exports.resolve(connectionId);
      const sink = await exports.sinkFor(connection);
      // A destination that can not be read (a folder not there, a bucket refused) says why.
      return awsCall(() => reconcile(connection, project.id, org.id, sink, store.jobs, from, to));
    },
    'schedule.status': () => scheduler.statuses(),
    'schedule.resume': ({ id }) => scheduler.resume(id),
    'backfills.preview': (input) => scheduler.backfills.preview(input),
    'backfills.start': (input) => scheduler.backfills.start(input),
    'backfills.list': (input) => scheduler.backfills.list(byConnection(input)?.connectionId),
    'backfills.get': ({ id }) => scheduler.backfills.get(id),
    'backfills.hours': ({ id }) => scheduler.backfills.hours(id),
    'backfills.cancel': ({ id }) => scheduler.backfills.cancel(id),
  };
}

/** Settings, AWS setup, policy backups and KMS migrations. */
function adminHandlers(
  deps: HandlerDeps,
  h: Helpers,
): HandlersOf<'settings' | 'aws' | 'backups' | 'migrations'> {
  const { store, scheduler, setup, migrations, notifier, secrets } = deps;
  const { settings, stored, backupTarget } = h;
  return {
    'settings.get': () => settings(),
    'settings.update': async ({ smtp, smtpPassword, concurrency }) => {
      await storeSmtpPassword(secrets, stored().smtp, smtp, smtpPassword);
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
      const { identity, proposals, warnings } = await awsCall(() => setup.plan(target, form));
      return { identity, proposals, warnings };
    },
    'aws.apply': ({ target, form, step, connectionId, confirmed }) =>
      awsCall(() => setup.apply(target, form, step, connectionId, confirmed)),
    'aws.unapply': ({ target, form }) => awsCall(() => setup.unapply(target, form)),
    'aws.createKey': async ({ target, form }) => ({
      keyArn: await awsCall(() => setup.createKey(target, form)),
    }),
    'aws.verify': async ({ target, form }) => {
      const report = await awsCall(() => setup.verify(target, form));
      // Kept for the connection's status ("Not verified" until a check passes or an hour
      // exports) — also for one the setup wizard has not saved yet.
      await store.config
        .update((data) => {
          data.accessChecks[target.connectionId] = {
            ok: report.ok,
            checkedAt: report.checkedAt,
            failed: report.probes
              .filter((p) => p.status === 'failed')
              .map((p) => ({ title: p.label, missingPermission: p.missingPermission })),
          };
        })
        .catch((error: unknown) => {
          // A process that only looks can check, not keep the result.
          if (!(error instanceof FerryError && error.code === 'locked')) throw error;
        });
      scheduler.emitStatus(target.connectionId);
      return report;
    },
    'backups.list': () => [...store.backups.entries()].reverse(),
    'backups.show': ({ id }) => setup.backupDocument(id),
    'backups.compare': ({ id, as }) => awsCall(() => setup.compare(id, backupTarget(id, as))),
    'backups.restore': ({ id, as, whole, confirmName }) =>
      awsCall(() =>
        setup.restore(id, backupTarget(id, as), whole ? 'whole' : 'ferry', confirmName),
      ),
    'migrations.list': () => migrations.list(),
    'migrations.get': ({ id }) => migrations.get(id),
    'migrations.start': (input) => migrations.start(input),
    'migrations.next': ({ id, ...options }) => awsCall(() => migrations.next(id, options)),
    'migrations.rollback': ({ id, deleteKey }) =>
      awsCall(() => migrations.rollback(id, { deleteKey })),
    'migrations.runbook': ({ id }) => migrations.runbook(id),
  };
}

/**
 * An enabled connection whose bucket, region, prefix, profile, endpoint, role or key changes is
 * checked the way an export uses it before the change is saved: the next hour must not be the
 * first to find out. A change saved disabled is not checked (verify it before enabling).
 */
async function verifyMovedDestination(
  setup: AwsSetup,
  before: Connection,
  input: MethodParsed<'connections.update'>,
): Promise<void> {
  const next = input.destination;
  if (!next || next.type !== 's3' || !(input.enabled ?? before.enabled)) return;
  const old = before.destination;
  const same =
    old.type === 's3' &&
    (
      ['bucket', 'region', 'prefix', 'profile', 'endpoint', 'roleArn', 'kmsKeyArn', 'sse'] as const
    ).every((k) => (old[k] ?? null) === (next[k] ?? null));
  if (same) return;
  const target = setupTarget.parse(setupTargetFor({ ...before, destination: next })!);
  const report = await awsCall(
    () => setup.verify(target, next.roleArn ? 'role' : 'legacy'),
    'destination.',
  );
  if (report.ok) return;
  throw movedDestinationRefusal(report.probes.filter((p) => p.status === 'failed'));
}

/**
 * Why a moved destination was not saved. A failure about one setting (no such bucket, a key not
 * found, refused credentials, the wrong region) is put on that field; a refused permission is
 * about no field, so the whole message is the form's.
 */
export function movedDestinationRefusal(failed: Probe[]): FerryError {
  const says = (p: Probe) => `${p.label}: ${p.detail}${p.fix ? ` ${p.fix}` : ''}`;
  const message = `The new destination fails its access check, so it was not saved: ${failed.map(says).join(' ')} Fix the access (or the destination), or save it with hourly exports turned off.`;
  if (failed.length === 0 || failed.some((p) => !p.field))
    return new FerryError('validation', message);
  const fields: Record<string, string> = {};
  for (const p of failed)
    fields[`destination.${p.field}`] ??= `${p.detail}${p.fix ? ` ${p.fix}` : ''}`;
  return new FerryError('validation', message, undefined, fields);
}

/**
 * Run an AWS call for the console: SDK failures become typed errors with their fix (a refused
 * permission is `forbidden`, a wrong setting `validation`, anything else `upstream`).
 */
async function awsCall<T>(run: () => Promise<T>, fieldPrefix = ''): Promise<T> {
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
    throw new FerryError(
      code,
      `${problem.message}${problem.fix ? ` ${problem.fix}` : ''}`,
      field && `${fieldPrefix}${field}`,
    );
  }
}

/**
 * The SMTP password follows the rules of every secret: stored for one server (host and port),
 * written before the settings that use it, asked for again when the server changes, removed
 * when the server or the user name goes.
 */
async function storeSmtpPassword(
  secrets: SecretsPort,
  before: SmtpSettings | null,
  smtp: SmtpSettings | null | undefined,
  password: string | undefined,
): Promise<void> {
  const next = smtp === undefined ? before : smtp;
  if (!next?.user || password === '') return secrets.delete(SMTP_PASSWORD_SECRET);
  const origin = smtpOrigin(next);
  if (password !== undefined) return secrets.set(SMTP_PASSWORD_SECRET, password, origin);
  const storedFor =
    (await secrets.originOf(SMTP_PASSWORD_SECRET)) ?? (before ? smtpOrigin(before) : null);
  if (storedFor && storedFor !== origin && (await secrets.has(SMTP_PASSWORD_SECRET)))
    throw new FerryError(
      'validation',
      `The SMTP server changes from ${smtpOriginLabel(storedFor)} to ${smtpOriginLabel(origin)}: enter the password again. Ferry sends a stored password only to the server, and over the encryption, it was given for.`,
      'smtpPassword',
    );
}
