import { kmsKeyProblem } from '../../../shared/aws/regions';
import { FerryError } from '../../../shared/api/errors';
import {
  bucketEncryption,
  bucketPolicy,
  defaultKeyPolicy,
  exportRoleArn,
  exportRoleName,
  formatPolicy,
  hasConnectionStatements,
  kmsKeyStatements,
  mergePolicy,
  roleTrustPolicy,
  rolePermissionsPolicy,
  type BucketPolicyForm,
  type ExportTarget,
  withoutConnection,
  parsePolicyDocument,
} from '../../../shared/aws/policies';
import type { RestorePlan } from '../../../shared/aws/restore-plan';
import type { Backup } from '../../../shared/model/settings';
import type { ApplyStep, Identity, Proposal, VerifyReport } from '../../../shared/model/aws';
import type { Clock } from '../time/clock';
import type { BackupArchivePort, ConfigPort } from '../store/ports';
import type { AwsClients, AwsTarget } from './clients';
import { bucketPolicyNow, encryptionNow, keyPolicyNow, liveDocument, roleNow } from './live-docs';
import { changeDocument } from './merge-write';
import { restoreBackup, restorePlan, type RestoreOutcome } from './restore';
import { kmsSdk, s3Sdk, stsSdk } from './sdk';
import { regionOfLocation, verifyAccess } from './verify';
import { BackupStore } from './backup-store';
import { QueryTableSetup } from './query-table';

import { applyBucketPolicy, applyEncryption, applyKeyPolicy, applyRole } from './apply-steps';
import type { ApplyRun, SetupTarget } from './setup-types';

export type { SetupTarget } from './setup-types';
/**
 * Guided AWS setup: who am I, which policies a connection needs (shown and diffed against what
 * is there), applying them only when asked — after backing up whatever they replace — and
 * verifying access the way an export uses it.
 */
export class AwsSetup {
  /** Where each document Ferry replaces is kept first. */
  readonly backups: BackupStore;
  /** The Glue table over a connection's query copy. */
  readonly queryTable: QueryTableSetup;

  constructor(
    private readonly aws: AwsClients,
    private readonly config: ConfigPort,
    archive: BackupArchivePort,
    private readonly clock: Clock,
  ) {
    this.backups = new BackupStore(archive, clock);
    this.queryTable = new QueryTableSetup(aws, this.backups, () => clock.now());
  }

  /** A backup's index entry (what, when, who took it), without reading its document. */
  backupEntry(backupId: string): Backup {
    return this.backups.entry(backupId);
  }

  /** The document a backup kept (null: there was none), refused when it is not what was taken. */
  backupDocument(backupId: string): Promise<{ backup: Backup; document: string | null }> {
    return this.backups.read(backupId);
  }

  /** STS GetCallerIdentity for the profile: the account and ARN exports run as. */
  async identity(target: AwsTarget): Promise<Identity> {
    const { sts } = await this.aws.setup({ ...target, roleArn: null });
    const { GetCallerIdentityCommand } = await stsSdk();
    const out = await sts.send(new GetCallerIdentityCommand({}));
    const arn = out.Arn ?? '';
    return {
      account: out.Account ?? '',
      arn,
      userId: out.UserId ?? '',
      partition: arn.split(':')[1] || 'aws',
    };
  }

  /** The bucket's region (GetBucketLocation), to correct a connection set to the wrong one. */
  async bucketRegion(target: SetupTarget): Promise<string> {
    const { s3 } = await this.aws.setup({ ...target, roleArn: null });
    const { GetBucketLocationCommand } = await s3Sdk();
    const out = await s3.send(new GetBucketLocationCommand({ Bucket: target.bucket }));
    return regionOfLocation(out.LocationConstraint);
  }

  /** Every document the connection needs, with what is there now. */
  async plan(
    target: SetupTarget,
    form: BucketPolicyForm,
  ): Promise<{
    identity: Identity;
    exportTarget: ExportTarget;
    proposals: Proposal[];
    warnings: string[];
  }> {
    checkKeyRegion(target);
    const identity = await this.identity(target);
    const exportTarget = this.exportTarget(target, identity);
    const clients = await this.aws.setup({ ...target, roleArn: null });
    const proposals: Proposal[] = [];
    const currentBucket = await bucketPolicyNow(clients, target.bucket);
    proposals.push({
      kind: 'bucket-policy',
      target: `s3://${target.bucket}`,
      current: currentBucket,
      proposed: formatPolicy(
        mergePolicy(
          parsePolicyDocument(currentBucket),
          bucketPolicy(exportTarget, form).Statement,
          exportTarget,
        ),
      ),
    });
    if (form === 'role') {
      const role = await roleNow(clients, exportRoleName(target.projectId));
      proposals.push({
        kind: 'role-trust',
        target: exportRoleName(target.projectId),
        current: role.trust,
        proposed: formatPolicy(roleTrustPolicy(identity.arn, parsePolicyDocument(role.trust))),
      });
      proposals.push({
        kind: 'role-policy',
        target: exportRoleName(target.projectId),
        current: role.permissions,
        proposed: formatPolicy(
          mergePolicy(
            parsePolicyDocument(role.permissions),
            rolePermissionsPolicy(exportTarget).Statement,
            exportTarget,
            { whole: true },
          ),
        ),
      });
    }
    if (target.kmsKeyArn) {
      const currentKey = await keyPolicyNow(clients, target.kmsKeyArn);
      const base =
        parsePolicyDocument(currentKey) ?? defaultKeyPolicy(identity.account, identity.partition);
      if (form === 'role')
        proposals.push({
          kind: 'key-policy',
          target: target.kmsKeyArn,
          current: currentKey,
          proposed: formatPolicy(mergePolicy(base, kmsKeyStatements(exportTarget), exportTarget)),
        });
      const currentEncryption = await encryptionNow(clients, target.bucket);
      proposals.push({
        kind: 'bucket-encryption',
        target: `s3://${target.bucket}`,
        current: currentEncryption,
        proposed: formatPolicy(bucketEncryption(target.kmsKeyArn)),
      });
    }
    return { identity, exportTarget, proposals, warnings: setupWarnings(target) };
  }

  /**
   * Apply one step, backing up what it replaces first. Returns the backup and the applied
   * document. Bucket policies are merged: the owner's other statements stay.
   */
  async apply(
    target: SetupTarget,
    form: BucketPolicyForm,
    step: ApplyStep,
    connectionId: string | null,
    confirmed = false,
  ): Promise<{ backups: Backup[]; applied: Proposal[] }> {
    const planned = await this.plan(target, form);
    if (planned.warnings.length > 0 && !confirmed && (step === 'bucket-policy' || step === 'role'))
      throw new FerryError(
        'validation',
        `${planned.warnings.join(' ')} Confirm to apply anyway.`,
        'prefix',
      );
    const clients = await this.aws.setup({ ...target, roleArn: null });
    const { identity, exportTarget } = planned;
    const backups: Backup[] = [];
    const applied: Proposal[] = [];
    /** Merge into one live document, backed up before each write (see changeDocument). */
    const merge = async (
      kind: Backup['kind'],
      name: string,
      reason: string,
      change: (current: string | null) => string | null,
    ) => {
      const doc = liveDocument(clients, kind, name);
      const result = await changeDocument({
        doc,
        change,
        keep: (current) =>
          this.backups.take(
            { kind, target: name, current, proposed: '' },
            connectionId,
            reason,
            target,
          ),
      });
      backups.push(...result.backups);
      const proposal: Proposal = {
        kind,
        target: name,
        current: result.before,
        proposed: change(result.after) ?? '',
      };
      applied.push(proposal);
      return { proposal, backups: result.backups };
    };

    const run: ApplyRun = {
      target,
      form,
      clients,
      identity,
      exportTarget,
      connectionId,
      merge,
      backups,
      applied,
      store: this.backups,
    };
    const steps: Record<ApplyStep, (run: ApplyRun) => Promise<void>> = {
      'bucket-policy': applyBucketPolicy,
      role: applyRole,
      'key-policy': applyKeyPolicy,
      'bucket-encryption': applyEncryption,
    };
    await steps[step](run);
    return { backups, applied };
  }

  /**
   * Take one connection's statements out of the documents it was given (each backed up
   * first), leaving every other statement. A document left empty is removed, as Ferry found it.
   */
  async unapply(
    target: SetupTarget,
    form: BucketPolicyForm,
  ): Promise<{ backups: Backup[]; changed: Proposal[] }> {
    const clients = await this.aws.setup({ ...target, roleArn: null });
    const backups: Backup[] = [];
    const changed: Proposal[] = [];
    const reason = `before Ferry removed connection ${target.connectionId}'s statements`;
    /** Take the connection's statements out of one live document (see changeDocument). */
    const strip = async (
      kind: Backup['kind'],
      name: string,
      emptied: () => Promise<string | null>,
    ) => {
      const empty = await emptied();
      const change = (current: string | null) => {
        const doc = parsePolicyDocument(current);
        if (!doc || !hasConnectionStatements(doc, target.connectionId)) return current;
        const left = withoutConnection(doc, target.connectionId);
        return left ? formatPolicy(left) : empty;
      };
      const result = await changeDocument({
        doc: liveDocument(clients, kind, name),
        change,
        keep: (current) =>
          this.backups.take(
            { kind, target: name, current, proposed: '' },
            target.connectionId,
            reason,
            target,
          ),
      });
      if (result.backups.length === 0) return;
      backups.push(...result.backups);
      changed.push({ kind, target: name, current: result.before, proposed: result.after ?? '' });
    };
    await strip('bucket-policy', `s3://${target.bucket}`, async () => null);
    // The role's policy is looked at whichever form the connection has now: statements applied
    // in the role form stay there after a move back to the legacy form.
    const roleName = exportRoleName(target.projectId);
    await strip('role-policy', roleName, async () => null).catch((error: unknown) => {
      if (form === 'role' || !isAccessDenied(error)) throw error;
    });
    if (target.kmsKeyArn)
      // A key policy can not be removed; one left empty would lock the key: AWS's default then.
      await strip('key-policy', target.kmsKeyArn, async () => {
        const identity = await this.identity(target);
        return formatPolicy(defaultKeyPolicy(identity.account, identity.partition));
      });
    return { backups, changed };
  }

  /** A new KMS key for exports, its policy letting the account administer it (and the role use it). */
  async createKey(
    target: SetupTarget,
    form: BucketPolicyForm,
    description = `Ferry exports of project ${target.projectId}`,
  ): Promise<string> {
    const identity = await this.identity(target);
    const clients = await this.aws.setup({ ...target, roleArn: null });
    const policy = defaultKeyPolicy(identity.account, identity.partition);
    const withRole =
      form === 'role'
        ? mergePolicy(
            policy,
            kmsKeyStatements(this.exportTarget(target, identity)),
            this.exportTarget(target, identity),
          )
        : policy;
    const { CreateKeyCommand } = await kmsSdk();
    const out = await clients.kms.send(
      new CreateKeyCommand({
        Description: description,
        Policy: formatPolicy(withRole),
        BypassPolicyLockoutSafetyCheck: false,
      }),
    );
    return out.KeyMetadata!.Arn!;
  }

  /**
   * Put a backup back: its statements as they were, Ferry's added since removed, every other
   * statement kept (or, in `whole` mode, the document exactly as it was) — after backing up
   * what is there now, so a restore can itself be undone. See restoreBackup.
   */
  async restore(
    backupId: string,
    target: AwsTarget,
    mode: 'ferry' | 'whole' = 'ferry',
    confirm?: string,
  ): Promise<{ restored: Backup } & RestoreOutcome> {
    const { backup: entry, document } = await this.backupDocument(backupId);
    const clients = await this.aws.setup({ ...target, roleArn: null });
    const outcome = await restoreBackup({
      entry,
      document,
      clients,
      mode,
      confirm,
      connections: this.config.data.connections,
      keep: (kind, on, current) =>
        this.backups.take(
          { kind, target: on, current, proposed: '' },
          entry.connectionId,
          `before restoring ${entry.id}`,
          target,
        ),
    });
    return { restored: entry, ...outcome };
  }

  /**
   * A backup's document next to the one in AWS now (null: there is none), and what a restore
   * would write in each mode. Changes nothing.
   */
  async compare(
    backupId: string,
    target: AwsTarget,
  ): Promise<{
    backup: Backup;
    kept: string | null;
    now: string | null;
    plan: RestorePlan;
    whole: RestorePlan;
  }> {
    const { backup: entry, document } = await this.backupDocument(backupId);
    const clients = await this.aws.setup({ ...target, roleArn: null });
    const now = await liveDocument(clients, entry.kind, entry.target).read();
    const connections = this.config.data.connections;
    return {
      backup: entry,
      kept: document,
      now,
      plan: restorePlan(entry, document, now, 'ferry', connections),
      whole: restorePlan(entry, document, now, 'whole', connections),
    };
  }

  /** Verify access as an export would: as the role in the role form, else as the profile. */
  async verify(target: SetupTarget, form: BucketPolicyForm): Promise<VerifyReport> {
    checkKeyRegion(target);
    const identity = await this.identity(target);
    const exportTarget = this.exportTarget(target, identity);
    const roleArn = form === 'role' ? exportRoleArn(exportTarget) : null;
    const clients = await this.aws.setup({ ...target, roleArn });
    return verifyAccess(
      clients.s3,
      clients.kms,
      {
        type: 's3',
        bucket: target.bucket,
        region: target.region,
        prefix: target.prefix,
        profile: target.profile,
        kmsKeyArn: target.kmsKeyArn,
        endpoint: target.endpoint,
        forcePathStyle: target.forcePathStyle ?? false,
        roleArn,
        sse: target.sse,
      },
      exportTarget,
      form,
      () => this.clock.now(),
      clients.glue,
    );
  }

  exportTarget(target: SetupTarget, identity: Identity): ExportTarget {
    return {
      bucket: target.bucket,
      prefix: target.prefix,
      region: target.region,
      connectionId: target.connectionId,
      plainHttp: isPlainHttp(target.endpoint),
      projectId: target.projectId,
      exportingAccount: identity.account,
      partition: identity.partition,
      kmsKeyArn: target.kmsKeyArn,
      queryTables: target.queryTables,
    };
  }

  /**
   * Back up the bucket policy or the bucket's default encryption as it is now (a migration's
   * restore point); null is kept too (there was none: restoring removes what came after).
   */
  async keepCurrent(
    target: SetupTarget,
    kind: 'bucket-policy' | 'bucket-encryption',
    connectionId: string | null,
    reason: string,
  ): Promise<Backup> {
    const current = await this.bucketDocument(target, kind);
    return this.backups.take(
      { kind, target: `s3://${target.bucket}`, current, proposed: '' },
      connectionId,
      reason,
      target,
    );
  }

  /** The bucket policy or default encryption as it is now, formatted as backups keep it. */
  async bucketDocument(
    target: SetupTarget,
    kind: 'bucket-policy' | 'bucket-encryption',
  ): Promise<string | null> {
    const clients = await this.aws.setup({ ...target, roleArn: null });
    return kind === 'bucket-policy'
      ? bucketPolicyNow(clients, target.bucket)
      : encryptionNow(clients, target.bucket);
  }
}

/** A key in another Region than the bucket can never encrypt its objects: said in plain words. */
function checkKeyRegion(target: Pick<SetupTarget, 'kmsKeyArn' | 'region'>): void {
  const problem = kmsKeyProblem(target.kmsKeyArn, target.region);
  if (problem) throw new FerryError('validation', problem, 'kmsKeyArn');
}

/**
 * What the admin must confirm before documents are applied: an empty prefix lets the export
 * delete any object in the bucket (stale partitions are removed under the prefix).
 */
export function setupWarnings(
  target: Pick<SetupTarget, 'bucket' | 'prefix' | 'endpoint'>,
): string[] {
  const warnings: string[] = [];
  if (!target.prefix)
    warnings.push(
      `The prefix is empty, so the export may write and delete objects anywhere in s3://${target.bucket} (s3:DeleteObject on ${target.bucket}/*: an hour exported again removes its stale files). Use a prefix such as amplitude/ unless the bucket holds nothing else.`,
    );
  return warnings;
}

/** An S3-compatible endpoint reached over plain http (a local store). */
function isPlainHttp(endpoint: string | null | undefined): boolean {
  return !!endpoint && /^http:\/\//i.test(endpoint);
}

function isAccessDenied(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e.name === 'AccessDenied' ||
    e.name === 'AccessDeniedException' ||
    e.$metadata?.httpStatusCode === 403
  );
}
