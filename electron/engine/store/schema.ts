import { z } from 'zod';
import { FerryError } from '../../../shared/api/errors';
import {
  archivedConnection,
  connection,
  organization,
  project,
} from '../../../shared/model/entities';
import { backup } from '../../../shared/model/settings';
import { backfill, job } from '../../../shared/model/jobs';
import { migration } from '../../../shared/model/migration';

/**
 * The persisted layout of `config.json` and of the job shards, with their versions.
 *
 * A file carries `schemaVersion`; on load it is brought up to the current version by the
 * migrations below and then validated, so old data dirs keep working after an upgrade.
 */
export const CONFIG_SCHEMA_VERSION = 4;
export const JOBS_SCHEMA_VERSION = 1;

export const settings = z.object({}).catchall(z.unknown()).default({});

/** A connection that failed after its tries: what stopped it and who was told when. */
export const alertState = z.object({
  /** True while an access error holds the connection's queue (until fixed or retried). */
  stopped: z.boolean(),
  failingSince: z.string(),
  hour: z.string(),
  dataset: z.string(),
  error: job.shape.error.unwrap(),
  /** When the last failure email went out (at most one a day per connection). */
  emailedAt: z.string().nullable(),
});
export type AlertState = z.infer<typeof alertState>;

/**
 * A backfill as stored: the API's record plus its per-hour state, run-length encoded
 * (schedule/backfill-slots.ts). Empty in records written before the state was kept: such a
 * backfill resumes by exporting its range again, which overlaps safely.
 */
export const storedBackfill = backfill.extend({ slots: z.string().default('') });
export type StoredBackfill = z.infer<typeof storedBackfill>;

/** The last access check of a connection (`aws.verify`), by connection id: kept for its status. */
export const accessCheck = z.object({
  ok: z.boolean(),
  checkedAt: z.string(),
  /** The failed probes, in words, with the permission each lacked. */
  failed: z.array(z.object({ title: z.string(), missingPermission: z.string().nullable() })),
});
export type AccessCheck = z.infer<typeof accessCheck>;

export const configFile = z.object({
  schemaVersion: z.literal(CONFIG_SCHEMA_VERSION),
  organizations: z.array(organization),
  projects: z.array(project),
  connections: z.array(connection),
  /** Policies and settings as they were before Ferry changed them (files in backups/). */
  backups: z.array(backup),
  settings,
  /** Backfills, newest last. */
  backfills: z.array(storedBackfill),
  /** Per connection: a failure that stopped its queue, and when the admin was last told. */
  alerts: z.record(z.string(), alertState),
  /** KMS migrations, newest last (kept after they finish or roll back: the record of the change). */
  migrations: z.array(migration),
  /** Connections deleted by a migration; their jobs stay in the history. */
  archived: z.array(archivedConnection),
  /**
   * Each connection's last access check (also of one the setup wizard has not saved yet: it
   * picks the id first). A connection enabled without a passing one is "Not verified".
   */
  accessChecks: z.record(z.string(), accessCheck).default({}),
});
export type ConfigData = z.infer<typeof configFile>;

export const jobsFile = z.object({
  schemaVersion: z.literal(JOBS_SCHEMA_VERSION),
  jobs: z.array(job),
});
export type JobsData = z.infer<typeof jobsFile>;

export const emptyConfig = (): ConfigData => ({
  schemaVersion: CONFIG_SCHEMA_VERSION,
  organizations: [],
  projects: [],
  connections: [],
  backups: [],
  settings: {},
  backfills: [],
  alerts: {},
  migrations: [],
  archived: [],
  accessChecks: {},
});

export const emptyJobs = (): JobsData => ({ schemaVersion: JOBS_SCHEMA_VERSION, jobs: [] });

/** One step: turns a document of version `from` into version `from + 1`. */
export interface Migration {
  from: number;
  migrate: (doc: Record<string, unknown>) => Record<string, unknown>;
}

/**
 * Config migrations, oldest first.
 *
 * Version 0 is the unversioned layout of pre-release builds: the same lists without a version
 * field and without `settings`.
 */
export const CONFIG_MIGRATIONS: Migration[] = [
  { from: 0, migrate: (doc) => ({ settings: {}, ...doc, schemaVersion: 1 }) },
  // 2: policy backups are indexed in config.json.
  { from: 1, migrate: (doc) => ({ ...doc, backups: [], schemaVersion: 2 }) },
  // 3: backfills and connection alerts (schedule, notifications).
  { from: 2, migrate: (doc) => ({ ...doc, backfills: [], alerts: {}, schemaVersion: 3 }) },
  // 4: KMS migrations and the connections they archived.
  { from: 3, migrate: (doc) => ({ ...doc, migrations: [], archived: [], schemaVersion: 4 }) },
];

/** Raised for data Ferry must not touch, such as a file written by a newer Ferry. */
export class FatalDataError extends FerryError {
  readonly fatal = true;
  constructor(message: string) {
    super('conflict', message);
  }
}

/**
 * Decode one stored document: migrate it to `target` and validate it.
 *
 * Throws a plain Error (the file is damaged: recover it) or a FatalDataError (the file is fine
 * but not ours to read: stop and say so, never overwrite it).
 */
export function decodeVersioned<T>(
  raw: unknown,
  schema: z.ZodType<T>,
  target: number,
  migrations: Migration[],
  label: string,
): T {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error('expected a JSON object');
  let doc = raw as Record<string, unknown>;
  const version = doc.schemaVersion === undefined ? 0 : doc.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0)
    throw new Error(`schemaVersion is not a version number`);
  if (version > target)
    throw new FatalDataError(
      `${label} was written by a newer version of Ferry (schema ${version}; this version reads up to ${target}). ` +
        'Update Ferry, or point it at another data folder with --data-dir.',
    );
  for (let v = version; v < target; v++) {
    const step = migrations.find((m) => m.from === v);
    if (!step) throw new Error(`no migration from schema version ${v}`);
    doc = step.migrate(doc);
  }
  const parsed = schema.safeParse(doc);
  if (!parsed.success) throw new Error(firstProblem(parsed.error));
  return parsed.data;
}

/**
 * Refuse to store what could not be read back: a change that breaks the schema would make the
 * next start refuse the file (or drop the record). Throws before anything is written.
 */
export function checkBeforeWrite(schema: z.ZodType, data: unknown, label: string): void {
  const parsed = schema.safeParse(data);
  if (!parsed.success)
    throw new FerryError(
      'internal',
      `Ferry did not save this change: ${label} could not be read back with it (${firstProblem(parsed.error)}). Nothing was changed.`,
    );
}

function firstProblem(error: z.ZodError): string {
  const first = error.issues[0];
  const where = first?.path.length ? first.path.join('.') : 'document';
  return `invalid content at ${where}: ${first?.message ?? 'unknown problem'}`;
}
