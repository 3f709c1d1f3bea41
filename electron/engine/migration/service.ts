import { randomBytes } from 'node:crypto';
import type { RestorePlan } from '../../../shared/aws/restore-plan';
import { FerryError } from '../../../shared/api/errors';
import { exportRoleName } from '../../../shared/aws/policies';
import { connectionIdFrom } from '../../../shared/model/entities';
import {
  MIGRATION_STEPS,
  migrationRefusal,
  stepNumber,
  type Migration,
  type MigrationView,
  type RollbackItem,
} from '../../../shared/model/migration';
import { classifyError } from '../jobs/errors';
import { removeRole, scheduleKeyDeletion } from './aws-checks';
import {
  currentStep,
  isOpen,
  MARKABLE_STEPS,
  markStep,
  newMigration,
  rollbackRefusal,
  stepLabel,
} from './checklist';
import { runbook, runbookFileName } from './runbook';
import { redactSecrets } from '../redact';
import { MigrationSteps } from './steps';
import { oldTarget } from './targets';
import type { MigrationDeps, NextOptions } from './deps';

/**
 * KMS migrations: the checklist of MIGRATION_STEPS, one step per call, each persisted in
 * config.json as soon as it ends, so a restart resumes at the same step; and rollback, from any
 * step until the old connection is deleted, that says what it restored and can be retried.
 */
export class MigrationService {
  /** Migrations with a step or rollback running in this process: one at a time each. */
  private readonly busy = new Set<string>();

  private readonly steps: MigrationSteps;

  constructor(private readonly deps: MigrationDeps) {
    this.steps = new MigrationSteps(deps, (m) => this.save(m));
  }

  list(): MigrationView[] {
    return [...this.deps.log.all()].reverse().map((m) => this.view(m));
  }

  get(ref: string): MigrationView {
    return this.view(this.find(ref));
  }

  /**
   * A connection in an unfinished migration is not deleted, nor given another destination, by
   * hand: the migration's backups and rollback are for the bucket it had.
   */
  refuseChange(connectionId: string, change: 'delete' | 'destination'): void {
    const open = this.deps.log
      .all()
      .find(
        (m) =>
          (m.oldConnectionId === connectionId || m.newConnectionId === connectionId) && isOpen(m),
      );
    if (open)
      throw new FerryError(
        'conflict',
        `"${open.oldConnectionName}" is being moved to KMS (migration ${open.id}), so its ${change === 'delete' ? 'connections can not be deleted' : 'destination can not change'} now; finish the migration (step 10 deletes the old connection) or roll it back first`,
      );
  }

  /** Start moving a connection: the checklist, every step pending. Changes nothing in AWS. */
  async start(input: { connectionId: string; name?: string }): Promise<MigrationView> {
    const old = this.deps.catalog.getConnection(input.connectionId);
    const refused = migrationRefusal(old);
    if (refused) throw new FerryError(refused.code, refused.message, 'connectionId');
    const open = this.deps.log.all().find((m) => m.oldConnectionId === old.id && isOpen(m));
    if (open)
      throw new FerryError(
        'conflict',
        `"${old.name}" is being migrated already (${open.id}, ${open.state === 'rolling-back' ? 'its rollback unfinished' : `at ${stepLabel(currentStep(open)!)}`}); continue or roll that one back`,
        'connectionId',
      );
    const name = input.name ?? `${old.name} (KMS)`.slice(0, 64);
    const taken = this.deps.config.data.connections.find(
      (c) => c.name.toLowerCase() === name.toLowerCase(),
    );
    if (taken)
      throw new FerryError('conflict', `A connection named "${taken.name}" already exists`, 'name');
    const now = this.now();
    const m = newMigration({
      id: `mg_${now.replace(/[-:.TZ]/g, '').slice(0, 14)}_${randomBytes(3).toString('hex')}`,
      old,
      newConnectionId: this.freshConnectionId(),
      newConnectionName: name,
      now,
    });
    await this.deps.log.save(m);
    this.changed(m);
    return this.view(m);
  }

  /**
   * Do the current step (or check one the admin did outside Ferry). A step that fails is
   * recorded with why and can be tried again; nothing after it runs.
   */
  async next(ref: string, options: NextOptions): Promise<MigrationView> {
    const found = this.find(ref);
    if (this.busy.has(found.id))
      throw new FerryError('conflict', `A step of migration ${found.id} is running already`);
    this.busy.add(found.id);
    try {
      const m = structuredClone(found);
      const step = currentStep(m);
      if (!step)
        throw new FerryError(
          'conflict',
          m.state === 'rolling-back'
            ? `Migration ${m.id} is rolling back; retry the rollback`
            : `Migration ${m.id} is ${m.state}; there is no next step`,
        );
      if (options.markDone && !MARKABLE_STEPS.includes(step))
        throw new FerryError(
          'validation',
          `${cap(stepLabel(step))} (${MIGRATION_STEPS[stepNumber(step) - 1]!.title}) is done by Ferry; it can not be marked done by hand`,
          'markDone',
        );
      if (step === 'delete-old' && !options.confirm)
        throw new FerryError(
          'validation',
          `Deleting "${m.oldConnectionName}" ends the migration: after it, rollback is no longer possible. Confirm to go on.`,
          'confirm',
        );
      try {
        const outcome = await this.steps.run(m, step, options);
        markStep(m, step, outcome.status ?? 'done', outcome.text, this.now(), options.markDone);
      } catch (error) {
        markStep(m, step, 'failed', explain(error), this.now(), options.markDone);
        await this.save(m);
        if (error instanceof FerryError && error.code === 'validation' && error.field) throw error;
        return this.view(m);
      }
      await this.save(m);
      return this.view(m);
    } finally {
      this.busy.delete(found.id);
    }
  }

  /**
   * Put everything back as it was before the migration: each part done once, its outcome kept;
   * a part that fails leaves the migration rolling back (retry it), with the backups kept.
   */
  async rollback(ref: string, options: { deleteKey: boolean }): Promise<MigrationView> {
    const found = this.find(ref);
    const refused = rollbackRefusal(found);
    if (refused) throw new FerryError('conflict', refused);
    if (this.busy.has(found.id))
      throw new FerryError('conflict', `A step of migration ${found.id} is running; wait for it`);
    this.busy.add(found.id);
    try {
      const m = structuredClone(found);
      m.state = 'rolling-back';
      await this.save(m);
      const done = new Set(m.rollback.filter((i) => i.status !== 'failed').map((i) => i.id));
      const items: RollbackItem[] = m.rollback.filter((i) => i.status !== 'failed');
      const part = async (
        id: RollbackItem['id'],
        label: string,
        work: () => Promise<string | null>,
      ) => {
        if (done.has(id)) return;
        try {
          const detail = await work();
          items.push({
            id,
            label,
            status: detail === null ? 'skipped' : 'done',
            detail: detail ?? 'Nothing to undo.',
          });
        } catch (error) {
          items.push({ id, label, status: 'failed', detail: explain(error) });
        }
      };
      const as = oldTarget(this.deps.config, m);
      const clients = () => this.deps.aws.setup({ ...as, roleArn: null });

      await part('remove-new', `Remove the new connection "${m.newConnectionName}"`, async () => {
        if (!this.deps.config.data.connections.some((c) => c.id === m.newConnectionId)) return null;
        await this.deps.catalog.deleteConnection(
          m.newConnectionId,
          `Removed by the rollback of KMS migration ${m.id}`,
        );
        return 'Deleted (its job history is archived); its running exports were cancelled.';
      });
      for (const [id, label, backupId] of [
        ['bucket-policy', 'Restore the bucket policy', m.restorePoint?.bucketPolicy],
        ['bucket-encryption', 'Restore the default encryption', m.restorePoint?.bucketEncryption],
      ] as const)
        await part(id, label, async () => {
          if (!backupId) return null;
          return restoreSummary(backupId, await this.deps.setup.restore(backupId, as));
        });
      await part('key-policy', 'Restore the key policy', async () => {
        if (!m.keyArn || m.keyCreated) return null;
        const keyBackup = this.backupsOf(m).find(
          (b) => b.kind === 'key-policy' && b.target === m.keyArn,
        );
        if (!keyBackup) return null;
        return restoreSummary(keyBackup.id, await this.deps.setup.restore(keyBackup.id, as));
      });
      await part('role', `Undo the export role ${exportRoleName(m.projectId)}`, async () => {
        // Created here: said by the flag, or by a trust backup of no role (a kill may have
        // come between creating the role and saving the flag).
        const created =
          m.roleCreated || this.backupsOf(m).some((b) => b.kind === 'role-trust' && !b.existed);
        if (created) {
          await removeRole(await clients(), m.projectId);
          return 'Ferry created it in this migration: deleted.';
        }
        // The first of each kind: as the role was before this migration (a retried step 6
        // backed up what its first try had already changed).
        const before = (['role-trust', 'role-policy'] as const)
          .map((kind) => this.backupsOf(m).find((b) => b.kind === kind))
          .filter((b) => b !== undefined);
        if (before.length === 0) return null;
        for (const b of before) await this.deps.setup.restore(b.id, as);
        return `Trust and permissions put back from backups ${before.map((b) => b.id).join(', ')}.`;
      });
      await part('enable-old', `Enable "${m.oldConnectionName}" again`, async () => {
        const old = this.deps.config.data.connections.find((c) => c.id === m.oldConnectionId);
        if (!old || !m.oldWasEnabled || old.enabled) return null;
        await this.deps.catalog.updateConnection({ id: old.id, enabled: true });
        return 'Enabled: it catches up the hours it missed.';
      });
      await part('delete-key', 'Schedule deletion of the key step 2 created', async () => {
        if (!options.deleteKey || !m.keyCreated || !m.keyArn) return null;
        const on = await scheduleKeyDeletion(await clients(), m.keyArn);
        return `Scheduled for deletion on ${on} (cancel it in the KMS console until then).`;
      });

      m.rollback = items;
      const failed = items.filter((i) => i.status === 'failed');
      m.state = failed.length ? 'rolling-back' : 'rolled-back';
      m.updatedAt = this.now();
      if (!failed.length) m.finishedAt = m.updatedAt;
      await this.save(m);
      return this.view(m);
    } finally {
      this.busy.delete(found.id);
    }
  }

  /** The migration as a Markdown runbook, with every backup's document. */
  async runbook(ref: string): Promise<{ fileName: string; markdown: string }> {
    const view = this.get(ref);
    const documents = new Map<string, string | null>();
    for (const b of view.backups) {
      try {
        documents.set(b.id, (await this.deps.setup.backupDocument(b.id)).document);
      } catch {
        // Left out: the runbook says the file could not be read.
      }
    }
    return { fileName: runbookFileName(view), markdown: runbook(view, documents, this.now()) };
  }

  // -- the steps -----------------------------------------------------------------------------------

  // -- views and lookups ---------------------------------------------------------------------------

  private view(m: Migration): MigrationView {
    const backups = this.backupsOf(m);
    let gap: MigrationView['gap'] = null;
    if (
      m.state === 'in-progress' &&
      this.deps.config.data.connections.some((c) => c.id === m.newConnectionId)
    )
      gap = this.deps.scheduler.gap(m.newConnectionId);
    return {
      ...m,
      current: currentStep(m),
      canRollback: rollbackRefusal(m) === null,
      rollbackRefused: rollbackRefusal(m),
      backups,
      gap,
    };
  }

  private backupsOf(m: Migration) {
    const ids = new Set(m.backupIds);
    return this.deps.backups.entries().filter((b) => ids.has(b.id));
  }

  /** A migration by its id, or by its old or new connection (id or name): the newest one. */
  private find(ref: string): Migration {
    const key = ref.trim();
    const all = this.deps.log.all();
    const byId = all.find((m) => m.id === key);
    if (byId) return byId;
    const lower = key.toLowerCase();
    const matches = all.filter(
      (m) =>
        m.oldConnectionId === key ||
        m.newConnectionId === key ||
        m.oldConnectionName.toLowerCase() === lower ||
        m.newConnectionName.toLowerCase() === lower,
    );
    const found = matches.at(-1);
    if (!found)
      throw new FerryError(
        'not_found',
        `There is no migration of "${key}" (give the migration's ID, mg_…, or its connection)`,
        'id',
      );
    return found;
  }

  private freshConnectionId(): string {
    const data = this.deps.config.data;
    const used = new Set([
      ...data.connections.map((c) => c.id),
      ...data.archived.map((c) => c.id),
      ...this.deps.log.all().map((m) => m.newConnectionId),
    ]);
    for (;;) {
      const id = connectionIdFrom(randomBytes(8));
      if (!used.has(id)) return id;
    }
  }

  private async save(m: Migration): Promise<void> {
    await this.deps.log.save(m);
    this.changed(m);
  }

  private changed(m: Migration): void {
    this.deps.emit({ type: 'entity.changed', entity: 'migration', id: m.id, change: 'updated' });
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}

/** An error as a sentence for the checklist: AWS's answers mapped to their fix. */
function explain(error: unknown): string {
  if (error instanceof FerryError) return redactSecrets(error.message);
  const problem = classifyError(error);
  // An export retries by itself; a migration step waits for the admin to run it again.
  const fix =
    problem.kind === 'transient'
      ? 'Usually temporary (network, throttling, a service hiccup): run the step again.'
      : problem.fix;
  return `${problem.message}${fix ? ` ${fix}` : ''}`;
}

function cap(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * What a rollback's restore did, in words: put back, or removed when there was none — and the
 * statements added since by others (a colleague, another connection) that it kept.
 */
export function restoreSummary(
  backupId: string,
  outcome: { restored: { existed: boolean }; plan: RestorePlan; changed: boolean },
): string {
  const { plan } = outcome;
  const done = !outcome.changed
    ? `As backed up already (backup ${backupId}): nothing to change.`
    : plan.document === null
      ? `There was none before: removed (backup ${backupId}).`
      : outcome.restored.existed
        ? `Put back from backup ${backupId}.`
        : `There was none before: Ferry's statements removed (backup ${backupId}).`;
  const kept = plan.kept.length
    ? ` Kept what was added since by others: ${plan.kept.map((n) => `${n.label} (${n.why.replace(/: kept$/, '')})`).join('; ')}.`
    : '';
  return done + kept;
}
