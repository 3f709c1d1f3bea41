/**
 * The KMS migration: moving an S3 connection from a bucket policy that trusts the exporting
 * account (the legacy form) to a per-project IAM role, with the bucket encrypted by a KMS key —
 * as a checklist of ten steps that is stored, resumed after a restart, and can be rolled back
 * until the old connection is deleted.
 *
 * Shapes and the steps' words only: the engine (electron/engine/migration) runs them, and the
 * console, the CLI and the Markdown runbook all describe them with the text below.
 */
import { z } from 'zod';
import { backup } from './settings';
import { probe, proposal } from './aws';
import { hourRange } from './schedule';

export const MIGRATION_STEPS = [
  {
    id: 'prerequisites',
    title: 'Check prerequisites',
    does: 'Checks that the profile can read the bucket policy and its encryption, the export role and KMS keys, and asks IAM whether it may also change them (s3:PutBucketPolicy, s3:PutEncryptionConfiguration, kms:CreateKey, kms:PutKeyPolicy, iam:CreateRole, iam:PutRolePolicy). Changes nothing.',
  },
  {
    id: 'key',
    title: 'Create or pick a KMS key',
    does: 'Creates a KMS key in the bucket’s Region for the exports (its policy lets the account administer it), or uses a key you name. A key created here can be scheduled for deletion by a rollback.',
  },
  {
    id: 'disable-old',
    title: 'Disable the old connection',
    does: 'Turns off the old connection’s hourly exports and waits until its running exports end, so no hour is written by both connections.',
  },
  {
    id: 'new-connection',
    title: 'Prepare the new connection and its policies',
    does: 'Defines the new connection (same project, bucket and prefix, exporting as the per-project role ferry-export-<project>, encrypting with the key) and generates its bucket policy, role and key policy. Nothing is applied yet.',
  },
  {
    id: 'backup',
    title: 'Back up the bucket policy and encryption',
    does: 'Keeps the bucket policy and default-encryption configuration as they are now in Ferry’s backups (never deleted by Ferry). Rollback puts exactly these back.',
  },
  {
    id: 'apply-policies',
    title: 'Apply the role, bucket policy and key policy',
    does: 'Creates or updates the export role, then merges the new statements into the bucket policy and the key policy (each backed up first). The owner’s other statements stay.',
  },
  {
    id: 'encryption',
    title: 'Turn on default encryption with the key',
    does: 'Sets the bucket’s default encryption to SSE-KMS with the key (S3 Bucket Key on), backed up first.',
  },
  {
    id: 'verify-create',
    title: 'Verify access and create the new connection',
    does: 'Runs the export’s access checks as the role; when they pass, saves the new connection enabled. It takes over from the first hour the old connection did not export; missed hours within the catch-up window are exported by themselves.',
  },
  {
    id: 'first-export',
    title: 'Wait for the first export',
    does: 'Waits until the new connection has exported an hour (exporting the latest hour now if none is due), then reads its objects back from S3 to show their encryption (aws:kms and the key).',
  },
  {
    id: 'delete-old',
    title: 'Delete the old connection',
    does: 'Deletes the old connection (its job history stays readable, archived) and takes its statements out of the bucket policy (backed up first). After this, rollback is no longer possible.',
  },
] as const;

export type MigrationStepId = (typeof MIGRATION_STEPS)[number]['id'];
export const MIGRATION_STEP_IDS = MIGRATION_STEPS.map((s) => s.id) as [
  MigrationStepId,
  ...MigrationStepId[],
];
/** The number (1–10) of a step. */
export function stepNumber(id: MigrationStepId): number {
  return MIGRATION_STEP_IDS.indexOf(id) + 1;
}

export const MIGRATION_STATES = [
  /** Steps are being done; rollback is possible. */
  'in-progress',
  /** A rollback started and did not finish: retry it (the backups are kept). */
  'rolling-back',
  /** Everything was put back as it was. */
  'rolled-back',
  /** Step 10 is done: the new connection is the only one. */
  'finished',
] as const;
export type MigrationState = (typeof MIGRATION_STATES)[number];

export const STEP_STATES = ['pending', 'done', 'failed', 'waiting'] as const;

export const migrationStep = z.object({
  id: z.enum(MIGRATION_STEP_IDS),
  status: z.enum(STEP_STATES),
  /** What happened, in a sentence (the error when it failed). */
  outcome: z.string().nullable(),
  /** The admin said it was done outside Ferry. */
  markedByAdmin: z.boolean().default(false),
  at: z.string().nullable(),
});
export type MigrationStep = z.infer<typeof migrationStep>;

/** One part of a rollback and how it went. */
export const rollbackItem = z.object({
  id: z.enum([
    'remove-new',
    'bucket-policy',
    'bucket-encryption',
    'key-policy',
    'role',
    'enable-old',
    'delete-key',
  ]),
  label: z.string(),
  status: z.enum(['done', 'failed', 'skipped']),
  detail: z.string(),
});
export type RollbackItem = z.infer<typeof rollbackItem>;

/** One prerequisite check (step 1): passed, failed, or not answerable without changing things. */
export const migrationCheck = z.object({
  label: z.string(),
  status: z.enum(['passed', 'failed', 'unknown']),
  detail: z.string(),
});
export type MigrationCheck = z.infer<typeof migrationCheck>;

/** An object of the new connection's first export, read back from S3. */
export const encryptedObject = z.object({
  key: z.string(),
  size: z.number(),
  serverSideEncryption: z.string().nullable(),
  kmsKeyId: z.string().nullable(),
});

export const migration = z.object({
  id: z.string(),
  /** The connection being replaced, and its name (kept after it is deleted). */
  oldConnectionId: z.string(),
  oldConnectionName: z.string(),
  /** Chosen at the start, so the generated policies can name it before it is saved. */
  newConnectionId: z.string(),
  newConnectionName: z.string(),
  projectId: z.number().int(),
  bucket: z.string(),
  prefix: z.string(),
  state: z.enum(MIGRATION_STATES),
  steps: z.array(migrationStep),
  keyArn: z.string().nullable(),
  /** True when step 2 created the key (a rollback may schedule its deletion). */
  keyCreated: z.boolean(),
  /**
   * Step 2 asked KMS for a key whose answer may have been lost (a kill, a dropped connection):
   * its next try looks for that key (by its description) before creating another.
   */
  keyRequested: z.boolean().default(false),
  /** Backup ids taken along the way, oldest first (all of them are kept). */
  backupIds: z.array(z.string()),
  /** The backups step 5 took: what rollback restores. */
  restorePoint: z.object({ bucketPolicy: z.string(), bucketEncryption: z.string() }).nullable(),
  /** True when step 6 created the export role (rollback removes it again). */
  roleCreated: z.boolean(),
  /** Whether the old connection was enabled when the migration started (rollback restores it). */
  oldWasEnabled: z.boolean(),
  /** When step 3 turned the old connection off, and the first hour it did not export. */
  oldDisabledAt: z.string().nullable(),
  takeOverFrom: z.string().nullable(),
  /** Step 1's checks. */
  checks: z.array(migrationCheck),
  /** The documents step 4 generated for the new connection (applied at steps 6 and 7). */
  documents: z.array(proposal),
  /** The step 8 access check's probes. */
  verify: z.array(probe).nullable(),
  /** Objects of the first export, read back (step 9). */
  objects: z.array(encryptedObject),
  rollback: z.array(rollbackItem),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type Migration = z.infer<typeof migration>;

/** A migration as the API shows it: with its backups, and hours the new connection misses. */
export const migrationView = migration.extend({
  /** The step to do next (null when finished or rolled back). */
  current: z.enum(MIGRATION_STEP_IDS).nullable(),
  canRollback: z.boolean(),
  /** Why rollback is refused, when it is. */
  rollbackRefused: z.string().nullable(),
  backups: z.array(backup),
  /**
   * Hours neither connection exported that are older than the catch-up window: the wizard
   * offers a backfill of exactly these (null when there are none).
   */
  gap: hourRange.nullable(),
});
export type MigrationView = z.infer<typeof migrationView>;

/**
 * Why a connection can not start a KMS migration, or null when it can: the one rule behind the
 * engine's refusal and the console's "Move to KMS and a per-project role…" (offered only where
 * null). The migration moves an S3 connection that writes as the profile's own identity, trusted
 * by the bucket policy, to a per-project role with a KMS key; one that already writes as a role
 * is past that — to encrypt it with KMS, its encryption is edited instead.
 */
export function migrationRefusal(connection: {
  name: string;
  destination: { type: string; roleArn?: string | null; kmsKeyArn?: string | null };
  replaces?: string | null;
}): { code: 'validation' | 'conflict'; message: string } | null {
  const { name, destination: d } = connection;
  if (d.type !== 's3')
    return {
      code: 'validation',
      message: `"${name}" exports to a folder; only S3 connections move to KMS and a role`,
    };
  if (d.roleArn)
    return {
      code: 'validation',
      message: d.kmsKeyArn
        ? `"${name}" already exports as a role with a KMS key; there is nothing to migrate`
        : `"${name}" already exports as a role (${d.roleArn}); to encrypt with KMS, edit its encryption and apply the key policy`,
    };
  if (connection.replaces)
    return {
      code: 'conflict',
      message: `"${name}" is the new connection of a migration that is not finished; finish or roll it back first`,
    };
  return null;
}

const connectionRef = z.string().trim().min(1, { error: 'Connection is required' });

export const migrationStart = z.object({
  /** The connection to move (id or name). */
  connectionId: connectionRef,
  /** The new connection's name (default: the old name with " (KMS)"). */
  name: z.string().trim().min(1).max(64).optional(),
});

export const migrationNext = z.object({
  /** The migration, or the old or new connection (id or name). */
  id: connectionRef,
  /** Step 2: use this key instead of creating one. */
  keyArn: z
    .string()
    .trim()
    .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/, {
      error: 'KMS key must be a key ARN such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-…',
    })
    .optional(),
  /** The admin did this step outside Ferry: Ferry checks it and moves on. */
  markDone: z.boolean().default(false),
  /** Step 10 (and applying with an empty prefix) need the admin's confirmation. */
  confirm: z.boolean().default(false),
});
export type MigrationNextInput = z.input<typeof migrationNext>;

export const migrationRollback = z.object({
  id: connectionRef,
  /** Schedule deletion (7 days, AWS's shortest) of the KMS key step 2 created. */
  deleteKey: z.boolean().default(false),
});
