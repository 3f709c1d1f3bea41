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

export const ERROR_KIND_WORDS: Record<NonNullable<Job['error']>['kind'], string> = {
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
};
