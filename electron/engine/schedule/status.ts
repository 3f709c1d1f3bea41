import { utcTime } from '../../../shared/format';
import type { Connection } from '../../../shared/model/entities';
import type { Dataset } from '../../../shared/model/fields';
import type { ConnectionStatus } from '../../../shared/model/schedule';
import type { JobError } from '../jobs/errors';
import type { AccessCheck, AlertState } from '../store/schema';
import type { Plan } from './plan';

/**
 * How a connection is doing, from what the schedule owes it (`plan`), what is queued and
 * running for it now, the alert a failure left, and the hours retrying after a failed try.
 * Pure: the console's status column, `ferry status`, the tray and the push stream all read it
 * from here. An hour retrying after AWS refused it is failing at once — not only after its
 * last try — since another try can not succeed until someone grants the permission.
 */
export function connectionStatus(
  connection: Connection,
  plan: Plan,
  flights: { queued: number; running: number },
  alert: AlertState | undefined,
  retrying: { hour: string; dataset: Dataset; error: JobError; attempts: number }[] = [],
  /** The error of a failed hour, when known (the index keeps only its kind). */
  errorOf: (dataset: Dataset, hour: string) => JobError | undefined = () => undefined,
  /**
   * Hours whose commit did not finish (part may be visible beside an earlier export), with the
   * error that stopped it when known: failing until the commit is finished.
   */
  incomplete: { hour: string; error: JobError | undefined }[] = [],
  /** Its last access check, if any (a connection enabled without a passing one is not verified). */
  access: AccessCheck | undefined = undefined,
): ConnectionStatus {
  // Any failed hour counts, whatever started it: the schedule, a backfill, a manual export.
  const failed = plan.failedHours[0] ?? plan.newestFailure ?? undefined;
  const base = {
    connectionId: connection.id,
    stopped: alert?.stopped ?? false,
    lastExportedHour: plan.lastExportedHour,
    pendingHours: plan.pendingHours,
    queued: flights.queued,
    // A run waiting out its pause before the next try holds its hour but no slot: not running.
    running: Math.max(0, flights.running - retrying.length),
    retrying: retrying.length,
    gap: plan.gap,
    nextHour: connection.enabled ? plan.nextHour : null,
    nextRunAt: connection.enabled ? new Date(plan.nextAt).toISOString() : null,
  };
  if (!connection.enabled)
    return { ...base, state: 'disabled', reason: null, fix: null, cause: null };
  const half = incomplete[0];
  if (half)
    return {
      ...base,
      state: 'failing',
      reason:
        half.error?.code === 'commit-incomplete'
          ? half.error.message
          : `${half.hour} is only partly committed: Ferry stopped, or was refused, while making it visible, and files of an earlier export of the hour may be visible beside the new ones.`,
      fix:
        half.error?.fix ??
        'Ferry finishes the commit before it exports another hour of this connection, and at its next start; exporting the hour again also replaces it whole.',
      cause: 'commit-incomplete',
    };
  if (alert || failed) {
    const error =
      alert?.error ?? (failed ? errorOf(failed.dataset, failed.hour) : undefined) ?? null;
    const hour = alert?.hour ?? failed?.hour ?? '';
    const dataset = alert?.dataset ?? failed?.dataset;
    return {
      ...base,
      state: 'failing',
      reason: `${hour.replace('T', ' ')}:00 UTC${dataset ? ` (${dataset})` : ''} failed${error ? `: ${error.message}` : `${failed?.entry.errorKind ? ` (${failed.entry.errorKind} error)` : ''}: its job says why`}${alert?.stopped ? ' Exports are stopped until this is fixed and retried.' : ''}`,
      fix:
        error?.fix ??
        'Open the failed job for the cause and its fix; "Retry failed" exports the hour again once it is fixed.',
      cause: error?.code ?? null,
    };
  }
  const refused = retrying.find((r) => r.error.kind === 'access');
  if (refused)
    return {
      ...base,
      state: 'failing',
      reason: `${refused.hour.replace('T', ' ')}:00 UTC (${refused.dataset}) is being retried after AWS refused it (try ${refused.attempts} of ${connection.schedule.accessTries}): ${refused.error.message}`,
      fix: refused.error.fix,
      cause: refused.error.code,
    };
  const unverified = notVerified(connection, plan, access);
  if (unverified) return { ...base, state: 'not-verified', ...unverified };
  if (plan.pendingHours > 1)
    return {
      ...base,
      state: 'catching-up',
      reason: `${plan.pendingHours} hours to export`,
      fix: null,
      cause: null,
    };
  return { ...base, state: 'healthy', reason: null, fix: null, cause: null };
}

/**
 * Why an enabled S3 connection is not verified yet — its access was never checked, or the last
 * check failed — or null. Until an hour is exported or a check passes, "Healthy" would be a
 * promise nothing has kept.
 */
function notVerified(
  connection: Connection,
  plan: Plan,
  access: AccessCheck | undefined,
): { reason: string; fix: string; cause: string } | null {
  const dest = connection.destination;
  if (dest.type !== 's3' || access?.ok || plan.lastExportedHour !== null) return null;
  const where = `s3://${dest.bucket}/${dest.prefix}`;
  const verify = `Verify access ("Verify access" on the connection's page, or ferry verify ${connection.name})`;
  if (!access)
    return {
      reason: `Access to ${where} was never checked, and no hour has been exported yet.`,
      fix: `${verify}; it shows Healthy once a check passes or an hour is exported.`,
      cause: 'not-verified',
    };
  const failed = access.failed
    .map((f) => (f.missingPermission ? `${f.title} (${f.missingPermission})` : f.title))
    .join('; ');
  return {
    reason: `The access check of ${utcTime(access.checkedAt)} failed${failed ? `: ${failed}` : ''}, and no hour has been exported yet.`,
    fix: `Grant what the check names, then ${verify.charAt(0).toLowerCase()}${verify.slice(1)}.`,
    cause: 'not-verified',
  };
}
