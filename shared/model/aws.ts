/**
 * AWS setup as the API carries it: profiles, identities, proposed documents, verification.
 */
import { z } from 'zod';
import { policyStatement } from '../aws/policies';
import { queryTableKind, queryTableKindsOf } from '../aws/glue-table';
import { bucketName, endpointPathProblem, numericId, prefix, profileName, region } from './fields';
import { connectionId, SSE_MODES, type Connection } from './entities';
import { BACKUP_KINDS } from './settings';

export const awsProfile = z.object({
  name: z.string(),
  kind: z.enum(['static', 'sso', 'assume-role', 'process', 'web-identity', 'incomplete']),
  region: z.string().nullable(),
  files: z.array(z.enum(['config', 'credentials'])),
  roleArn: z.string().nullable(),
  mfaSerial: z.string().nullable(),
});
export type AwsProfile = z.infer<typeof awsProfile>;

export const identity = z.object({
  account: z.string(),
  arn: z.string(),
  userId: z.string(),
  partition: z.string(),
});
export type Identity = z.infer<typeof identity>;

const mfaCode = z
  .string()
  .trim()
  .regex(/^\d{6}$/, { error: 'MFA codes are 6 digits' })
  .optional();

const endpoint = z
  .url({ error: 'Endpoint must be a URL such as http://127.0.0.1:9000' })
  .superRefine((v, ctx) => {
    const problem = endpointPathProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .nullish()
  .transform((v) => v || null);

/** Who asks AWS: a profile, a region, optionally an endpoint and an MFA code. */
export const awsAsk = z.object({
  profile: profileName,
  region,
  endpoint,
  forcePathStyle: z.boolean().default(false),
  mfaCode,
});

/**
 * Who asks AWS to show or restore a backup: by default the backup's connection's profile and
 * region (live or archived); each given field overrides it.
 */
export const backupAsk = z
  .object({
    profile: profileName.optional(),
    region: region.optional(),
    endpoint: endpoint.optional(),
    mfaCode,
  })
  .default({});
export type BackupAsk = z.output<typeof backupAsk>;

/** A connection's destination as the setup steps need it; it may not be saved yet. */
export const setupTarget = awsAsk.extend({
  /** The connection the documents are for: its statement ids carry it (cn_…). */
  connectionId,
  bucket: bucketName,
  prefix,
  projectId: numericId('Project ID'),
  /**
   * The Glue tables its role may read (verify checks them): the query copy's, and the JSON
   * table's where asked for; none when the connection asks for neither.
   */
  queryTables: z.array(queryTableKind).default([]),
  kmsKeyArn: z
    .string()
    .trim()
    .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/, {
      error: 'KMS key must be a key ARN such as arn:aws:kms:us-east-1:111122223333:key/1234abcd-…',
    })
    .nullish()
    .transform((v) => v || null),
  sse: z.enum(SSE_MODES).default('bucket-default'),
});
export type SetupTargetInput = z.input<typeof setupTarget>;

/** The setup target of a saved S3 connection (null for a folder connection). */
export function setupTargetFor(connection: Connection, mfaCode?: string): SetupTargetInput | null {
  const dest = connection.destination;
  if (dest.type !== 's3') return null;
  return {
    connectionId: connection.id,
    profile: dest.profile,
    region: dest.region,
    endpoint: dest.endpoint,
    forcePathStyle: dest.forcePathStyle,
    bucket: dest.bucket,
    prefix: dest.prefix,
    projectId: connection.projectId,
    kmsKeyArn: dest.kmsKeyArn,
    sse: dest.sse,
    queryTables: queryTableKindsOf(connection),
    mfaCode,
  };
}

export const policyForm = z.enum(['legacy', 'role'], { error: 'Form must be "legacy" or "role"' });

export const proposal = z.object({
  kind: z.enum(BACKUP_KINDS),
  target: z.string(),
  current: z.string().nullable(),
  proposed: z.string(),
});
/** A document Ferry proposes, next to what is there now (null: nothing yet). */
export type Proposal = z.infer<typeof proposal>;

export const applyStep = z.enum(['bucket-policy', 'role', 'key-policy', 'bucket-encryption']);
/** One change the setup applies: the contract's, the engine's and the wizard's one list. */
export type ApplyStep = z.infer<typeof applyStep>;

const statementNote = z.object({
  sid: z.string().nullable(),
  label: z.string(),
  why: z.string(),
  connection: z.object({ id: z.string(), name: z.string(), enabled: z.boolean() }).nullable(),
  ferry: z.boolean(),
});

/** What restoring a backup writes, and which statements it puts back, removes and keeps. */
export const restorePlan = z.object({
  mode: z.enum(['ferry', 'whole']),
  document: z.string().nullable(),
  putBack: z.array(statementNote),
  removed: z.array(statementNote),
  kept: z.array(statementNote),
  lostIfWhole: z.array(statementNote),
});

/**
 * One access check of `aws.verify` (or of a folder destination, `connections.verifyFolder`): a
 * step of an export, tried for real.
 */
export const probe = z.object({
  id: z.enum([
    'location',
    'list',
    'uploads',
    'put',
    'multipart',
    'abort',
    'delete',
    'kms',
    'glue-table',
    'folder',
    'space',
  ]),
  /** What was tried, as an admin reads it. */
  label: z.string(),
  status: z.enum(['passed', 'failed', 'warning', 'skipped']),
  detail: z.string(),
  /** The IAM permission that was missing, when a refusal says so. */
  missingPermission: z.string().nullable(),
  /** The policy statement that grants it. */
  statement: policyStatement.nullable(),
  fix: z.string().nullable(),
  /** The destination setting a failure is about (a wrong bucket name, key, region or profile). */
  field: z.enum(['bucket', 'region', 'kmsKeyArn', 'profile']).nullable().optional(),
});
export type Probe = z.infer<typeof probe>;
export type ProbeId = Probe['id'];

export const verifyReport = z.object({
  ok: z.boolean(),
  probes: z.array(probe),
  /** The bucket's real region, when it could be read (differs from the connection's: correct it). */
  bucketRegion: z.string().nullable(),
  checkedAt: z.string(),
});
export type VerifyReport = z.infer<typeof verifyReport>;
