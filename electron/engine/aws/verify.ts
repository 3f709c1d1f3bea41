import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { GlueClient } from '@aws-sdk/client-glue';
import {
  queryTableLocation,
  queryTableNames,
  type QueryTableKind,
  type QueryTableTarget,
} from '../../../shared/aws/glue-table';
import type { ExportTarget } from '../../../shared/aws/policies';
import type { Probe, ProbeId, VerifyReport } from '../../../shared/model/aws';
import type { S3Destination } from '../../../shared/model/entities';
import { missingPermission, statementGranting, tagged } from './permissions';
import { getGlueTable } from './glue-docs';
import { kmsSdk, s3Sdk } from './sdk';
import { plural } from '../../../shared/format';

const PROBE_FOLDER = '_ferry-verify/';

/** The region a GetBucketLocation answer names (none: us-east-1; the legacy "EU": eu-west-1). */
export function regionOfLocation(constraint: string | null | undefined): string {
  return !constraint ? 'us-east-1' : constraint === 'EU' ? 'eu-west-1' : constraint;
}

/** The encryption headers an export writes with, from the connection's setting. */
function sseHeaders(destination: S3Destination) {
  return destination.sse === 'aws:kms' && destination.kmsKeyArn
    ? {
        ServerSideEncryption: 'aws:kms' as const,
        SSEKMSKeyId: destination.kmsKeyArn,
        BucketKeyEnabled: true,
      }
    : destination.sse === 'AES256'
      ? { ServerSideEncryption: 'AES256' as const }
      : {};
}

/** What every probe step works with; `written` collects the test objects to delete at the end. */
interface Probing {
  s3: S3Client;
  sdk: Awaited<ReturnType<typeof s3Sdk>>;
  bucket: string;
  prefix: string;
  /** The key prefix of this check's own test objects. */
  base: string;
  sse: ReturnType<typeof sseHeaders>;
  written: string[];
}

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
  /** The catalog of the connection's Region: its query table is read when it writes a copy. */
  glue: GlueClient | null = null,
): Promise<VerifyReport> {
  const probes: Probe[] = [];
  const stamp = `${now().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const p: Probing = {
    s3,
    sdk: await s3Sdk(),
    bucket: destination.bucket,
    prefix: destination.prefix,
    base: `${destination.prefix}${PROBE_FOLDER}${stamp}`,
    sse: sseHeaders(destination),
    written: [],
  };
  let bucketRegion: string | null = null;

  /** Run one probe: passed with what it found, or failed with the permission and its fix. */
  const run = async (
    id: ProbeId,
    label: string,
    operation: string,
    step: () => Promise<string>,
  ): Promise<boolean> => {
    try {
      const detail = await tagged(operation, step);
      probes.push({ id, label, status: 'passed', detail, ...NO_FIX });
      return true;
    } catch (error) {
      const failed = (error as { operation?: string }).operation ?? operation;
      probes.push(failure(id, label, failed, error, target, form, destination));
      return false;
    }
  };

  const located = await run(
    'location',
    'Find the bucket and its region',
    'GetBucketLocation',
    async () => {
      bucketRegion = await locate(p);
      return `s3://${p.bucket} is in ${bucketRegion}`;
    },
  );
  if (located && bucketRegion && bucketRegion !== destination.region) {
    const last = probes[probes.length - 1]!;
    last.status = 'warning';
    last.detail = `s3://${p.bucket} is in ${bucketRegion}, not ${destination.region}`;
    last.fix = `Set the connection's region to ${bucketRegion}.`;
  }
  // A bucket that is not there (not a refusal): the other probes would only repeat it.
  if (!located && probes[0]?.missingPermission === null) return finish();

  await run('list', `List ${p.prefix || 'the bucket root'}`, 'ListObjectsV2', () => listPrefix(p));
  await run('uploads', 'Look for unfinished uploads', 'ListMultipartUploads', () => listUploads(p));
  await run('put', 'Write an object', 'PutObject', () => putObject(p));
  await run('multipart', 'Write a multipart upload', 'CreateMultipartUpload', () => multipart(p));
  await run('abort', 'Abort an upload', 'AbortMultipartUpload', () => abortUpload(p));
  if (p.written.length > 0)
    await run('delete', 'Delete its own test objects', 'DeleteObject', () => deleteWritten(p));
  else
    probes.push({
      id: 'delete',
      label: 'Delete its own test objects',
      status: 'skipped',
      detail: 'Nothing was written, so there was nothing to delete.',
      ...NO_FIX,
    });
  if (destination.sse === 'aws:kms' && destination.kmsKeyArn && kms) {
    const keyArn = destination.kmsKeyArn;
    await run('kms', 'Check the KMS key', 'DescribeKey', () => checkKey(kms, keyArn));
  }
  const tables = target.queryTables ?? [];
  if (tables.length > 0 && glue) {
    let found: GlueTablesFound = { read: [], missing: [], elsewhere: [] };
    const read = await run('glue-table', 'Read the Glue query tables', 'GetTable', async () => {
      found = await checkGlueTables(glue, { ...target, ...destination }, tables);
      return found.read.join(' ');
    });
    const last = probes[probes.length - 1]!;
    if (read && found.missing.length > 0) {
      last.status = 'warning';
      last.detail = `There is no table ${found.missing.join(' or ')} yet: the query copy can not be queried in Athena.`;
      last.fix = `Create it: ferry query-setup ${target.connectionId} --apply (or run its DDL, --ddl).`;
    } else if (read && found.elsewhere.length > 0) {
      // After the connection moved to another bucket or prefix: Athena would read the old files.
      last.status = 'warning';
      last.detail = `${found.elsewhere.join(' ')} Athena reads those, not the hours exported here.`;
      last.fix = `See and apply the change: ferry query-setup ${target.connectionId} (then --apply).`;
    }
  }
  return finish();

  function finish(): VerifyReport {
    return {
      ok: probes.every((probe) => probe.status !== 'failed'),
      probes,
      bucketRegion,
      checkedAt: now().toISOString(),
    };
  }
}

const NO_FIX = { missingPermission: null, statement: null, fix: null };

async function locate({ s3, sdk, bucket }: Probing): Promise<string> {
  const out = await s3.send(new sdk.GetBucketLocationCommand({ Bucket: bucket }));
  return regionOfLocation(out.LocationConstraint);
}

async function listPrefix({ s3, sdk, bucket, prefix }: Probing): Promise<string> {
  const out = await s3.send(
    new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }),
  );
  return out.KeyCount ? 'The prefix already holds objects.' : 'The prefix is empty so far.';
}

async function listUploads({ s3, sdk, bucket, prefix }: Probing): Promise<string> {
  await s3.send(
    new sdk.ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix, MaxUploads: 1 }),
  );
  return 'Interrupted uploads can be found and cleaned up.';
}

async function putObject({ s3, sdk, bucket, base, sse, written }: Probing): Promise<string> {
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
}

/** A one-part multipart upload, completed (with SSE-KMS that needs kms:Decrypt), else aborted. */
async function multipart({ s3, sdk, bucket, base, sse, written }: Probing): Promise<string> {
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
  const upload = { Bucket: bucket, Key: key, UploadId: created.UploadId };
  try {
    const part = await tagged('UploadPart', () =>
      s3.send(
        new sdk.UploadPartCommand({ ...upload, PartNumber: 1, Body: 'Ferry multipart check.\n' }),
      ),
    );
    await tagged('CompleteMultipartUpload', () =>
      s3.send(
        new sdk.CompleteMultipartUploadCommand({
          ...upload,
          MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
        }),
      ),
    );
  } catch (error) {
    await s3.send(new sdk.AbortMultipartUploadCommand(upload)).catch(() => undefined);
    throw error;
  }
  written.push(key);
  return `Completed ${key}.`;
}

async function abortUpload({ s3, sdk, bucket, base, sse }: Probing): Promise<string> {
  const key = `${base}-aborted.txt`;
  const created = await tagged('CreateMultipartUpload', () =>
    s3.send(new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...sse })),
  );
  await s3.send(
    new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: created.UploadId }),
  );
  return 'A failed upload can be cancelled, leaving no parts behind.';
}

async function deleteWritten({ s3, sdk, bucket, written }: Probing): Promise<string> {
  for (const key of written)
    await s3.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }));
  return `Removed ${plural(written.length, 'test object')}.`;
}

/** The key must be enabled: a disabled key, or one scheduled for deletion, fails every write. */
async function checkKey(kms: KMSClient, keyArn: string): Promise<string> {
  const { DescribeKeyCommand } = await kmsSdk();
  const out = await kms.send(new DescribeKeyCommand({ KeyId: keyArn }));
  const state = out.KeyMetadata?.KeyState;
  if (state === 'Disabled')
    throw Object.assign(new Error('The KMS key is disabled'), { name: 'KeyDisabled' });
  if (state === 'PendingDeletion')
    throw Object.assign(
      new Error(
        `The KMS key is scheduled for deletion on ${out.KeyMetadata?.DeletionDate?.toISOString().slice(0, 10)}`,
      ),
      { name: 'KeyPendingDeletion' },
    );
  if (state && state !== 'Enabled')
    throw Object.assign(new Error(`The KMS key is ${state}`), { name: 'KeyUnusable' });
  return `The key is enabled (${out.KeyMetadata?.KeyManager === 'AWS' ? 'AWS managed' : 'customer managed'}).`;
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
        ? `Grant ${permission}${form === 'role' ? ' to the export role' : ' to this profile'}.`
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

/** The connection's tables in the catalog: those read, those missing, those reading elsewhere. */
interface GlueTablesFound {
  read: string[];
  missing: string[];
  /** One sentence for each table that reads another location than the connection's files. */
  elsewhere: string[];
}

/** Each query table of the connection read as the role: which there are, and what they read. */
async function checkGlueTables(
  glue: GlueClient,
  target: QueryTableTarget,
  kinds: readonly QueryTableKind[],
): Promise<GlueTablesFound> {
  const found: GlueTablesFound = { read: [], missing: [], elsewhere: [] };
  for (const kind of kinds) {
    const { database, table } = queryTableNames(target.projectId, kind);
    const t = await getGlueTable(glue, database, table);
    if (!t) {
      found.missing.push(`${database}.${table}`);
      continue;
    }
    const location = t.StorageDescriptor?.Location ?? 'no location';
    found.read.push(`${database}.${table} reads ${location}.`);
    const own = queryTableLocation(target, kind);
    if (location !== own)
      found.elsewhere.push(`${database}.${table} reads ${location}, not this connection's ${own}.`);
  }
  return found;
}
