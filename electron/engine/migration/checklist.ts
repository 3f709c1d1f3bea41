/**
 * The migration checklist as pure functions: which step is next, what marking one does, when
 * rollback is refused, and the hour the new connection takes over from. The service
 * (service.ts) does the AWS and store work around them; tests call these directly.
 */
import { utcTime } from '../../../shared/format';
import type { Connection } from '../../../shared/model/entities';
import { hourIndex, hourString } from '../../../shared/model/export-format';
import {
  MIGRATION_STEP_IDS,
  stepNumber,
  type Migration,
  type MigrationStep,
  type MigrationStepId,
} from '../../../shared/model/migration';
import type { HourRecords } from '../store/hour-records';

/** A migration at its start: every step pending. */
export function newMigration(fields: {
  id: string;
  old: Connection;
  newConnectionId: string;
  newConnectionName: string;
  now: string;
}): Migration {
  const { old } = fields;
  if (old.destination.type !== 's3') throw new Error('only S3 connections migrate');
  return {
    id: fields.id,
    oldConnectionId: old.id,
    oldConnectionName: old.name,
    newConnectionId: fields.newConnectionId,
    newConnectionName: fields.newConnectionName,
    projectId: old.projectId,
    bucket: old.destination.bucket,
    prefix: old.destination.prefix,
    state: 'in-progress',
    steps: MIGRATION_STEP_IDS.map((id) => ({
      id,
      status: 'pending',
      outcome: null,
      markedByAdmin: false,
      at: null,
    })),
    keyArn: null,
    keyCreated: false,
    keyRequested: false,
    backupIds: [],
    restorePoint: null,
    roleCreated: false,
    oldWasEnabled: old.enabled,
    oldDisabledAt: null,
    takeOverFrom: null,
    checks: [],
    documents: [],
    verify: null,
    objects: [],
    rollback: [],
    createdAt: fields.now,
    updatedAt: fields.now,
    finishedAt: null,
  };
}

/** The step to do next: the first one not done (null once finished or rolled back). */
export function currentStep(m: Migration): MigrationStepId | null {
  if (m.state !== 'in-progress') return null;
  return m.steps.find((s) => s.status !== 'done')?.id ?? null;
}

export function stepOf(m: Migration, id: MigrationStepId): MigrationStep {
  return m.steps.find((s) => s.id === id)!;
}

/** Record how a step went (in place). Step 10 done finishes the migration. */
export function markStep(
  m: Migration,
  id: MigrationStepId,
  status: MigrationStep['status'],
  outcome: string,
  now: string,
  markedByAdmin = false,
): void {
  const step = stepOf(m, id);
  Object.assign(step, { status, outcome, at: now, markedByAdmin });
  m.updatedAt = now;
  if (id === 'delete-old' && status === 'done') {
    m.state = 'finished';
    m.finishedAt = now;
  }
}

/** Not finished nor rolled back: its connections are the migration's to change. */
export function isOpen(m: Migration): boolean {
  return m.state === 'in-progress' || m.state === 'rolling-back';
}

/** Why rollback is refused now, or null when it may run. */
export function rollbackRefusal(m: Migration): string | null {
  if (m.state === 'finished')
    return `Step 10 deleted the old connection "${m.oldConnectionName}" on ${m.finishedAt ? utcTime(m.finishedAt) : 'its last step'}, so this migration can no longer be rolled back. Its backups are kept: restore one on the Policy backups page (or with ferry backups restore <id>) if you must.`;
  if (m.state === 'rolled-back') return 'This migration was rolled back already.';
  return null;
}

/** Steps an admin may do outside Ferry and mark done (Ferry checks them before moving on). */
export const MARKABLE_STEPS: readonly MigrationStepId[] = [
  'prerequisites',
  'apply-policies',
  'encryption',
];

/**
 * The first hour the new connection must export: the oldest hour, from the old connection's
 * catch-up window up to its newest exported hour, that it did not export — or the hour after its
 * newest exported one. Hours before the old connection's window that it never exported were a
 * gap it already showed; they stay its own.
 */
export function takeOverHour(
  old: Connection,
  records: HourRecords,
  latestDueIndex: number,
  disabledAtHour: string,
): string {
  const exported = (h: number) =>
    old.datasets.every((d) => records.get(d, hourString(h))?.succeeded);
  let newest: number | null = null;
  for (const record of records.all()) {
    const h = hourIndex(record.latest.hour);
    if (record.succeeded && exported(h)) {
      newest = h;
      break;
    }
  }
  if (newest === null)
    return old.scheduleFrom && old.scheduleFrom < disabledAtHour
      ? old.scheduleFrom
      : disabledAtHour;
  const windowStart = Math.max(
    old.scheduleFrom ? hourIndex(old.scheduleFrom) : newest,
    latestDueIndex - old.schedule.lookbackHours + 1,
  );
  for (let h = windowStart; h < newest; h++) if (!exported(h)) return hourString(h);
  return hourString(newest + 1);
}

/** "step 3 of 10 (Disable the old connection)" */
export function stepLabel(id: MigrationStepId): string {
  return `step ${stepNumber(id)} of ${MIGRATION_STEP_IDS.length}`;
}
