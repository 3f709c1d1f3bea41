/**
 * The things a data admin manages: organizations, projects, connections (jobs and backfills:
 * jobs.ts; settings and backups: settings.ts).
 *
 * Each entity has a stored shape (what `config.json` holds) and input shapes (what a form or a
 * CLI flag may send). The stored shapes are also the zod schemas the store validates on load.
 */
import { z } from 'zod';
import {
  bucketName,
  dataset,
  datasets,
  displayName,
  email,
  folderPath,
  numericId,
  prefix,
  profileName,
  region,
  ambiguousUrlProblem,
  secureUrlProblem,
} from './fields';

const isoTime = z.string();

type WithoutDefault<S> = S extends z.ZodDefault<infer Inner> ? Inner : S;

/**
 * The schema of a partial update of `schema`: every field optional and none defaulted. zod's
 * own `.partial()` keeps each field's `.default()`, so a patch naming one field would come out
 * holding every other field's default and overwrite what is stored.
 */
export function patchOf<Shape extends z.ZodRawShape>(
  schema: z.ZodObject<Shape>,
): z.ZodObject<{ [K in keyof Shape]: z.ZodOptional<WithoutDefault<Shape[K]>> }> {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([name, field]) => [
      name,
      ((field instanceof z.ZodDefault ? field.removeDefault() : field) as z.ZodType).optional(),
    ]),
  );
  return z.object(shape) as never;
}

// ---------------------------------------------------------------------------------------------
// Organizations

export const organization = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  adminEmail: z.string().nullable().default(null),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type Organization = z.infer<typeof organization>;

export const organizationCreate = z.object({
  id: numericId('Organization ID'),
  name: displayName('Organization name'),
  adminEmail: email.nullish().transform((v) => v ?? null),
});
export type OrganizationCreate = z.input<typeof organizationCreate>;

export const organizationUpdate = z.object({
  id: numericId('Organization ID'),
  name: displayName('Organization name').optional(),
  adminEmail: email.nullish(),
});
export type OrganizationUpdate = z.input<typeof organizationUpdate>;

// ---------------------------------------------------------------------------------------------
// Projects

export const PROJECT_KINDS = ['standard', 'portfolio'] as const;
export const projectKind = z.enum(PROJECT_KINDS, {
  error: 'Project kind must be "standard" or "portfolio"',
});

/** Where a project's events come from. */
const sourceWith = (endpoint: z.ZodType<string | null, string | null | undefined>) =>
  z.discriminatedUnion(
    'type',
    [
      z.object({
        type: z.literal('demo'),
        /** Same seed, same events: the demo output is reproducible. */
        seed: z.number().int().nonnegative().default(1),
        eventsPerHour: z.number().int().positive().max(10_000_000).default(2_000),
      }),
      z.object({ type: z.literal('files'), path: folderPath }),
      z.object({
        type: z.literal('amplitude'),
        /** Where the project's data lives: Amplitude's US or EU data center. */
        region: z
          .enum(['us', 'eu'], { error: 'Amplitude region must be "us" or "eu"' })
          .default('us'),
        /** Overrides the regional Export API host (a proxy); empty uses Amplitude's. */
        endpoint,
        apiKey: z
          .string({ error: 'API key is required' })
          .trim()
          .min(1, {
            error:
              "API key is required (Amplitude: Settings → Projects → the project's General tab)",
          })
          .max(200, {
            error:
              'API key is too long (Amplitude API keys are 32 characters): paste the key alone',
          }),
      }),
    ],
    { error: 'Source must be "demo", "files" or "amplitude"' },
  );
/**
 * A source as stored: an endpoint saved before the https rule still loads (the source refuses
 * to send credentials over it, and says so).
 */
export const source = sourceWith(
  z
    .url({ error: 'Endpoint must be a URL such as https://amplitude.com' })
    .nullish()
    .transform((v) => v || null),
);
/** A source as given by a person or a script: credentials only ever go over https. */
export const sourceInput = sourceWith(
  z
    .string({ error: 'Endpoint must be a URL such as https://amplitude.com' })
    .trim()
    .superRefine((v, ctx) => {
      const problem = v ? secureUrlProblem(v) : null;
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .nullish()
    .transform((v) => v || null),
);
export type Source = z.infer<typeof source>;
export const SOURCE_TYPES = ['demo', 'files', 'amplitude'] as const;

/** The Amplitude secret key: write-only, kept in the secret store, never in config.json. */
const secretKeyInput = z
  .string()
  .trim()
  .min(1, { error: 'Secret key is required for an Amplitude source' })
  .max(200, {
    error: 'Secret key is too long (Amplitude secret keys are 32 characters): paste the key alone',
  })
  .optional();

export const project = z.object({
  id: z.number().int().positive(),
  orgId: z.number().int().positive(),
  name: z.string(),
  kind: projectKind,
  source,
  /** Whether a secret key is stored for the source (the key itself is never returned). */
  secretKeyStored: z.boolean().default(false),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type Project = z.infer<typeof project>;

export const projectCreate = z.object({
  id: numericId('Project ID'),
  orgId: numericId('Organization ID'),
  name: displayName('Project name'),
  kind: projectKind.default('standard'),
  source: sourceInput.default({ type: 'demo', seed: 1, eventsPerHour: 2_000 }),
  secretKey: secretKeyInput,
});
export type ProjectCreate = z.input<typeof projectCreate>;

export const projectUpdate = z.object({
  id: numericId('Project ID'),
  name: displayName('Project name').optional(),
  kind: projectKind.optional(),
  source: sourceInput.optional(),
  secretKey: secretKeyInput,
});
export type ProjectUpdate = z.input<typeof projectUpdate>;

// ---------------------------------------------------------------------------------------------
// Connections

export const SSE_MODES = ['bucket-default', 'AES256', 'aws:kms'] as const;
export type SseMode = (typeof SSE_MODES)[number];

/** The encryption an S3 destination gets: a KMS key means aws:kms, whatever else was picked. */
export function effectiveSse(kmsKeyArn: string | null | undefined, sse: SseMode): SseMode {
  return kmsKeyArn ? 'aws:kms' : sse;
}

export const s3Destination = z
  .object({
    type: z.literal('s3'),
    bucket: bucketName,
    region,
    prefix,
    profile: profileName,
    /** When set, objects are written with SSE-KMS under this key. */
    kmsKeyArn: z
      .string()
      .trim()
      .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/, {
        error:
          'KMS key must be a key ARN such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-…',
      })
      .nullish()
      .transform((v) => v || null),
    /** An S3-compatible endpoint (MinIO, a local test server); empty means AWS. */
    endpoint: z
      .url({ error: 'Endpoint must be a URL such as http://127.0.0.1:9000' })
      .superRefine((v, ctx) => {
        const problem = ambiguousUrlProblem(v, 'http://127.0.0.1:9000');
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .nullish()
      .transform((v) => v || null),
    forcePathStyle: z.boolean().default(false),
    /**
     * Export as this IAM role (the current policy form: `ferry-export-<projectId>`), assumed with
     * the profile's credentials; null exports as the profile's own identity (legacy form).
     */
    roleArn: z
      .string()
      .trim()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
        error:
          'Role must be an IAM role ARN such as arn:aws:iam::111122223333:role/ferry-export-187520',
      })
      .nullish()
      .transform((v) => v || null),
    /** Server-side encryption requested per object; `bucket-default` leaves it to the bucket. */
    sse: z
      .enum(SSE_MODES, { error: 'Encryption must be bucket-default, AES256 or aws:kms' })
      .default('bucket-default'),
  })
  .transform((d) => ({ ...d, sse: effectiveSse(d.kmsKeyArn, d.sse) }))
  .superRefine((d, ctx) => {
    if (d.sse === 'aws:kms' && !d.kmsKeyArn)
      ctx.addIssue({
        code: 'custom',
        path: ['kmsKeyArn'],
        message: 'Enter the KMS key ARN to encrypt with (aws:kms)',
      });
  });

/** Who may read a folder export's files: owner 0600 (default), group 0640, all 0644. */
export const FILE_PERMISSIONS = ['owner', 'group', 'all'] as const;
export type FilePermissions = (typeof FILE_PERMISSIONS)[number];
export const FILE_MODES: Record<FilePermissions, number> = {
  owner: 0o600,
  group: 0o640,
  all: 0o644,
};

export const folderDestination = z.object({
  type: z.literal('folder'),
  path: folderPath,
  /** Exported files are private to this user unless the folder is shared on purpose. */
  permissions: z
    .enum(FILE_PERMISSIONS, { error: 'File permissions must be owner, group or all' })
    .default('owner'),
  /**
   * Set by Ferry when the connection is saved (what a client sends is ignored): the folder is
   * where a disk or share is mounted. An export then refuses the folder while nothing is mounted
   * there, instead of writing to the disk underneath.
   */
  mountPoint: z.boolean().optional(),
});

export const destination = z.discriminatedUnion('type', [s3Destination, folderDestination], {
  error: 'Destination must be "s3" or "folder"',
});
export type Destination = z.infer<typeof destination>;
export type S3Destination = z.infer<typeof s3Destination>;

export const MIB = 1024 * 1024;
export const DEFAULT_PARTITION_BYTES = 512 * MIB;

/** How a connection writes: partition size, gzip level, an event-type filter, the manifest. */
export const connectionOptions = z.object({
  /** Uncompressed bytes per partition file before the next `#n` starts. */
  partitionBytes: z
    .number({ error: 'Partition size must be a number of bytes' })
    .int()
    .min(1024, { error: 'Partition size must be at least 1 KiB' })
    .max(4096 * MIB, { error: 'Partition size can be at most 4 GiB' })
    .default(DEFAULT_PARTITION_BYTES),
  gzipLevel: z
    .number({ error: 'Compression level must be a number from 1 to 9' })
    .int()
    .min(1, { error: 'Compression level must be from 1 (fastest) to 9 (smallest)' })
    .max(9, { error: 'Compression level must be from 1 (fastest) to 9 (smallest)' })
    .default(6),
  /** Only these event types (include), or all but these (exclude); null exports every event. */
  eventFilter: z
    .object({
      mode: z.enum(['include', 'exclude']),
      eventTypes: z
        .array(z.string().trim().min(1, { error: 'Event type names can not be empty' }))
        .min(1, { error: 'List at least one event type, or turn the filter off' })
        .max(1000),
    })
    .nullable()
    .default(null),
  /** Write `<prefix>_manifests/<projectId>_<date>_<H>.json` after each hour (off: the bucket holds only the export files). */
  manifest: z.boolean().default(false),
  /**
   * Also write each hour as Parquet under `<prefix>_query/`, partitioned by event date, committed
   * with the hour (docs/query-copy.md).
   */
  queryCopy: z.boolean().default(false),
  /**
   * `ferry query-setup` also makes a Glue table over the exact JSON export (the prefix's folder as
   * it is, not partitioned), beside the copy's (docs/query-copy.md, "The JSON table").
   */
  jsonTable: z.boolean().default(false),
});
export type ConnectionOptions = z.infer<typeof connectionOptions>;

/** When the scheduler exports an hour, how far back it catches up, and when it gives up. */
export const scheduleOptions = z.object({
  /**
   * Minutes after the end of an hour before it is exported, so late events are in (null: the
   * source's default — 120 for Amplitude, whose Export API has data about 2 h after upload; 10
   * for files; 0 for the demo source).
   */
  settleMinutes: z
    .number({ error: 'Settle delay must be a number of minutes' })
    .int()
    .min(0, { error: 'Settle delay can not be negative' })
    .max(48 * 60, { error: 'Settle delay can be at most 48 hours (2880 minutes)' })
    .nullable()
    .default(null),
  /** Missed hours younger than this are caught up by themselves; older ones are shown as a gap. */
  lookbackHours: z
    .number({ error: 'Catch-up window must be a number of hours' })
    .int({ error: 'Catch-up window must be a whole number of hours' })
    .min(1, { error: 'Catch-up window must be at least 1 hour' })
    .max(24 * 31, { error: 'Catch-up window can be at most 31 days (744 hours)' })
    .default(24),
  /** Tries of an hour refused by AWS (about an hour in all) before the connection stops. */
  accessTries: z
    .number({ error: 'Tries must be a number' })
    .int()
    .min(1, { error: 'Tries must be at least 1' })
    .max(20, { error: 'Tries can be at most 20' })
    .default(5),
});
export type ScheduleOptions = z.infer<typeof scheduleOptions>;

/** The settle delay a source needs when the connection does not set one. */
export function defaultSettleMinutes(sourceType: Source['type']): number {
  return sourceType === 'amplitude' ? 120 : sourceType === 'files' ? 10 : 0;
}

/** `cn_` and 8 lowercase letters or digits. */
export const connectionId = z
  .string()
  .regex(/^cn_[a-z0-9]{8}$/, { error: 'A connection ID is cn_ and 8 lowercase letters or digits' });

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A connection ID from 8 random bytes (the engine's crypto, or the browser's: the setup wizard
 * picks its connection's ID before saving it, so its policies can name it).
 */
export function connectionIdFrom(random: Uint8Array): string {
  // It starts with a letter: an all-digit id would read as an older Ferry's statement ids
  // (FerryExport<project id>Kms), which a later apply replaces.
  return `cn_${[...random.subarray(0, 8)].map((b, i) => (i === 0 ? LETTERS : ID_ALPHABET)[b % (i === 0 ? LETTERS : ID_ALPHABET).length]).join('')}`;
}

const LETTERS = ID_ALPHABET.slice(0, 26);

/**
 * The id a new connection may be given: with a letter in it. Statement ids carry the
 * connection (`FerryExport<id>Kms`); an older Ferry wrote `FerryExport<project id>Kms`, so an
 * all-digit id would be taken for that and replaced when another connection is applied.
 */
export const newConnectionId = connectionId.refine((id) => /[a-z]/.test(id.slice(3)), {
  error: 'A connection ID needs at least one letter (cn_ and 8 lowercase letters or digits)',
});

export const connection = z.object({
  id: connectionId,
  name: z.string(),
  projectId: z.number().int().positive(),
  destination,
  datasets: z.array(dataset).min(1),
  enabled: z.boolean(),
  options: connectionOptions.prefault({}),
  schedule: scheduleOptions.prefault({}),
  /** The first hour the schedule covers: the hour the connection was first enabled in. */
  scheduleFrom: z.string().nullable().default(null),
  /**
   * The connection this one takes over from (a KMS migration): the two may export the same
   * project to the same place, never both enabled at once.
   */
  replaces: z.string().nullable().default(null),
  createdBy: z.string().nullable().default(null),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type Connection = z.infer<typeof connection>;

/** A deleted connection whose job history stays readable (a migration's old connection). */
export const archivedConnection = connection.extend({
  archivedAt: isoTime,
  /** Why it was archived, in a sentence ("Replaced by … in KMS migration …"). */
  reason: z.string(),
});
export type ArchivedConnection = z.infer<typeof archivedConnection>;

const connectionName = displayName('Connection name', 64).refine(
  (v) => !/^cn_[a-z0-9]{8}$/.test(v),
  {
    error: 'Connection names must not look like a connection ID (cn_…)',
  },
);

export const connectionCreate = z.object({
  /**
   * Chosen up front by the setup wizard, whose policies carry it before the connection is
   * saved; otherwise Ferry picks one.
   */
  id: newConnectionId.optional(),
  name: connectionName,
  projectId: numericId('Project ID'),
  destination,
  datasets: datasets.default(['events']),
  enabled: z.boolean().default(false),
  options: connectionOptions.prefault({}),
  schedule: scheduleOptions.prefault({}),
  createdBy: email.nullish().transform((v) => v ?? null),
});
export type ConnectionCreate = z.input<typeof connectionCreate>;

export const connectionUpdate = z.object({
  id: z.string().min(1, { error: 'Connection ID is required' }),
  name: connectionName.optional(),
  destination: destination.optional(),
  datasets: datasets.optional(),
  enabled: z.boolean().optional(),
  /** Only the options named change: a patch, never a whole set with defaults filled in. */
  options: patchOf(connectionOptions).optional(),
  schedule: patchOf(scheduleOptions).optional(),
  createdBy: email.nullish(),
});
export type ConnectionUpdate = z.input<typeof connectionUpdate>;
