import type { Connection, Project } from '../../../shared/model/entities';
import type { Job } from '../../../shared/model/jobs';
import {
  missingPermission,
  statementForDestination,
  type OperationError,
} from '../aws/permissions';
import { FerryError } from '../../../shared/api/errors';
import { WorkerMismatch } from '../pipeline/pool';
import { redactUpstream } from '../redact';
import { DestinationFolderMissing } from '../sinks/folder';
import { SourceError } from '../sources/types';
import type { CommitRefused } from './commit';
import { DestinationClaimed } from './destination-claim';
import { HourNotEnded } from '../time/witness';
import { NETWORK_CODES } from '../network-errors';
import { diskRefusal } from '../store/data-dir';

export type JobError = NonNullable<Job['error']>;

const CREDENTIAL_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidToken',
  'TokenRefreshRequired',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
]);
const ACCESS_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AllAccessDisabled',
  'KMS.AccessDeniedException',
  'KMS.DisabledException',
  'KMS.KMSInvalidStateException',
  'KMS.NotFoundException',
  'DisabledException',
  'KMSInvalidStateException',
]);
const TRANSIENT_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
]);

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
  /** The raw answer, kept by the SDK when it could not read it. */
  $response?: { statusCode?: number };
}

/**
 * The SDK's words for an answer it could not parse ("char 'N' is not expected… Deserialization
 * error: inspect the hidden field {error}.$response"): meant for a developer, never shown.
 */
const UNREADABLE_ANSWER = /Deserialization error|inspect the hidden field|XML parse error/i;

/** An answer that is not AWS's (a proxy's page, a captive portal, a wrong endpoint). */
function unreadableAnswer(e: AwsLikeError): JobError {
  const status = e.$response?.statusCode ?? e.$metadata?.httpStatusCode;
  return {
    kind: status !== undefined && status < 500 ? 'config' : 'transient',
    code: 'unreadable-answer',
    message: `The answer to Ferry's request was not one AWS gives${status ? ` (HTTP ${status})` : ''}: something between this computer and AWS answered instead.`,
    fix: "Usually a proxy, a captive portal or a wrong endpoint: check the network and the connection's endpoint, then try again.",
  };
}

/**
 * Sort a failure into what the admin does next: `access` (a permission or credential to fix),
 * `transient` (wait and retry), `source` (the project's source needs attention) or `config`
 * (the connection's settings are wrong). Each comes with a fix in plain words.
 */
export function classifyError(error: unknown): JobError {
  const job = classify(error);
  // The last gate before history, logs, emails and the CLI: no credential-like text gets past.
  return { ...job, message: redactUpstream(job.message, [], JOB_MESSAGE_MAX) };
}

/** A destination folder's disk refused a write: what it means and what to do, or null. */
function destinationDiskError(code: string, message: string): JobError | null {
  // A read-only disk is not a permission a policy fix grants: not retried, like a full one.
  if (code === 'EROFS')
    return {
      kind: 'config',
      code,
      message: `Read-only disk: ${message}`,
      fix: 'The destination folder is on a disk mounted read-only: mount it writable, or choose another folder.',
    };
  if (code === 'EACCES' || code === 'EPERM')
    return {
      kind: 'access',
      code,
      message,
      fix: 'Let Ferry write to the destination folder, or choose another one.',
    };
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return {
      kind: 'config',
      code: 'ENOSPC',
      message: `Disk full: ${message}`,
      fix: 'Free disk space there (or choose a folder on a disk with room), then retry the hour; the schedule also tries it again in an hour.',
    };
  return null;
}

/** Room for Ferry's own words plus an upstream answer (itself capped at 300 characters). */
const JOB_MESSAGE_MAX = 1_000;

/** Ferry's own refusals that an admin fixes by a setting or a reinstall, or null. */
function configRefusal(error: unknown): JobError | null {
  if (error instanceof WorkerMismatch)
    return {
      kind: 'config',
      code: 'worker-mismatch',
      message: error.message,
      fix: 'Reinstall Ferry (from a source checkout: npm run build). Nothing was exported.',
    };
  if (error instanceof DestinationClaimed)
    return {
      kind: 'config',
      code: 'destination-claimed',
      message: error.message,
      fix: error.fix,
    };
  if (error instanceof DestinationFolderMissing)
    return { kind: 'config', code: 'folder-missing', message: error.message, fix: error.fix };
  if (error instanceof HourNotEnded)
    return {
      kind: 'config',
      code: 'hour-not-ended',
      message: error.message,
      fix: "Set this computer's clock right (turn on automatic date and time). Nothing else is needed: the hour is exported by itself once it has ended.",
    };
  return null;
}

function classify(error: unknown): JobError {
  const refusal = configRefusal(error);
  if (refusal) return refusal;
  // A setting the engine refuses at run time (one saved before it was checked): fixed by editing.
  if (error instanceof FerryError && error.code === 'validation')
    return {
      kind: 'config',
      code: 'invalid-setting',
      message: error.message,
      fix: 'Edit the connection (or its project) to correct the setting named above, then retry the hour.',
    };
  if (error instanceof SourceError)
    return {
      kind: error.transient ? 'transient' : 'source',
      code: error.code,
      message: error.message,
      fix: error.fix,
    };
  const e = (error ?? {}) as AwsLikeError;
  const code = e.Code ?? e.code ?? e.name ?? 'Error';
  const message = e.message || String(error);
  const status = e.$metadata?.httpStatusCode;

  if (UNREADABLE_ANSWER.test(message)) return unreadableAnswer(e);
  if (
    e.name === 'CredentialsProviderError' ||
    /could not resolve credentials|profile .*not (be )?found/i.test(message)
  )
    return {
      kind: 'access',
      code: 'credentials',
      message: `No AWS credentials for this connection's profile: ${message}`,
      fix: /sso/i.test(message)
        ? 'Sign in again: aws sso login --profile <profile>'
        : 'Check the AWS profile name in the connection, and that ~/.aws/config or ~/.aws/credentials defines it.',
    };
  if (CREDENTIAL_CODES.has(code))
    return {
      kind: 'access',
      code,
      message,
      fix: "The connection's AWS profile has wrong or expired credentials: check its keys, or sign in again (aws sso login --profile <profile>).",
    };
  if (ACCESS_CODES.has(code) || status === 403)
    return {
      kind: 'access',
      code,
      message,
      fix: /\bglue:/i.test(message)
        ? 'Let your AWS profile manage the query tables in the Glue Data Catalog: glue:GetDatabase, glue:CreateDatabase, glue:GetTable, glue:CreateTable and glue:UpdateTable (glue:DeleteTable to remove them) on the ferry database and its tables.'
        : /kms/i.test(code + message)
          ? "Let the connection's AWS identity use the KMS key (kms:GenerateDataKey, kms:Decrypt) and check that the key is enabled."
          : "Grant the connection's AWS identity s3:PutObject, s3:AbortMultipartUpload and s3:DeleteObject on the prefix, and s3:ListBucket on the bucket.",
    };
  if (code === 'NoSuchBucket')
    return {
      kind: 'config',
      code,
      message,
      fix: 'Create the bucket, or correct the bucket name in the connection.',
    };
  if (
    code === 'PermanentRedirect' ||
    code === 'AuthorizationHeaderMalformed' ||
    code === 'IllegalLocationConstraintException'
  )
    return {
      kind: 'config',
      code,
      message,
      fix: "Set the connection's region to the bucket's region.",
    };
  const disk = destinationDiskError(code, message);
  if (disk) return disk;
  if (
    TRANSIENT_CODES.has(code) ||
    NETWORK_CODES.has(code) ||
    (status !== undefined && status >= 500) ||
    e.$fault === 'server'
  )
    return {
      kind: 'transient',
      code,
      message,
      fix: 'Usually temporary (network, throttling, a service hiccup); Ferry retries.',
    };
  if (status !== undefined && status >= 400)
    return {
      kind: 'config',
      code,
      message,
      fix: 'Check the connection settings against the bucket.',
    };
  return { kind: 'transient', code: 'unexpected', message, fix: null };
}

/**
 * The job history could not be written: not a failure of the export to retry, but of Ferry's
 * own storage, said in one line — a data folder (a full disk, most likely) or, in team mode,
 * PostgreSQL that did not answer (the advice to free disk space would send the admin the wrong way).
 */
export function historyWriteError(error: unknown): FerryError {
  if (error instanceof FerryError) return error; // e.g. the data folder's lock was lost
  const e = error as NodeJS.ErrnoException;
  const message = e.message ?? String(error);
  if (e.path !== undefined || FILE_CODES.has(e.code ?? '')) {
    // The disk's own reason and its fix: free space only when space is what it lacks.
    const known = diskRefusal(e.code);
    return new FerryError(
      'internal',
      `Ferry could not write its job history (${known?.what ?? message}${e.path ? `: ${e.path}` : ''}). ${known?.fix ?? 'Check the data folder'}, then run the export again.`,
    );
  }
  return new FerryError(
    'internal',
    `Ferry could not write its job history to its database (${message}), so the hour is not recorded as done. Check that PostgreSQL answers.`,
  );
}

/** Error codes of a file or a disk (the history in a data folder), not of a network or database. */
const FILE_CODES: ReadonlySet<string> = new Set([
  'ENOSPC',
  'EDQUOT',
  'EACCES',
  'EPERM',
  'EROFS',
  'EIO',
  'ENOENT',
  'EISDIR',
  'ENOTDIR',
  'EMFILE',
  'ENFILE',
  'EBUSY',
]);

/**
 * An access error with the permission it lacked and the statement that grants it — the same
 * mapping access verification uses.
 */
export function explainAccess(
  problem: JobError,
  error: unknown,
  connection: Connection,
  project: Project,
): JobError {
  const dest = connection.destination;
  if (problem.kind !== 'access' || problem.code === 'credentials' || dest.type !== 's3')
    return problem;
  const operation = (error as OperationError).operation;
  if (!operation) return problem;
  const permission = missingPermission(operation, error);
  if (!permission) return problem;
  const statement = statementForDestination(permission, dest, project.id, connection.id);
  return {
    ...problem,
    code: permission,
    message: `Missing permission ${permission} (${operation} was refused: ${problem.message})`,
    fix: `Grant ${permission} to ${dest.roleArn ? `the export role ${dest.roleArn}` : `the identity of profile "${dest.profile}"`}${statement ? `: ${JSON.stringify({ ...statement, Sid: undefined })}` : ''}. Then verify access (ferry verify ${connection.name}).`,
  };
}

/**
 * A commit step the destination refused after every try: part of the hour may be visible beside
 * part of an earlier export. The destination's own error says what to fix (a permission, a
 * service error); the rest says what Ferry does about it.
 */
export function commitIncomplete(
  refused: CommitRefused,
  connection: Connection,
  project: Project,
): JobError {
  const cause = explainAccess(classifyError(refused.cause), refused.cause, connection, project);
  const visible =
    refused.total === 1
      ? `its one object is ${refused.visible === 1 ? '' : 'not '}visible`
      : refused.visible === refused.total
        ? `all ${refused.total} of its objects are visible`
        : `${refused.visible} of its ${refused.total} objects ${refused.visible === 1 ? 'is' : 'are'} visible`;
  return {
    kind: cause.kind,
    code: 'commit-incomplete',
    message: `${refused.hour} is only partly committed: ${refused.step} was refused (${cause.message}); ${visible}, and files of an earlier export of the hour may be visible beside them until the commit is finished.`,
    fix: `${cause.fix ? `${cause.fix} ` : ''}Ferry finishes this commit before it exports another hour of this connection, and at its next start; exporting the hour again also replaces it whole.`,
  };
}
