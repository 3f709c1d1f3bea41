import { exportRoleName } from '../../../shared/aws/policies';
import { setupTarget, setupTargetFor } from '../../../shared/model/aws';
import { type Job } from '../../../shared/model/jobs';
import type { Dataset } from '../../../shared/model/fields';
import { HOUR_MS, hourText, lastEndedHour } from '../../../shared/model/hours';
import { type Migration, type MigrationStepId } from '../../../shared/model/migration';
import type { SetupTarget } from '../aws/setup';
import { settleMs } from '../schedule/plan';
import {
  checkKey,
  findKeyByDescription,
  migrationKeyDescription,
  prerequisites,
  readBack,
  sameKey,
} from './aws-checks';
import { takeOverHour } from './checklist';
import { OLD_RUNS_GRACE_MS, type MigrationDeps, type NextOptions, type StepOutcome } from './deps';
import { newDestination, newTarget, oldTarget } from './targets';
import { plural } from '../../../shared/format';

/**
 * The ten steps of a KMS migration, one runner each: what the step does to AWS and to Ferry, in
 * a sentence the checklist shows. The service decides which step runs and keeps the record.
 */
export class MigrationSteps {
  constructor(
    private readonly deps: MigrationDeps,
    /** Keep the migration as it is now (a step that must be resumable mid-way calls it). */
    private readonly saved: (m: Migration) => Promise<void>,
  ) {}

  /** Run one step; its text says what it did (status: waiting when it must be checked again). */
  run(m: Migration, step: MigrationStepId, options: NextOptions): Promise<StepOutcome> {
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
    const as = oldTarget(this.deps.config, m);
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
    const as = oldTarget(this.deps.config, m);
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
    await this.saved(m);
    const keyArn = await this.deps.setup.createKey(
      { ...oldTarget(this.deps.config, m), kmsKeyArn: null },
      'legacy',
      description,
    );
    // Kept at once: a later failure in this step must not forget the key exists.
    m.keyArn = keyArn;
    m.keyCreated = true;
    await this.saved(m);
    return { text: `Created key ${keyArn} in ${as.region}.` };
  }

  /** Step 4: the new connection's documents, generated (nothing applied yet). */
  private async planNewConnection(m: Migration): Promise<StepOutcome> {
    const target = await newTarget(this.deps.config, m);
    const { proposals } = await this.deps.setup.plan(target, 'role');
    m.documents = proposals;
    return {
      text: `"${m.newConnectionName}" (${m.newConnectionId}) will export as ${exportRoleName(m.projectId)} with SSE-KMS; ${proposals.length} documents generated.`,
    };
  }

  /** Step 5: the restore point — the bucket policy and default encryption as they are. */
  private async backupBucket(m: Migration): Promise<StepOutcome> {
    const target = oldTarget(this.deps.config, m);
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
    const target = await newTarget(this.deps.config, m);
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
      await this.saved(m);
    }
    return { text: `Applied ${texts.join('; ')} (each backed up first).` };
  }

  /** Step 7: the bucket's default encryption to the new key, then read back. */
  private async setEncryption(m: Migration, options: NextOptions): Promise<StepOutcome> {
    const target = await newTarget(this.deps.config, m);
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
        const out = await this.deps.setup.unapply(setupTarget.parse(target), 'legacy');
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
    const target = await newTarget(this.deps.config, m);
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
          destination: newDestination(
            this.deps.catalog,
            m,
            target,
            await this.deps.setup.identity(target),
          ),
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
            ? `The export of ${hourText(failed.hour)} (${failed.dataset}) failed: ${failed.error.message}${failed.error.fix ? ` ${failed.error.fix}` : ''}`
            : 'No hour was exported yet with every data set; try again.',
        );
      }
    }
    const hour = jobs[0]!.hour;
    const clients = await this.deps.aws.setup({ ...oldTarget(this.deps.config, m), roleArn: null });
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
      text: `${hour} exported (${plural(m.objects.length, 'object')}: ${jobs.map((j) => j.dataset).join(' and ')}), each aws:kms with ${m.keyArn}.`,
    };
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}
