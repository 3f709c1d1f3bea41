/**
 * The words for states, once: the console's filters, tables and detail views and the CLI's text
 * all say a job's or a connection's state with these (JSON keeps the codes).
 */
import type { Backup } from './settings';
import type { Job, JobStatus } from './jobs';
import type { Dataset } from './fields';
import type { ConnectionState } from './schedule';

export const JOB_STATUS_WORDS: Record<JobStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

type ErrorKind = NonNullable<Job['error']>['kind'];

export const ERROR_KIND_WORDS: Record<ErrorKind, string> = {
  access: 'access refused',
  transient: 'temporary error',
  source: 'source error',
  config: 'configuration problem',
};

/** A job's state as a person reads it: "Waiting to retry (access refused)", "Failed (…)". */
export function jobStatusWords(job: Pick<Job, 'status' | 'error'>): string {
  if (job.status === 'queued' && job.error)
    return `Waiting to retry (${ERROR_KIND_WORDS[job.error.kind]})`;
  if (job.status === 'failed' && job.error) return `Failed (${ERROR_KIND_WORDS[job.error.kind]})`;
  return JOB_STATUS_WORDS[job.status];
}

/** AWS's and Ferry's error codes a job may carry, in words; the code itself stays beside them. */
const ERROR_CODE_WORDS: Record<string, string> = {
  NoSuchBucket: 'the bucket does not exist',
  NoSuchKey: 'the object does not exist',
  AccessDenied: 'access denied',
  AllAccessDisabled: 'all access to the bucket is disabled',
  InvalidAccessKeyId: 'the access key is not known to AWS',
  SignatureDoesNotMatch: 'the secret key does not match the access key',
  ExpiredToken: 'the credentials have expired',
  ExpiredTokenException: 'the credentials have expired',
  InvalidToken: 'the session token is not valid',
  PermanentRedirect: 'the bucket is in another region',
  AuthorizationHeaderMalformed: 'the bucket is in another region',
  KMSDisabledException: 'the KMS key is disabled',
  KMSInvalidStateException: 'the KMS key can not be used now',
  NotFoundException: 'the KMS key does not exist',
  SlowDown: 'AWS asked Ferry to slow down',
  RequestTimeout: 'the request timed out',
  ENOSPC: 'the disk is full',
  EROFS: 'the disk is read-only',
  credentials: 'no AWS credentials',
  'unreadable-answer': 'an answer that is not from AWS',
  'other-hours-answer': 'an answer with events of other hours only',
  'destination-claimed': 'another connection writes there',
  'invalid-setting': 'a setting Ferry can not use',
  'hour-not-ended': "the hour has not ended by this computer's clock",
  // The events' source (Amplitude's Export API, a folder of files).
  endpoint: "a problem with the project's Amplitude endpoint",
  corrupt: 'a damaged download',
  'not-a-zip': 'an answer that is not a zip of events (a proxy or sign-in page?)',
  'not-events': 'a zip with no event files',
  'wrong-project': "the events are another project's (keys or folder)",
  'too-large': "the hour is over the Export API's 4 GB limit",
  'line-too-long': 'a line too long to read',
  'source-damaged': 'a damaged source file',
  'source-missing': 'a source file went away',
  'source-being-written': 'a source file still being written',
  'source-unreadable': 'a source file or folder Ferry may not read',
  'source-empty': 'a source folder with no event files (a disk not mounted?)',
  'source-not-events': 'a source file with no event Ferry can read',
  'source-mixed-projects': 'a source file with events of several projects',
  'folder-missing': 'the destination folder is not there (a disk not mounted?)',
  network: 'the server did not answer',
};

/** Where a code means something else for one kind of error: a source's keys are Amplitude's. */
const KIND_CODE_WORDS: Partial<Record<ErrorKind, Record<string, string>>> = {
  source: {
    credentials: "the project's Amplitude keys are missing or refused",
    'unreadable-answer': 'an answer with no readable line',
  },
};

/**
 * A job error's code for a heading: "The bucket does not exist (NoSuchBucket)"; a permission
 * ("s3:PutObject") or an unknown code is shown as it is.
 */
export function errorCodeWords(code: string, kind?: ErrorKind): string {
  const words = (kind && KIND_CODE_WORDS[kind]?.[code]) ?? ERROR_CODE_WORDS[code];
  return words ? `${words} (${code})` : code;
}

export const CONNECTION_STATE_WORDS: Record<ConnectionState, string> = {
  healthy: 'Healthy',
  'catching-up': 'Catching up',
  'not-verified': 'Not verified',
  failing: 'Failing',
  disabled: 'Disabled',
};

export const DATASET_WORDS: Record<Dataset, string> = {
  events: 'Events',
  'merged-ids': 'Merged Amplitude IDs',
};

/** What a backup is of, in the words of the AWS console. */
export const BACKUP_KIND_WORDS: Record<Backup['kind'], string> = {
  'bucket-policy': 'Bucket policy',
  'bucket-encryption': 'Default encryption',
  'key-policy': 'Key policy',
  'role-trust': 'Role trust policy',
  'role-policy': 'Role permissions policy',
  'glue-table': 'Glue table',
};
