import type { Connection } from '../../../shared/model/entities';
import type { ConnectionStatus } from '../../../shared/model/schedule';
import type { AlertState } from '../store/schema';
import type { Plan } from './plan';

/**
 * How a connection is doing, from what the schedule owes it (`plan`), what is queued and
 * running for it now, and the alert a failure left. Pure: the console's status column, `ferry
 * status` and the push stream all read it from here.
 */
export function connectionStatus(
  connection: Connection,
  plan: Plan,
  flights: { queued: number; running: number },
  alert: AlertState | undefined,
): ConnectionStatus {
  const failed = plan.failedHours[0];
  const base = {
    connectionId: connection.id,
    stopped: alert?.stopped ?? false,
    lastExportedHour: plan.lastExportedHour,
    pendingHours: plan.pendingHours,
    queued: flights.queued,
    running: flights.running,
    gap: plan.gap,
    nextHour: connection.enabled ? plan.nextHour : null,
    nextRunAt: connection.enabled ? new Date(plan.nextAt).toISOString() : null,
  };
  if (!connection.enabled) return { ...base, state: 'disabled', reason: null, fix: null };
  if (alert || failed) {
    const error = alert?.error ?? null;
    const hour = alert?.hour ?? failed?.hour ?? '';
    const dataset = alert?.dataset ?? failed?.dataset;
    return {
      ...base,
      state: 'failing',
      reason: `${hour.replace('T', ' ')}:00 UTC${dataset ? ` (${dataset})` : ''} failed: ${error?.message ?? 'see the job'}${alert?.stopped ? ' Exports are stopped until this is fixed and retried.' : ''}`,
      fix: error?.fix ?? null,
    };
  }
  if (plan.pendingHours > 1)
    return {
      ...base,
      state: 'catching-up',
      reason: `${plan.pendingHours} hours to export`,
      fix: null,
    };
  return { ...base, state: 'healthy', reason: null, fix: null };
}
