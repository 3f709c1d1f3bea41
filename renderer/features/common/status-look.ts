import type { StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import type { AuditOutcome } from '../../../shared/model/audit';
import type { Probe } from '../../../shared/model/aws';
import type { JobStatus } from '../../../shared/model/jobs';
import type { MigrationCheck, MigrationStep, RollbackItem } from '../../../shared/model/migration';
import type { BackfillHour, ConnectionState } from '../../../shared/model/schedule';

/*
 * How each status the engine reports looks in the console: one map per kind, so a status has
 * one icon everywhere (tables, detail panels, wizards) and a new status fails to compile until
 * it is given one.
 */
type Look = StatusIndicatorProps.Type;

export const JOB_LOOK: Record<JobStatus, Look> = {
  queued: 'pending',
  running: 'in-progress',
  succeeded: 'success',
  failed: 'error',
  cancelled: 'stopped',
};

export const BACKFILL_HOUR_LOOK: Record<BackfillHour['status'], Look> = {
  waiting: 'pending',
  queued: 'pending',
  running: 'in-progress',
  succeeded: 'success',
  failed: 'error',
  cancelled: 'stopped',
};

export const CONNECTION_LOOK: Record<ConnectionState, Look> = {
  healthy: 'success',
  'catching-up': 'in-progress',
  'not-verified': 'warning',
  failing: 'error',
  disabled: 'stopped',
};

/** An access check (`aws.verify`): a skipped probe is one an earlier failure made moot. */
export const PROBE_LOOK: Record<Probe['status'], Look> = {
  passed: 'success',
  failed: 'error',
  warning: 'warning',
  skipped: 'stopped',
};

export const MIGRATION_STEP_LOOK: Record<MigrationStep['status'], Look> = {
  done: 'success',
  failed: 'error',
  waiting: 'in-progress',
  pending: 'pending',
};

/** A prerequisite check of a migration: unknown is one Ferry can not answer without a change. */
export const MIGRATION_CHECK_LOOK: Record<MigrationCheck['status'], Look> = {
  passed: 'success',
  failed: 'error',
  unknown: 'warning',
};

export const ROLLBACK_LOOK: Record<RollbackItem['status'], Look> = {
  done: 'success',
  failed: 'error',
  skipped: 'stopped',
};

/** How an audit log entry ended: done, refused for the person's role, or failed. */
export const AUDIT_LOOK: Record<AuditOutcome, Look> = {
  ok: 'success',
  refused: 'stopped',
  failed: 'error',
};
