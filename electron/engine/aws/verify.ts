import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { ExportTarget } from '../../../shared/aws/policies';
import type { Probe, ProbeId, VerifyReport } from '../../../shared/model/aws';
import type { S3Destination } from '../../../shared/model/entities';
import { missingPermission, statementGranting, tagged } from './permissions';
import { kmsSdk, s3Sdk } from './sdk';

const PROBE_FOLDER = '_ferry-verify/';

/**
 * Check a destination by doing what an export does, in the order an export does it, with the
 * connection's real encryption headers: find the bucket's region, list the prefix, look for
 * unfinished uploads, write an object, write a small multipart upload (SSE-KMS needs
 * kms:Decrypt to complete one), start and abort one, delete its own probe objects, and read the
 * KMS key's state. Each refusal names the missing permission and the statement that grants it.
 */
export async function verifyAccess(
  s3: S3Client,
  kms: KMSClient | null,
  destination: S3Destination,
  target: ExportTarget,
  form: 'legacy' | 'role',
  now: () => Date = () => new Date(),
): Promise<VerifyReport> {
  const sdk = await s3Sdk();
  const probes: Probe[] = [];
  const bucket = destination.bucket;
  const base = `${destination.prefix}${PROBE_FOLDER}${now().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const sse =
    destination.sse === 'aws:kms' && destination.kmsKeyArn
      ? {
          ServerSideEncryption: 'aws:kms' as const,
          SSEKMSKeyId: destination.kmsKeyArn,
          BucketKeyEnabled: true,
        }
      : destination.sse === 'AES256'
        ? { ServerSideEncryption: 'AES256' as const }
        : {};
  const written: string[] = [];
  let bucketRegion: string | null = null;

  const run = async (
    id: ProbeId,
    label: string,
    operation: string,
    step: () => Promise<string>,
  ): Promise<boolean> => {
    try {
      probes.push({
        id,
        label,
        status: 'passed',
        detail: await tagged(operation, step),
        missingPermission: null,
        statement: null,
        fix: null,
      });
      return true;
    } catch (error) {
      probes.push(
        failure(
          id,
          label,
          (error as { operation?: string }).operation ?? operation,
          error,
          target,
          form,
          destination,
        ),
      );
      return false;
    }
  };

  const located = await run(
    'location',
    'Find the bucket and its region',
    'GetBucketLocation',
    async () => {
      const out = await s3.send(new sdk.GetBucketLocationCommand({ Bucket: bucket }));
      bucketRegion = !out.LocationConstraint
        ? 'us-east-1'
        : out.LocationConstraint === 'EU'
          ? 'eu-west-1'
          : out.LocationConstraint;
      return `s3://${bucket} is in ${bucketRegion}`;
    },
  );
  if (located && bucketRegion && bucketRegion !== destination.region) {
    const last = probes[probes.length - 1]!;
    last.status = 'warning';
    last.detail = `s3://${bucket} is in ${bucketRegion}, not ${destination.region}`;
    last.fix = `Set the connection's region to ${bucketRegion}.`;
  }
  if (!located && probes[0]?.missingPermission === null) return finish();

  await run(
    'list',
    `List ${destination.prefix || 'the bucket root'}`,
    'ListObjectsV2',
    async () => {
      const out = await s3.send(
        new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: destination.prefix, MaxKeys: 1 }),
      );
      return out.KeyCount ? 'The prefix already holds objects.' : 'The prefix is empty so far.';
    },
  );
  await run('uploads', 'Look for unfinished uploads', 'ListMultipartUploads', async () => {
    await s3.send(
      new sdk.ListMultipartUploadsCommand({
        Bucket: bucket,
        Prefix: destination.prefix,
        MaxUploads: 1,
      }),
    );
    return 'Interrupted uploads can be found and cleaned up.';
  });
  await run('put', 'Write an object', 'PutObject', async () => {
    const key = `${base}-object.txt`;
    await s3.send(
      new sdk.PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: 'Ferry access check: safe to delete.\n',
        ContentType: 'text/plain',
        ...sse,
      }),
    );
    written.push(key);
    return `Wrote ${key}${sse.ServerSideEncryption ? ` with ${sse.ServerSideEncryption}` : ''}.`;
  });
  await run('multipart', 'Write a multipart upload', 'CreateMultipartUpload', async () => {
    const key = `${base}-multipart.txt`;
    const created = await tagged('CreateMultipartUpload', () =>
      s3.send(
        new sdk.CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          ContentType: 'text/plain',
          ...sse,
        }),
      ),
    );
    try {
      const part = await tagged('UploadPart', () =>
        s3.send(
          new sdk.UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: created.UploadId,
            PartNumber: 1,
            Body: 'Ferry multipart check.\n',
          }),
        ),
      );
      await tagged('CompleteMultipartUpload', () =>
        s3.send(
          new sdk.CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: created.UploadId,
            MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
          }),
        ),
      );
    } catch (error) {
      await s3
        .send(
          new sdk.AbortMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: created.UploadId,
          }),
        )
        .catch(() => undefined);
      throw error;
    }
    written.push(key);
    return `Completed ${key}.`;
  });
  await run('abort', 'Abort an upload', 'AbortMultipartUpload', async () => {
    const key = `${base}-aborted.txt`;
    const created = await tagged('CreateMultipartUpload', () =>
      s3.send(new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...sse })),
    );
    await s3.send(
      new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: created.UploadId }),
    );
    return 'A failed upload can be cancelled, leaving no parts behind.';
  });
  if (written.length > 0)
    await run('delete', 'Delete its own test objects', 'DeleteObject', async () => {
      for (const key of written)
        await s3.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }));
      return `Removed ${written.length} test object(s).`;
    });
  else
    probes.push({
      id: 'delete',
      label: 'Delete its own test objects',
      status: 'skipped',
      detail: 'Nothing was written, so there was nothing to delete.',
      missingPermission: null,
      statement: null,
      fix: null,
    });

  if (destination.sse === 'aws:kms' && destination.kmsKeyArn && kms) {
    const { DescribeKeyCommand } = await kmsSdk();
    await run('kms', 'Check the KMS key', 'DescribeKey', async () => {
      const out = await kms.send(new DescribeKeyCommand({ KeyId: destination.kmsKeyArn! }));
      const state = out.KeyMetadata?.KeyState;
      if (state === 'Disabled')
        throw Object.assign(new Error('The KMS key is disabled'), { name: 'KeyDisabled' });
      if (state === 'PendingDeletion')
        throw Object.assign(
          new Error(
            `The KMS key is scheduled for deletion on ${out.KeyMetadata?.DeletionDate?.toISOString().slice(0, 10)}`,
          ),
          {
            name: 'KeyPendingDeletion',
          },
        );
      if (state && state !== 'Enabled')
        throw Object.assign(new Error(`The KMS key is ${state}`), { name: 'KeyUnusable' });
      return `The key is enabled (${out.KeyMetadata?.KeyManager === 'AWS' ? 'AWS managed' : 'customer managed'}).`;
    });
  }
  return finish();

  function finish(): VerifyReport {
    return {
      ok: probes.every(
        (p) => p.status === 'passed' || p.status === 'skipped' || p.status === 'warning',
      ),
      probes,
      bucketRegion,
      checkedAt: now().toISOString(),
    };
  }
}

/** A failed probe, with what was missing and how to get it. */
function failure(
  id: ProbeId,
  label: string,
  operation: string,
  error: unknown,
  target: ExportTarget,
  form: 'legacy' | 'role',
  destination: S3Destination,
): Probe {
  const e = error as {
    name?: string;
    Code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const code = e.Code ?? e.name ?? 'Error';
  const message = e.message ?? String(error);
  const base = { id, label, status: 'failed' as const, missingPermission: null, statement: null };
  if (code === 'NoSuchBucket')
    return {
      ...base,
      detail: `There is no bucket named "${destination.bucket}".`,
      fix: 'Create the bucket first, or correct its name.',
      field: 'bucket',
    };
  if (code === 'KeyDisabled')
    return {
      ...base,
      detail: message,
      fix: 'Enable the key in the KMS console (Key actions → Enable).',
      field: 'kmsKeyArn',
    };
  if (code === 'KeyPendingDeletion')
    return {
      ...base,
      detail: message,
      fix: 'Cancel the key deletion in the KMS console, then enable the key.',
      field: 'kmsKeyArn',
    };
  if (code === 'NotFoundException' || code === 'KMS.NotFoundException')
    return {
      ...base,
      detail: `KMS key ${destination.kmsKeyArn} was not found.`,
      fix: "Check the key ARN, and that it is in the bucket's region.",
      field: 'kmsKeyArn',
    };
  if (code === 'KMS.KMSInvalidStateException' || code === 'KMSInvalidStateException')
    return {
      ...base,
      detail: message,
      fix: 'The key can not be used right now; check it in the KMS console.',
    };
  if (
    code === 'SignatureDoesNotMatch' ||
    code === 'InvalidAccessKeyId' ||
    code === 'ExpiredToken' ||
    code === 'InvalidToken'
  )
    return {
      ...base,
      detail: `The credentials of profile "${destination.profile}" were refused (${code}).`,
      fix: 'Check the keys of the profile (or sign in again for SSO), then verify again.',
      field: 'profile',
    };
  const denied =
    code === 'AccessDenied' ||
    code === 'AccessDeniedException' ||
    e.$metadata?.httpStatusCode === 403 ||
    /not authorized|access denied/i.test(message);
  if (denied) {
    const permission = missingPermission(operation, error);
    const statement = permission ? statementGranting(permission, target, form) : null;
    return {
      ...base,
      detail: `Refused: ${permission ? `${permission} is missing` : message}`,
      missingPermission: permission,
      statement,
      fix: permission
        ? `Grant ${permission}${form === 'role' ? ' to the export role' : ' to this profile'} — the statement below does it.`
        : 'Check the policies of the bucket and of this identity.',
    };
  }
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed')
    return {
      ...base,
      detail: message,
      fix: "Set the connection's region to the bucket's region.",
      field: 'region',
    };
  return { ...base, detail: `${code}: ${message}`, fix: null };
}
