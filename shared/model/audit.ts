/**
 * Team mode's audit log: one line for every call that would change something (who, what, on
 * which record, when, and how it ended), written by `ferry serve` before it answers.
 */
import { z } from 'zod';

/**
 * How a call ended: done, refused for the person's role, or failed with the error's code
 * (`validation`, `upstream`, …).
 */
export const AUDIT_OUTCOMES = ['ok', 'refused', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** An entry's outcome from its stored result (`ok`, `refused` or an error code). */
export const auditOutcome = (result: string): AuditOutcome =>
  result === 'ok' ? 'ok' : result === 'refused' ? 'refused' : 'failed';

export const auditEntry = z.object({
  /** The entry's place in the log (newer entries have larger numbers). */
  seq: z.number().int(),
  at: z.string(),
  /** The token's name (a person), or "the serve token". */
  who: z.string(),
  /** The API method called, e.g. `connections.update`. */
  method: z.string(),
  /** The record it named (a connection, job, backup … id), if any. */
  target: z.string().nullable(),
  /** `ok`, `refused`, or the error's code. */
  result: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntry>;

export const auditQuery = z
  .object({
    who: z.string().trim().min(1).max(64).optional(),
    outcome: z.enum(AUDIT_OUTCOMES).optional(),
    /** Entries older than this one (the `next` of the page before). */
    before: z.number().int().positive().optional(),
    limit: z.number().int().positive().max(100).default(50),
  })
  .optional();
export type AuditQuery = NonNullable<z.input<typeof auditQuery>>;

export const auditPage = z.object({
  /** Newest first. */
  entries: z.array(auditEntry),
  /** Pass as `before` for the next (older) page; null at the oldest entry. */
  next: z.number().int().nullable(),
  /** Everyone who has (or had) a token, for the filter. */
  people: z.array(z.string()),
});
export type AuditPage = z.infer<typeof auditPage>;

/** What each changing call does, as the log shows it ("Retry a job"). */
export const AUDIT_ACTION_WORDS: Readonly<Record<string, string>> = {
  'orgs.create': 'Create an organization',
  'orgs.update': 'Change an organization',
  'orgs.delete': 'Delete an organization',
  'projects.create': 'Add a project',
  'projects.update': 'Change a project',
  'projects.delete': 'Delete a project',
  'connections.create': 'Create a connection',
  'connections.update': 'Change a connection',
  'connections.delete': 'Delete a connection',
  'connections.takeOver': 'Take over a connection’s destination',
  'jobs.exportHour': 'Export an hour now',
  'jobs.cancel': 'Cancel jobs',
  'jobs.retry': 'Retry a job',
  'jobs.retryFailed': 'Retry failed jobs',
  'schedule.resume': 'Resume a connection’s schedule',
  'backfills.start': 'Start a backfill',
  'backfills.cancel': 'Cancel a backfill',
  'settings.update': 'Change settings',
  'aws.apply': 'Apply AWS policies',
  'aws.unapply': 'Remove AWS policies',
  'aws.createKey': 'Create a KMS key',
  'query.apply': 'Create or update a Glue query table',
  'query.remove': 'Remove a Glue query table',
  'backups.restore': 'Restore a policy backup',
  'migrations.start': 'Start a KMS migration',
  'migrations.next': 'Do a KMS migration step',
  'migrations.rollback': 'Roll back a KMS migration',
};

/** "Retry a job"; a method this version has no words for keeps its name. */
export const auditActionWords = (method: string): string => AUDIT_ACTION_WORDS[method] ?? method;

/**
 * Where the console shows the record an entry names, or null: a connection's page, a job's
 * details, a backup, an organization (none for a record the call deleted or did not find). Ids
 * are matched by their shape, never trusted as paths.
 */
export function auditTargetHref({
  method,
  target,
  result,
}: Pick<AuditEntry, 'method' | 'target' | 'result'>): string | null {
  if (target === null || result === 'not_found') return null;
  // A create that did not happen made nothing to show.
  if (method.endsWith('.create') && result !== 'ok') return null;
  const group = method.slice(0, method.indexOf('.'));
  const id = encodeURIComponent(target);
  if (/^cn_[A-Za-z0-9_-]+$/.test(target) && method !== 'connections.delete')
    return `#/connections/${id}`;
  if (group === 'jobs' && /^j_[0-9a-z]+_[0-9a-f]+$/.test(target)) return `#/jobs?job=${id}`;
  if (group === 'backups' && /^bk_[0-9]+_[0-9a-f]+$/.test(target)) return `#/backups?id=${id}`;
  if (group === 'orgs' && /^\d+$/.test(target) && method !== 'orgs.delete')
    return `#/organizations/${id}`;
  if (group === 'projects' && /^\d+$/.test(target) && method !== 'projects.delete')
    return `#/projects/${id}/edit`;
  return null;
}

/** Why a call failed, from its error code ("Failed: not found"). */
const FAILURE_WORDS: Readonly<Record<string, string>> = {
  validation: 'invalid input',
  not_found: 'not found',
  conflict: 'conflict',
  locked: 'busy elsewhere',
  unauthorized: 'not signed in',
  forbidden: 'access refused',
  unknown_method: 'unknown action',
  upstream: 'AWS or the source refused',
  unavailable: 'Ferry out of reach',
  internal: 'Ferry error',
};

/** An entry's outcome in words: "Done", "Refused (role)", "Failed: not found". */
/** An outcome in words (a filter's choice). */
export const AUDIT_OUTCOME_WORDS: Readonly<Record<AuditOutcome, string>> = {
  ok: 'Done',
  refused: 'Refused (role)',
  failed: 'Failed',
};

export function auditOutcomeWords(result: string): string {
  const ended = auditOutcome(result);
  if (ended !== 'failed') return AUDIT_OUTCOME_WORDS[ended];
  return `${AUDIT_OUTCOME_WORDS.failed}: ${FAILURE_WORDS[result] ?? result}`;
}
