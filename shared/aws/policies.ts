/**
 * The AWS policy documents a connection needs, as pure functions shared by the console and the
 * CLI. Each grants exactly what an export does, and nothing else:
 *
 * - on the prefix: `s3:PutObject` (files, multipart parts), `s3:AbortMultipartUpload` (a failed
 *   upload), `s3:DeleteObject` (stale partitions of an hour exported again);
 * - on the bucket: `s3:ListBucket` (limited to the prefix: finding an hour's partitions),
 *   `s3:ListBucketMultipartUploads` (finding uploads an interrupted run left) and
 *   `s3:GetBucketLocation` (checking the region);
 * - on the KMS key, when objects are encrypted with one: `kms:GenerateDataKey` (writing),
 *   `kms:Decrypt` (completing multipart uploads) and `kms:DescribeKey` (checking the key).
 */

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { AWS: string | string[] } | { Service: string } | '*';
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Id?: string;
  Statement: PolicyStatement[];
}

/** Which principal the bucket trusts: the exporting account (legacy) or a per-project role. */
export type BucketPolicyForm = 'legacy' | 'role';

export interface ExportTarget {
  bucket: string;
  /** Folder prefix ("" or ending in "/"). */
  prefix: string;
  projectId: number;
  /** The AWS account Ferry exports from (the admin's identity). */
  exportingAccount: string;
  /** AWS partition of the ARNs: aws, aws-cn, aws-us-gov. */
  partition?: string;
  kmsKeyArn?: string | null;
}

/** Sids of the statements Ferry owns in a bucket policy; others are the owner's and are kept. */
export const FERRY_SID_PREFIX = 'FerryExport';

export const EXPORT_OBJECT_ACTIONS = [
  's3:PutObject',
  's3:AbortMultipartUpload',
  's3:DeleteObject',
] as const;
export const EXPORT_BUCKET_ACTIONS = [
  's3:ListBucket',
  's3:ListBucketMultipartUploads',
  's3:GetBucketLocation',
] as const;
export const EXPORT_KMS_ACTIONS = [
  'kms:GenerateDataKey',
  'kms:Decrypt',
  'kms:DescribeKey',
] as const;

/** `ferry-export-<projectId>`: the role a project exports as, in the current form. */
export function exportRoleName(projectId: number): string {
  return `ferry-export-${projectId}`;
}

export function exportRoleArn(target: ExportTarget): string {
  return `arn:${target.partition ?? 'aws'}:iam::${target.exportingAccount}:role/${exportRoleName(target.projectId)}`;
}

function bucketArn(target: ExportTarget): string {
  return `arn:${target.partition ?? 'aws'}:s3:::${target.bucket}`;
}

function objectsArn(target: ExportTarget): string {
  return `${bucketArn(target)}/${target.prefix}*`;
}

/** The statements that let `principal` export into the bucket's prefix. */
function exportStatements(
  target: ExportTarget,
  principal: PolicyStatement['Principal'] | undefined,
  sidPrefix: string,
): PolicyStatement[] {
  const withPrincipal = (s: Omit<PolicyStatement, 'Principal'>): PolicyStatement =>
    principal ? { ...s, Principal: principal } : s;
  // s3:ListBucket can be limited to the prefix; the other two bucket actions have no prefix key.
  const list: PolicyStatement = withPrincipal({
    Sid: `${sidPrefix}List`,
    Effect: 'Allow',
    Action: 's3:ListBucket',
    Resource: bucketArn(target),
  });
  if (target.prefix) list.Condition = { StringLike: { 's3:prefix': [`${target.prefix}*`] } };
  return [
    withPrincipal({
      Sid: `${sidPrefix}Write`,
      Effect: 'Allow',
      Action: [...EXPORT_OBJECT_ACTIONS],
      Resource: objectsArn(target),
    }),
    list,
    withPrincipal({
      Sid: `${sidPrefix}Bucket`,
      Effect: 'Allow',
      Action: ['s3:ListBucketMultipartUploads', 's3:GetBucketLocation'],
      Resource: bucketArn(target),
    }),
  ];
}

/**
 * The bucket policy: legacy form trusts the exporting account's root (any identity the account
 * allows), current form trusts only the project's export role.
 */
export function bucketPolicy(target: ExportTarget, form: BucketPolicyForm): PolicyDocument {
  const principal = {
    AWS:
      form === 'legacy'
        ? `arn:${target.partition ?? 'aws'}:iam::${target.exportingAccount}:root`
        : exportRoleArn(target),
  };
  return {
    Version: '2012-10-17',
    Statement: exportStatements(target, principal, `${FERRY_SID_PREFIX}${target.projectId}`),
  };
}

/** Who may assume the project's export role: the admin's own identity. */
export function roleTrustPolicy(trustedPrincipalArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'FerryAdminAssumesExportRole',
        Effect: 'Allow',
        Principal: { AWS: trustedPrincipalArn },
        Action: 'sts:AssumeRole',
      },
    ],
  };
}

/** What the export role may do: the export's S3 actions, and the KMS key when there is one. */
export function rolePermissionsPolicy(target: ExportTarget): PolicyDocument {
  const statements = exportStatements(target, undefined, FERRY_SID_PREFIX);
  if (target.kmsKeyArn)
    statements.push({
      Sid: `${FERRY_SID_PREFIX}Kms`,
      Effect: 'Allow',
      Action: [...EXPORT_KMS_ACTIONS],
      Resource: target.kmsKeyArn,
    });
  return { Version: '2012-10-17', Statement: statements };
}

/** The KMS key policy statement for the export role (a key policy's resource is always "*"). */
export function kmsKeyStatement(target: ExportTarget): PolicyStatement {
  return {
    Sid: `${FERRY_SID_PREFIX}${target.projectId}Kms`,
    Effect: 'Allow',
    Principal: { AWS: exportRoleArn(target) },
    Action: [...EXPORT_KMS_ACTIONS],
    Resource: '*',
  };
}

/** The default key policy AWS gives a new key: the account administers it through IAM. */
export function defaultKeyPolicy(account: string, partition = 'aws'): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}

/** Bucket default encryption: SSE-KMS with the key, S3 Bucket Key on (fewer KMS calls, lower cost). */
export function bucketEncryption(kmsKeyArn: string) {
  return {
    Rules: [
      {
        ApplyServerSideEncryptionByDefault: {
          SSEAlgorithm: 'aws:kms' as const,
          KMSMasterKeyID: kmsKeyArn,
        },
        BucketKeyEnabled: true,
      },
    ],
  };
}

/**
 * Put Ferry's statements into an existing policy without dropping anything else: statements
 * with the same Sid are replaced, the owner's statements stay as they are, in their order.
 */
export function mergePolicy(
  existing: PolicyDocument | null,
  ours: PolicyStatement[],
): PolicyDocument {
  const sids = new Set(ours.map((s) => s.Sid));
  const kept = (existing?.Statement ?? []).filter((s) => !s.Sid || !sids.has(s.Sid));
  return {
    ...(existing ?? { Version: '2012-10-17' }),
    Version: '2012-10-17',
    Statement: [...kept, ...ours],
  };
}

/** The same document as stable, readable JSON (what is shown, diffed, copied and applied). */
export function formatPolicy(policy: PolicyDocument | object): string {
  return `${JSON.stringify(policy, null, 2)}\n`;
}
