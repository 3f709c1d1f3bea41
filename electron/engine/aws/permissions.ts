import {
  bucketPolicy,
  rolePermissionsPolicy,
  type ExportTarget,
  type PolicyStatement,
} from '../../../shared/aws/policies';
import type { S3Destination } from '../../../shared/model/entities';

/** The S3/KMS operations an export performs, and the IAM permission each needs. */
export const OPERATION_PERMISSIONS: Record<string, string> = {
  GetBucketLocation: 's3:GetBucketLocation',
  ListObjectsV2: 's3:ListBucket',
  ListMultipartUploads: 's3:ListBucketMultipartUploads',
  PutObject: 's3:PutObject',
  GetObject: 's3:GetObject',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  DeleteObject: 's3:DeleteObject',
  DeleteObjects: 's3:DeleteObject',
  DescribeKey: 'kms:DescribeKey',
  GetTable: 'glue:GetTable',
};

/**
 * The permission a refused call lacked: by the operation, except that an S3 write refused
 * because of the object's KMS key lacks `kms:GenerateDataKey` (a single PUT, a new multipart
 * upload) or `kms:Decrypt` (completing a multipart upload, which reads the data key back).
 */
export function missingPermission(operation: string, error: unknown): string | null {
  const text = `${(error as { name?: string })?.name ?? ''} ${(error as Error)?.message ?? ''}`;
  if (
    /kms/i.test(text) &&
    /PutObject|CreateMultipartUpload|UploadPart|CompleteMultipartUpload/.test(operation)
  )
    return /decrypt/i.test(text) || operation === 'CompleteMultipartUpload'
      ? 'kms:Decrypt'
      : 'kms:GenerateDataKey';
  return OPERATION_PERMISSIONS[operation] ?? null;
}

/**
 * The statement that grants a permission, from the role's permissions (current form) or the
 * bucket policy (legacy form), so a refusal can be shown next to its cure.
 */
export function statementGranting(
  permission: string,
  target: ExportTarget,
  form: 'legacy' | 'role',
): PolicyStatement | null {
  const documents =
    form === 'role'
      ? [rolePermissionsPolicy(target), bucketPolicy(target, 'role')]
      : [bucketPolicy(target, 'legacy')];
  for (const doc of documents)
    for (const statement of doc.Statement) {
      const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
      if (actions.includes(permission)) return statement;
    }
  return null;
}

/**
 * The statement that grants a permission to an export connection's S3 destination (the role
 * form, which covers both the role's policy and the bucket policy): what a failed export and
 * its failure email show next to the missing permission.
 */
export function statementForDestination(
  permission: string,
  dest: S3Destination,
  projectId: number,
  connectionId: string,
): PolicyStatement | null {
  const target = {
    bucket: dest.bucket,
    prefix: dest.prefix,
    region: dest.region,
    connectionId,
    projectId,
    exportingAccount: '',
    kmsKeyArn: dest.kmsKeyArn,
  };
  return statementGranting(permission, target, 'role');
}

/** An error as raised by an S3 call, with the operation that raised it attached. */
export interface OperationError extends Error {
  operation?: string;
}

/** Run an SDK call and tag a failure with its operation, for `missingPermission`. */
export async function tagged<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error && typeof error === 'object') (error as OperationError).operation ??= operation;
    throw error;
  }
}
