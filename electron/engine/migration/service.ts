import { randomBytes } from 'node:crypto';
import type { RestorePlan } from '../../../shared/aws/restore-plan';
import { FerryError } from '../../../shared/api/errors';
import type { PushEvent } from '../../../shared/api/events';
import { exportRoleArn, exportRoleName } from '../../../shared/aws/policies';
import { setupTarget, setupTargetFor, type SetupTargetInput } from '../../../shared/model/aws';
import { connectionIdFrom, type Job, type S3Destination } from '../../../shared/model/entities';
import type { Dataset } from '../../../shared/model/fields';
import { HOUR_MS, lastEndedHour } from '../../../shared/model/hours';
import {
  MIGRATION_STEPS,
  stepNumber,
  type Migration,
  type MigrationStepId,
  type MigrationView,
  type RollbackItem,
} from '../../../shared/model/migration';
import type { AwsClients } from '../aws/clients';
import type { AwsSetup, SetupTarget } from '../aws/setup';
import type { Catalog } from '../catalog';
import type { Clock } from '../time/clock';
import { classifyError } from '../jobs/errors';
import type { ExportService } from '../jobs/export-service';
import { settleMs } from '../schedule/plan';
import type { Scheduler } from '../schedule/scheduler';
import type { Timers } from '../time/timers';
import type { ConfigPort } from '../store/ports';
import type { JobHistoryPort, MigrationLogPort } from '../store/ports';
import {
  checkKey,
  findKeyByDescription,
  migrationKeyDescription,
  prerequisites,
  readBack,
  removeRole,
  sameKey,
  scheduleKeyDeletion,
} from './aws-checks';
import {
  currentStep,
  isOpen,
  MARKABLE_STEPS,
  markStep,
  newMigration,
  rollbackRefusal,
  stepLabel,
  takeOverHour,
} from './checklist';
import { runbook, runbookFileName } from './runbook';
import { redactSecrets } from '../redact';

export interface MigrationDeps {
  config: ConfigPort;
  catalog: Catalog;
  setup: AwsSetup;
  aws: AwsClients;
  scheduler: Scheduler;
  exports: ExportService;
  jobs: JobHistoryPort;
  log: MigrationLogPort;
  clock: Clock;
  timers: Timers;
  emit(event: PushEvent): void;
}

export interface NextOptions {
  keyArn?: string;
  markDone: boolean;
  confirm: boolean;
}

/** How long step 3 lets the old connection's running exports finish before cancelling them. */
const OLD_RUNS_GRACE_MS = 10 * 60_000;

/** What a step did, in a sentence; `waiting` when it must be checked again later. */
type StepOutcome = { text: string; status?: 'done' | 'waiting' };

/**
 * KMS migrations: the checklist of MIGRATION_STEPS, one step per call, each persisted in
 * config.json as soon as it ends, so a restart resumes at the same step; and rollback, from any
 * step until the old connection is deleted, that says what it restored and can be retried.
 */
export class MigrationService {
  /** Migrations with a step or rollback running in this process: one at a time each. */
  private readonly busy = new Set<string>();

  constructor(private readonly deps: MigrationDeps) {}

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
    const dest = old.destination;
    if (dest.type !== 's3')
      throw new FerryError(
        'validation',
        `"${old.name}" exports to a folder; only S3 connections move to KMS and a role`,
        'connectionId',
      );
    if (dest.roleArn && dest.kmsKeyArn)
      throw new FerryError(
        'validation',
        `"${old.name}" already exports as a role with a KMS key; there is nothing to migrate`,
        'connectionId',
      );
    if (old.replaces)
      throw new FerryError(
        'conflict',
        `"${old.name}" is the new connection of a migration that is not finished; finish or roll it back first`,
        'connectionId',
      );
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
        const outcome = await this.run(m, step, options);
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
      const as = this.oldTarget(m);
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

  /** Run one step; its text says what it did (status: waiting when it must be checked again). */
  private run(m: Migration, step: MigrationStepId, options: NextOptions): Promise<StepOutcome> {
    const steps: Record<MigrationStepId, () => Promise<StepOutcome>> = {
      prerequisites: () => this.checkPrerequisites(m, options),
      key: () => this.chooseKey(m, options),
      'disable-old': () => this.disableOld(m),
      'new-connection': () => this.planNewConnection(m),
      backup: () => this.backupBucket(m),
      'apply-policies': () => this.applyPolicies(m, options),
      encryption: () => this.setEncryption(m, options),
      'verify-create': () => this.verifyAndCreate(m),
      'first-export': () => this.firstExport(m),
      'delete-old': () => this.deleteOld(m),
    };
    return steps[step]();
  }

  /**
   * Step 1: read-only checks as the old connection's profile; failed ones stop the step unless
   * the admin marks it done.
   */
  private async checkPrerequisites(m: Migration, options: NextOptions): Promise<StepOutcome> {
    const as = this.oldTarget(m);
    const identity = await this.deps.setup.identity(as);
    const clients = await this.deps.aws.setup({ ...as, roleArn: null });
    m.checks = await prerequisites(clients, m, identity.arn);
    const failed = m.checks.filter((c) => c.status === 'failed');
    if (failed.length && !options.markDone)
      throw new Error(
        `${failed.length} of ${m.checks.length} checks failed: ${failed.map((c) => c.detail).join(' ')}`,
      );
    const unknown = m.checks.filter((c) => c.status === 'unknown').length;
    return {
      text: `${m.checks.length - failed.length - unknown} checks passed as ${identity.arn}${unknown ? `; ${unknown} could not be answered without changing something (said below)` : ''}${failed.length ? `; ${failed.length} failed and were marked done by the admin` : ''}.`,
    };
  }

  /** Step 2: the admin's key, or a new one — created once, even when an answer was lost. */
  private async chooseKey(m: Migration, options: NextOptions): Promise<StepOutcome> {
    const as = this.oldTarget(m);
    const clients = await this.deps.aws.setup({ ...as, roleArn: null });
    if (options.keyArn) {
      m.keyArn = await checkKey(clients, options.keyArn, as.region);
      m.keyCreated = false;
      return { text: `Using the existing key ${m.keyArn}.` };
    }
    if (m.keyArn && m.keyCreated) return { text: `Created key ${m.keyArn}.` };
    const description = migrationKeyDescription(m.projectId, m.id);
    if (m.keyRequested) {
      const found = await findKeyByDescription(clients, description);
      if (found) {
        m.keyArn = found;
        m.keyCreated = true;
        return {
          text: `Created key ${found} (found again after an earlier try lost the answer).`,
        };
      }
    }
    m.keyRequested = true;
    await this.save(m);
    const keyArn = await this.deps.setup.createKey(
      { ...this.oldTarget(m), kmsKeyArn: null },
      'legacy',
      description,
    );
    // Kept at once: a later failure in this step must not forget the key exists.
    m.keyArn = keyArn;
    m.keyCreated = true;
    await this.save(m);
    return { text: `Created key ${keyArn} in ${as.region}.` };
  }

  /** Step 4: the new connection's documents, generated (nothing applied yet). */
  private async planNewConnection(m: Migration): Promise<StepOutcome> {
    const target = await this.newTarget(m);
    const { proposals } = await this.deps.setup.plan(target, 'role');
    m.documents = proposals;
    return {
      text: `"${m.newConnectionName}" (${m.newConnectionId}) will export as ${exportRoleName(m.projectId)} with SSE-KMS; ${proposals.length} documents generated.`,
    };
  }

  /** Step 5: the restore point — the bucket policy and default encryption as they are. */
  private async backupBucket(m: Migration): Promise<StepOutcome> {
    const target = this.oldTarget(m);
    const reason = `before KMS migration ${m.id} of "${m.oldConnectionName}"`;
    const policy = await this.deps.setup.keepCurrent(
      target,
      'bucket-policy',
      m.oldConnectionId,
      reason,
    );
    const encryption = await this.deps.setup.keepCurrent(
      target,
      'bucket-encryption',
      m.oldConnectionId,
      reason,
    );
    m.backupIds.push(policy.id, encryption.id);
    m.restorePoint = { bucketPolicy: policy.id, bucketEncryption: encryption.id };
    return {
      text: `Backed up the bucket policy (${policy.existed ? policy.id : `${policy.id}: there was none`}) and the default encryption (${encryption.existed ? encryption.id : `${encryption.id}: there was none`}).`,
    };
  }

  /** Step 6: the role, bucket policy and key policy, each backed up and kept as it lands. */
  private async applyPolicies(m: Migration, options: NextOptions): Promise<StepOutcome> {
    const target = await this.newTarget(m);
    if (options.markDone) return { text: await this.checkApplied(m, target) };
    const texts: string[] = [];
    for (const part of ['role', 'bucket-policy', 'key-policy'] as const) {
      const planned = part === 'role' ? await this.deps.setup.plan(target, 'role') : null;
      const result = await this.deps.setup.apply(
        target,
        'role',
        part,
        m.newConnectionId,
        options.confirm,
      );
      if (planned && planned.proposals.find((p) => p.kind === 'role-trust')?.current === null)
        m.roleCreated = true;
      m.backupIds.push(...result.backups.map((b) => b.id));
      texts.push(`${result.applied.map((p) => `${p.kind} of ${p.target}`).join(', ')}`);
      // Each part is kept as it lands: a rollback must know a role was created.
      await this.save(m);
    }
    return { text: `Applied ${texts.join('; ')} (each backed up first).` };
  }

  /** Step 7: the bucket's default encryption to the new key, then read back. */
  private async setEncryption(m: Migration, options: NextOptions): Promise<StepOutcome> {
    const target = await this.newTarget(m);
    if (!options.markDone) {
      const result = await this.deps.setup.apply(
        target,
        'role',
        'bucket-encryption',
        m.newConnectionId,
      );
      m.backupIds.push(...result.backups.map((b) => b.id));
    }
    const encryption = await this.deps.setup.bucketDocument(target, 'bucket-encryption');
    if (!encryption?.includes(m.keyArn!))
      throw new Error(
        `The bucket’s default encryption does not use ${m.keyArn} (it is ${encryption ?? 'not set'}).`,
      );
    return { text: `Default encryption is SSE-KMS with ${m.keyArn}.` };
  }

  /** Step 10: the old connection deleted (history archived), its statements taken out. */
  private async deleteOld(m: Migration): Promise<StepOutcome> {
    const old = this.deps.config.data.connections.find((c) => c.id === m.oldConnectionId);
    let removed = 0;
    if (old) {
      const target = setupTargetFor(old);
      if (target) {
        const out = await this.deps.setup.unapply(this.resolveTarget(target), 'legacy');
        m.backupIds.push(...out.backups.map((b) => b.id));
        removed = out.changed.length;
      }
      await this.deps.catalog.deleteConnection(
        old.id,
        `Replaced by "${m.newConnectionName}" (${m.newConnectionId}) in KMS migration ${m.id}`,
      );
    }
    return {
      text: `Deleted "${m.oldConnectionName}" (its history is archived and stays readable)${removed ? '; its statements were taken out of the bucket policy (backed up first)' : ''}.`,
    };
  }

  /** Step 3: no new runs of the old connection, and its running ones end. */
  private async disableOld(m: Migration): Promise<StepOutcome> {
    const old = this.deps.catalog.getConnection(m.oldConnectionId);
    if (old.enabled) await this.deps.catalog.updateConnection({ id: old.id, enabled: false });
    m.oldDisabledAt ??= this.now();
    const flights = this.deps.scheduler.flights(old.id);
    if (flights.length) {
      let cancel = () => {};
      const grace = new Promise<'grace'>((resolve) => {
        cancel = this.deps.timers.setTimer(() => resolve('grace'), OLD_RUNS_GRACE_MS);
      });
      const ended = await Promise.race([
        Promise.all(flights.map((f) => f.done)).then(() => 'ended' as const),
        grace,
      ]);
      cancel();
      if (ended === 'grace') {
        // A run waiting out a long retry: its hour goes to the new connection instead.
        this.deps.exports.cancelConnection(old.id, 'admin');
        await Promise.all(flights.map((f) => f.done));
      }
    }
    const running = this.deps.scheduler.flights(old.id).length;
    if (running)
      return { status: 'waiting', text: `${running} exports of "${old.name}" are still running.` };
    return {
      text: `"${old.name}" is disabled${flights.length ? ` and its ${flights.length} running exports ended` : ' (nothing was running)'}.`,
    };
  }

  /** Steps 6 done outside Ferry: the new connection's statements must be in each document. */
  private async checkApplied(m: Migration, target: SetupTarget): Promise<string> {
    const { proposals } = await this.deps.setup.plan(target, 'role');
    const missing = proposals
      .filter((p) => p.kind !== 'bucket-encryption')
      .filter((p) => !p.current || !p.current.includes(m.newConnectionId.replace(/^cn_/, '')));
    if (missing.length)
      throw new Error(
        `Not applied yet: ${missing.map((p) => `${p.kind} of ${p.target}`).join(', ')} lack the new connection's statements.`,
      );
    return 'The role, bucket policy and key policy hold the new connection’s statements (applied outside Ferry).';
  }

  /** Step 8: the access checks as the role, then the connection, enabled, taking over. */
  private async verifyAndCreate(m: Migration): Promise<{ text: string }> {
    const target = await this.newTarget(m);
    const report = await this.deps.setup.verify(target, 'role');
    m.verify = report.probes;
    if (!report.ok) {
      const failed = report.probes.filter((p) => p.status === 'failed');
      throw new Error(
        `Access checks failed as the role: ${failed.map((p) => `${p.label} — ${p.detail}${p.fix ? ` ${p.fix}` : ''}`).join('; ')}`,
      );
    }
    const exists = this.deps.config.data.connections.some((c) => c.id === m.newConnectionId);
    if (!exists) {
      const old = this.deps.catalog.getConnection(m.oldConnectionId);
      const now = this.deps.timers.now().getTime();
      const project = this.deps.config.data.projects.find((p) => p.id === old.projectId)!;
      const latestDue = Math.floor((now - settleMs(old, project)) / HOUR_MS) - 1;
      m.takeOverFrom = takeOverHour(
        old,
        this.deps.jobs.hourRecords(old.id),
        latestDue,
        (m.oldDisabledAt ?? this.now()).slice(0, 13),
      );
      await this.deps.catalog.createConnection(
        {
          id: m.newConnectionId,
          name: m.newConnectionName,
          projectId: old.projectId,
          destination: this.newDestination(m, target, await this.deps.setup.identity(target)),
          datasets: old.datasets,
          enabled: true,
          options: old.options,
          schedule: old.schedule,
          createdBy: old.createdBy,
        },
        { replaces: old.id, scheduleFrom: m.takeOverFrom },
      );
    }
    return {
      text: `Access checks passed as ${exportRoleName(m.projectId)}; "${m.newConnectionName}" is saved and enabled, taking over from ${m.takeOverFrom}.`,
    };
  }

  /**
   * Step 9: an hour the new connection exported — every data set of it — and each of its
   * objects read back from S3: the events partitions and the merged-ID file, not one of them.
   */
  private async firstExport(m: Migration): Promise<{ text: string }> {
    const id = m.newConnectionId;
    const datasets =
      this.deps.config.data.connections.find((c) => c.id === id)?.datasets ?? ([] as Dataset[]);
    /** The latest hour whose every data set succeeded, with its jobs. */
    const exported = async (): Promise<Job[] | null> => {
      const latest = (
        await this.deps.jobs.list({ connectionId: id, status: ['succeeded'], limit: 1 })
      ).items[0];
      if (!latest) return null;
      const ofHour = (
        await this.deps.jobs.list({
          connectionId: id,
          hourFrom: latest.hour,
          hourTo: latest.hour,
          latestOnly: true,
          limit: 100,
        })
      ).items;
      const done = ofHour.filter((j) => j.status === 'succeeded');
      return datasets.every((d) => done.some((j) => j.dataset === d)) ? done : null;
    };
    let jobs = await exported();
    if (!jobs) {
      let flights = this.deps.scheduler.flights(id);
      if (flights.length === 0) {
        const hour = lastEndedHour(this.deps.timers.now().getTime());
        flights = [this.deps.scheduler.exportNow(id, hour)];
      }
      const ended = (await Promise.all(flights.map((f) => f.done))).flat();
      jobs = await exported();
      if (!jobs) {
        const failed = ended.find((j) => j.status === 'failed');
        throw new Error(
          failed?.error
            ? `The export of ${failed.hour} (${failed.dataset}) failed: ${failed.error.message}${failed.error.fix ? ` ${failed.error.fix}` : ''}`
            : 'No hour was exported yet with every data set; try again.',
        );
      }
    }
    const hour = jobs[0]!.hour;
    const clients = await this.deps.aws.setup({ ...this.oldTarget(m), roleArn: null });
    m.objects = await readBack(
      clients,
      m.bucket,
      jobs.flatMap((j) => j.objects.map((o) => o.key)),
    );
    const wrong = m.objects.filter(
      (o) => o.serverSideEncryption !== 'aws:kms' || !sameKey(o.kmsKeyId, m.keyArn!),
    );
    if (wrong.length)
      throw new Error(
        `${wrong.length} of ${m.objects.length} objects of ${hour} are not encrypted with ${m.keyArn}: ${wrong.map((o) => `${o.key} (${o.serverSideEncryption ?? 'none'}${o.kmsKeyId ? `, ${o.kmsKeyId}` : ''})`).join(', ')}`,
      );
    return {
      text: `${hour} exported (${m.objects.length} objects: ${jobs.map((j) => j.dataset).join(' and ')}), each aws:kms with ${m.keyArn}.`,
    };
  }

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
    return this.deps.config.data.backups.filter((b) => ids.has(b.id));
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

  /** The old connection's AWS target, from the connection (or its archive once deleted). */
  private oldTarget(m: Migration): SetupTarget {
    const old =
      this.deps.config.data.connections.find((c) => c.id === m.oldConnectionId) ??
      this.deps.config.data.archived.find((c) => c.id === m.oldConnectionId);
    const target = old && setupTargetFor(old);
    if (!target)
      throw new FerryError('not_found', `The connection "${m.oldConnectionName}" is gone`);
    return this.resolveTarget(target);
  }

  private resolveTarget(t: SetupTargetInput): SetupTarget {
    return setupTarget.parse(t);
  }

  /** The new connection's target: same bucket and prefix, the key, SSE-KMS. */
  private async newTarget(m: Migration): Promise<SetupTarget> {
    if (!m.keyArn) throw new Error('Step 2 (the KMS key) is not done');
    return {
      ...this.oldTarget(m),
      connectionId: m.newConnectionId,
      kmsKeyArn: m.keyArn,
      sse: 'aws:kms',
    };
  }

  private newDestination(
    m: Migration,
    target: SetupTarget,
    identity: { account: string; partition: string },
  ): S3Destination {
    const old = this.deps.catalog.getConnection(m.oldConnectionId).destination as S3Destination;
    return {
      ...old,
      kmsKeyArn: target.kmsKeyArn,
      sse: 'aws:kms',
      roleArn: exportRoleArn({
        partition: identity.partition,
        exportingAccount: identity.account,
        projectId: m.projectId,
      }),
    };
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
