/**
 * The one API contract: each method's name, its zod input schema and its result type.
 *
 * Both transports (Electron IPC and the headless HTTP server) and the CLI are driven from this
 * table: the engine validates every input with `input` before a handler runs, and the renderer
 * runs the same schemas to show field errors before a request is sent.
 */
import { z } from 'zod';
import {
  archivedConnection,
  connection,
  connectionCreate,
  connectionUpdate,
  organization,
  organizationCreate,
  organizationUpdate,
  project,
  projectCreate,
  projectUpdate,
} from '../model/entities';
import { job, jobListQuery } from '../model/jobs';
import {
  applyStep,
  awsAsk,
  backupAsk,
  awsProfile,
  identity,
  policyForm,
  proposal,
  restorePlan,
  setupTarget,
  verifyReport,
} from '../model/aws';
import { appSettings, backup, settingsUpdate } from '../model/settings';
import { backfill, backfillRange } from '../model/jobs';
import {
  backfillHour,
  backfillPreview,
  connectionStatus,
  hourStat,
  reconcileRange,
  reconcileReport,
} from '../model/schedule';
import { dataset, hour, numericId } from '../model/fields';
import {
  migrationNext,
  migrationRollback,
  migrationStart,
  migrationView,
} from '../model/migration';
import { auditPage, auditQuery } from '../model/audit';
import { queryTablePlan } from '../aws/glue-table';
import type { Envelope } from './errors';
import type { ApiMethod } from './methods';

/** Something the app wants the admin to know at start, e.g. that a damaged file was restored. */
export const notice = z.object({
  level: z.enum(['info', 'warning', 'error']),
  message: z.string(),
});
export type Notice = z.infer<typeof notice>;

export const appInfo = z.object({
  name: z.string(),
  version: z.string(),
  /** How this console talks to the engine. */
  transport: z.enum(['electron', 'http', 'cli']),
  platform: z.string(),
  node: z.string(),
  electron: z.string().nullable(),
  dataDir: z.string(),
  /** Team mode: the database the records are in (`postgres://host:port/db`, no password). */
  database: z.string().nullable().default(null),
  startedAt: z.string(),
  notices: z.array(notice),
});
export type AppInfo = z.infer<typeof appInfo>;

const none = z.object({}).strict().optional();
const byOrgId = z.object({ id: numericId('Organization ID') });
const byProjectId = z.object({ id: numericId('Project ID') });
/** A connection is addressed by its id (`cn_…`) or its unique name. */
const byConnection = z.object({
  id: z.string().trim().min(1, { error: 'Connection is required' }),
});
const deleted = z.object({ deleted: z.literal(true) });

interface MethodSpec {
  input: z.ZodType;
  result: z.ZodType;
  /** True when the method changes stored state (used for read-only CLI commands). */
  mutates: boolean;
}

const spec = <I extends z.ZodType, R extends z.ZodType>(input: I, result: R, mutates = false) => ({
  input,
  result,
  mutates,
});

export const contract = {
  'app.info': spec(none, appInfo),

  'orgs.list': spec(none, z.array(organization)),
  'orgs.get': spec(byOrgId, organization),
  'orgs.create': spec(organizationCreate, organization, true),
  'orgs.update': spec(organizationUpdate, organization, true),
  'orgs.delete': spec(byOrgId, deleted, true),

  'projects.list': spec(
    z.object({ orgId: numericId('Organization ID').optional() }).optional(),
    z.array(project),
  ),
  'projects.get': spec(byProjectId, project),
  'projects.create': spec(projectCreate, project, true),
  'projects.update': spec(projectUpdate, project, true),
  'projects.delete': spec(byProjectId, deleted, true),

  'connections.list': spec(
    z.object({ projectId: numericId('Project ID').optional() }).optional(),
    z.array(connection),
  ),
  'connections.get': spec(byConnection, connection),
  'connections.create': spec(connectionCreate, connection, true),
  'connections.update': spec(connectionUpdate, connection, true),
  'connections.delete': spec(byConnection, deleted, true),
  /**
   * Take the connection's destination over from another Ferry that claimed it (docs/storage.md):
   * its claim is removed and this data folder's placed. Only once the other no longer exports there.
   */
  'connections.takeOver': spec(
    byConnection,
    z.object({
      removed: z.array(z.object({ host: z.string(), since: z.string().nullable() })),
    }),
    true,
  ),

  /**
   * A folder destination checked the way an export writes to it (the `aws.verify` of a folder):
   * the folder is there, a temp file is written, flushed and removed, the folder takes files,
   * and how much room its disk has. Leaves nothing behind.
   */
  'connections.verifyFolder': spec(byConnection, verifyReport),

  'jobs.list': spec(
    jobListQuery.optional(),
    z.object({ items: z.array(job), total: z.number(), offset: z.number(), limit: z.number() }),
  ),
  'jobs.get': spec(z.object({ id: z.string().min(1) }), job),
  /** Start exporting one hour now (every dataset of the connection, or the ones given). */
  'jobs.exportHour': spec(
    z.object({
      connectionId: z.string().trim().min(1, { error: 'Connection is required' }),
      hour,
      datasets: z.array(dataset).min(1).optional(),
    }),
    z.object({ started: z.array(z.object({ dataset, hour: z.string() })) }),
    true,
  ),

  /**
   * Cancel a running job (or one waiting to retry), with the other dataset of its hour, which
   * runs with it. The destination stays as it was before the run.
   */
  'jobs.cancel': spec(
    z.object({ id: z.string().min(1) }),
    z.object({ cancelled: z.literal(true) }),
    true,
  ),
  /** Retry one job now (a new job for the same connection, dataset and hour). */
  'jobs.retry': spec(z.object({ id: z.string().min(1) }), z.object({ queued: z.number() }), true),
  /** Retry every failed hour (of one connection, or all) whose latest export failed. */
  'jobs.retryFailed': spec(
    z.object({ connectionId: z.string().optional() }).optional(),
    z.object({ queued: z.number() }),
    true,
  ),
  /** Events, bytes and export lag per hour, for the history chart. */
  'jobs.stats': spec(
    z.object({ connectionId: z.string().optional(), hourFrom: hour, hourTo: hour }),
    z.array(hourStat),
  ),

  /**
   * Compare a connection's destination with its job history over an hour range: objects
   * missing, extra (no job wrote them) or changed (size, ETag or sha256). Reads only.
   */
  'jobs.reconcile': spec(reconcileRange, reconcileReport),

  /** How every connection is doing: healthy, catching up, failing (with why), disabled. */
  'schedule.status': spec(none, z.array(connectionStatus)),
  /** Start a stopped connection's queue again (after fixing its access). */
  'schedule.resume': spec(byConnection, connectionStatus, true),

  /** How many hours a range is and which overlap earlier exports. Changes nothing. */
  'backfills.preview': spec(backfillRange, backfillPreview),
  'backfills.start': spec(backfillRange, backfill, true),
  'backfills.list': spec(
    z.object({ connectionId: z.string().optional() }).optional(),
    z.array(backfill),
  ),
  'backfills.get': spec(z.object({ id: z.string().min(1) }), backfill),
  /** Each hour of a backfill (up to 1,000, oldest first) and where it is: per-hour progress. */
  'backfills.hours': spec(
    z.object({ id: z.string().min(1) }),
    z.object({ items: z.array(backfillHour), total: z.number().int() }),
  ),
  'backfills.cancel': spec(z.object({ id: z.string().min(1) }), backfill, true),

  'settings.get': spec(none, appSettings),
  'settings.update': spec(settingsUpdate, appSettings, true),
  /** Send a test email to an address with the stored SMTP settings. */
  'settings.testEmail': spec(
    z.object({ to: z.email({ error: 'Enter an email address such as you@example.com' }) }),
    z.object({ sent: z.literal(true) }),
  ),

  /** Profiles in ~/.aws/config and ~/.aws/credentials (or AWS_CONFIG_FILE…), and environment warnings. */
  'aws.profiles': spec(
    none,
    z.object({
      profiles: z.array(awsProfile),
      warnings: z.array(z.string()),
      files: z.object({ config: z.string(), credentials: z.string() }),
    }),
  ),
  /** STS GetCallerIdentity for a profile. */
  'aws.identity': spec(awsAsk, identity),
  'aws.bucketRegion': spec(setupTarget, z.object({ region: z.string() })),
  /** The documents a destination needs, next to what is there now. Changes nothing. */
  'aws.plan': spec(
    z.object({ target: setupTarget, form: policyForm }),
    z.object({ identity, proposals: z.array(proposal), warnings: z.array(z.string()) }),
  ),
  /** Apply one step, after backing up what it replaces. */
  'aws.apply': spec(
    z.object({
      target: setupTarget,
      form: policyForm,
      step: applyStep,
      connectionId: z
        .string()
        .nullish()
        .transform((v) => v ?? null),
      /** The admin read the plan's warnings (an empty prefix) and applies anyway. */
      confirmed: z.boolean().default(false),
    }),
    z.object({ backups: z.array(backup), applied: z.array(proposal) }),
    true,
  ),
  /**
   * Take one connection's statements out of the bucket policy, the role's permissions and the
   * key policy (each backed up first); everything else in them stays. Offered when deleting it.
   */
  'aws.unapply': spec(
    z.object({ target: setupTarget, form: policyForm }),
    z.object({ backups: z.array(backup), changed: z.array(proposal) }),
    true,
  ),
  'aws.createKey': spec(
    z.object({ target: setupTarget, form: policyForm }),
    z.object({ keyArn: z.string() }),
    true,
  ),
  /** Check access the way an export uses it; each refusal names the missing permission. */
  'aws.verify': spec(z.object({ target: setupTarget, form: policyForm }), verifyReport),
  /** The Glue tables over a connection's query copy: what applying would do. Changes nothing. */
  'query.plan': spec(z.object({ connectionId: z.string().min(1) }), queryTablePlan),
  /**
   * Create or update the tables that differ (each definition before kept as a backup): the plan
   * as the catalog holds it afterwards, and what changed.
   */
  'query.apply': spec(
    z.object({ connectionId: z.string().min(1) }),
    z.object({
      plan: queryTablePlan,
      changed: z.array(
        z.object({
          database: z.string(),
          table: z.string(),
          change: z.enum(['create', 'update']),
        }),
      ),
      backups: z.array(backup),
    }),
    true,
  ),
  /** Delete the connection's tables (each kept as a backup first); offered when deleting it. */
  'query.remove': spec(
    z.object({ connectionId: z.string().min(1) }),
    z.object({ removed: z.boolean(), backups: z.array(backup) }),
    true,
  ),
  'backups.list': spec(none, z.array(backup)),
  /** One backup with the document it kept (null: there was none), for showing and downloading. */
  'backups.show': spec(
    z.object({ id: z.string().min(1) }),
    z.object({ backup, document: z.string().nullable() }),
  ),
  /**
   * A backup's document next to the one in AWS now, and what a restore would write: `plan`
   * removes only Ferry's statements added since; `whole` puts the document back as it was.
   * Changes nothing.
   */
  'backups.compare': spec(
    z.object({ id: z.string().min(1), as: backupAsk }),
    z.object({
      backup,
      kept: z.string().nullable(),
      now: z.string().nullable(),
      plan: restorePlan,
      whole: restorePlan,
    }),
  ),
  /**
   * Put a backup back: its statements, without Ferry's added since, keeping every other one —
   * or, with `whole`, the document exactly as it was. What it replaces is backed up first.
   */
  'backups.restore': spec(
    z.object({
      id: z.string().min(1),
      as: backupAsk,
      whole: z.boolean().optional(),
      /** The resource's name, typed: needed when the restore removes statements not Ferry's. */
      confirmName: z.string().max(2048).optional(),
    }),
    z.object({
      restored: backup,
      replaced: backup,
      plan: restorePlan,
      changed: z.boolean(),
      roleDeleted: z.string().optional(),
    }),
    true,
  ),
  /** Connections a migration deleted: their jobs stay in the history under these names. */
  'connections.archived': spec(none, z.array(archivedConnection)),

  /** KMS migrations, newest first. */
  'migrations.list': spec(none, z.array(migrationView)),
  /** A migration by its id (mg_…) or its old or new connection. */
  'migrations.get': spec(z.object({ id: z.string().trim().min(1) }), migrationView),
  /** Start moving a connection to SSE-KMS and a per-project role: a checklist of ten steps. */
  'migrations.start': spec(migrationStart, migrationView, true),
  /** Do the current step (or check one done outside Ferry with `markDone`). */
  'migrations.next': spec(migrationNext, migrationView, true),
  /** Put back what the migration changed (until step 10); can be retried. */
  'migrations.rollback': spec(migrationRollback, migrationView, true),
  /** The checklist, its backups and every step's outcome as a Markdown runbook. */
  'migrations.runbook': spec(
    z.object({ id: z.string().trim().min(1) }),
    z.object({ fileName: z.string(), markdown: z.string() }),
  ),

  /** Team mode: who changed what through the console or the API, newest first. */
  'audit.list': spec(auditQuery, auditPage),
} as const satisfies Record<ApiMethod, MethodSpec>;

/** A method's spec, or undefined for a name the contract does not have (`constructor` included). */
export function methodSpec(method: string): MethodSpec | undefined {
  return Object.hasOwn(contract, method) ? contract[method as ApiMethod] : undefined;
}

export type Contract = typeof contract;
/** What a caller passes to a method (before defaults and transforms). */
export type MethodInput<M extends ApiMethod> = z.input<Contract[M]['input']>;
/** What a handler receives (after validation, defaults and transforms). */
export type MethodParsed<M extends ApiMethod> = z.output<Contract[M]['input']>;
export type MethodResult<M extends ApiMethod> = z.output<Contract[M]['result']>;

/** Methods grouped by their prefix: `orgs.create` → `api.orgs.create()`. */
type GroupOf<M> = M extends `${infer G}.${string}` ? G : never;
type NameIn<M, G extends string> = M extends `${G}.${infer N}` ? N : never;

type Answer<M extends ApiMethod, Ret> = Promise<
  Ret extends 'envelope' ? Envelope<MethodResult<M>> : MethodResult<M>
>;

/** The shape of `window.ferry` and of the renderer's client: named methods, grouped. */
export type MethodTable<Ret extends 'envelope' | 'value'> = {
  [G in GroupOf<ApiMethod>]: {
    [N in NameIn<ApiMethod, G>]: `${G}.${N}` extends infer M extends ApiMethod
      ? undefined extends MethodInput<M>
        ? (input?: MethodInput<M>) => Answer<M, Ret>
        : (input: MethodInput<M>) => Answer<M, Ret>
      : never;
  };
};
