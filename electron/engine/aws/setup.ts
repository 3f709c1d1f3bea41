import { kmsKeyProblem } from '../../../shared/aws/regions';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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
  type PolicyDocument,
  withoutConnection,
} from '../../../shared/aws/policies';
import type { Backup } from '../../../shared/model/entities';
import type { Clock } from '../catalog';
import { writeFileAtomic } from '../store/atomic';
import type { ConfigStore } from '../store/config-store';
import type { AwsClients, AwsTarget, SetupClients } from './clients';
import { iamSdk, kmsSdk, s3Sdk, stsSdk } from './sdk';
import { verifyAccess, type VerifyReport } from './verify';

export interface Identity {
  account: string;
  arn: string;
  userId: string;
  partition: string;
}

/** Where a connection writes, as the setup steps need it (it may not be saved yet). */
export interface SetupTarget extends AwsTarget {
  /** The connection the documents are for (it may not be saved yet: the wizard picks its id). */
  connectionId: string;
  bucket: string;
  prefix: string;
  projectId: number;
  kmsKeyArn: string | null;
  sse: 'bucket-default' | 'AES256' | 'aws:kms';
}

/** A document Ferry proposes, next to what is there now (null: nothing yet). */
export interface Proposal {
  kind: Backup['kind'];
  target: string;
  current: string | null;
  proposed: string;
}

/** The export role's inline policy: every connection of the project has its statements in it. */
const ROLE_POLICY_NAME = 'ferry-export';

export type ApplyStep = 'bucket-policy' | 'role' | 'key-policy' | 'bucket-encryption';

/**
 * Guided AWS setup: who am I, which policies a connection needs (shown and diffed against what
 * is there), applying them only when asked — after backing up whatever they replace — and
 * verifying access the way an export uses it.
 */
export class AwsSetup {
  constructor(
    private readonly aws: AwsClients,
    private readonly config: ConfigStore,
    private readonly dataDir: string,
    private readonly clock: Clock,
  ) {}

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
    return !out.LocationConstraint
      ? 'us-east-1'
      : out.LocationConstraint === 'EU'
        ? 'eu-west-1'
        : out.LocationConstraint;
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
    const currentBucket = await this.currentBucketPolicy(clients, target.bucket);
    proposals.push({
      kind: 'bucket-policy',
      target: `s3://${target.bucket}`,
      current: currentBucket,
      proposed: formatPolicy(
        mergePolicy(parse(currentBucket), bucketPolicy(exportTarget, form).Statement),
      ),
    });
    if (form === 'role') {
      const role = await this.currentRole(clients, exportRoleName(target.projectId));
      proposals.push({
        kind: 'role-trust',
        target: exportRoleName(target.projectId),
        current: role.trust,
        proposed: formatPolicy(roleTrustPolicy(identity.arn, parse(role.trust))),
      });
      proposals.push({
        kind: 'role-policy',
        target: exportRoleName(target.projectId),
        current: role.permissions,
        proposed: formatPolicy(
          mergePolicy(parse(role.permissions), rolePermissionsPolicy(exportTarget).Statement),
        ),
      });
    }
    if (target.kmsKeyArn) {
      const currentKey = await this.currentKeyPolicy(clients, target.kmsKeyArn);
      const base = parse(currentKey) ?? defaultKeyPolicy(identity.account, identity.partition);
      if (form === 'role')
        proposals.push({
          kind: 'key-policy',
          target: target.kmsKeyArn,
          current: currentKey,
          proposed: formatPolicy(mergePolicy(base, kmsKeyStatements(exportTarget))),
        });
      const currentEncryption = await this.currentEncryption(clients, target.bucket);
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
    const { proposals, warnings } = await this.plan(target, form);
    if (warnings.length > 0 && !confirmed && (step === 'bucket-policy' || step === 'role'))
      throw new FerryError(
        'validation',
        `${warnings.join(' ')} Confirm to apply anyway.`,
        'prefix',
      );
    const clients = await this.aws.setup({ ...target, roleArn: null });
    const pick = (kind: Backup['kind']) => proposals.find((p) => p.kind === kind);
    const backups: Backup[] = [];
    const applied: Proposal[] = [];

    if (step === 'bucket-policy') {
      const p = pick('bucket-policy')!;
      backups.push(
        await this.backup(p, connectionId, 'before Ferry changed the bucket policy', target),
      );
      const { PutBucketPolicyCommand } = await s3Sdk();
      await clients.s3.send(
        new PutBucketPolicyCommand({ Bucket: target.bucket, Policy: p.proposed }),
      );
      applied.push(p);
    } else if (step === 'role') {
      if (form !== 'role')
        throw new FerryError(
          'validation',
          'The export role belongs to the role form of the bucket policy',
          'form',
        );
      const { CreateRoleCommand, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } =
        await iamSdk();
      const trust = pick('role-trust')!;
      const permissions = pick('role-policy')!;
      backups.push(
        await this.backup(
          trust,
          connectionId,
          'before Ferry set who may assume the export role',
          target,
        ),
      );
      backups.push(
        await this.backup(
          permissions,
          connectionId,
          "before Ferry set the export role's permissions",
          target,
        ),
      );
      const created = trust.current === null;
      if (created)
        await clients.iam.send(
          new CreateRoleCommand({
            RoleName: trust.target,
            AssumeRolePolicyDocument: trust.proposed,
            Description: `Ferry exports of project ${target.projectId}`,
          }),
        );
      else
        await clients.iam.send(
          new UpdateAssumeRolePolicyCommand({
            RoleName: trust.target,
            PolicyDocument: trust.proposed,
          }),
        );
      try {
        await clients.iam.send(
          new PutRolePolicyCommand({
            RoleName: trust.target,
            PolicyName: ROLE_POLICY_NAME,
            PolicyDocument: permissions.proposed,
          }),
        );
      } catch (error) {
        // Half a role is worse than none: put the trust policy back as it was.
        const restored = await this.undoTrust(clients, trust, created, backups[0]!);
        throw Object.assign(error as Error, {
          message: `${(error as Error).message} — setting the export role's permissions failed, so ${restored}`,
        });
      }
      applied.push(trust, permissions);
    } else if (step === 'key-policy') {
      const p = pick('key-policy');
      if (!p)
        throw new FerryError(
          'validation',
          'The key policy step needs a KMS key and the role form',
          'kmsKeyArn',
        );
      backups.push(
        await this.backup(p, connectionId, 'before Ferry changed the key policy', target),
      );
      const { PutKeyPolicyCommand } = await kmsSdk();
      await clients.kms.send(
        new PutKeyPolicyCommand({
          KeyId: target.kmsKeyArn!,
          PolicyName: 'default',
          Policy: p.proposed,
        }),
      );
      applied.push(p);
    } else {
      const p = pick('bucket-encryption');
      if (!p) throw new FerryError('validation', 'Bucket encryption needs a KMS key', 'kmsKeyArn');
      backups.push(
        await this.backup(
          p,
          connectionId,
          "before Ferry changed the bucket's default encryption",
          target,
        ),
      );
      const { PutBucketEncryptionCommand } = await s3Sdk();
      await clients.s3.send(
        new PutBucketEncryptionCommand({
          Bucket: target.bucket,
          ServerSideEncryptionConfiguration: JSON.parse(p.proposed) as never,
        }),
      );
      applied.push(p);
    }
    return { backups, applied };
  }

  /** Put a role's trust back after a later step failed; says what it did. */
  private async undoTrust(
    clients: SetupClients,
    trust: Proposal,
    created: boolean,
    backup: Backup,
  ): Promise<string> {
    const { DeleteRoleCommand, UpdateAssumeRolePolicyCommand } = await iamSdk();
    try {
      if (created) {
        await clients.iam.send(new DeleteRoleCommand({ RoleName: trust.target }));
        return `the role ${trust.target} Ferry had just created was deleted again.`;
      }
      await clients.iam.send(
        new UpdateAssumeRolePolicyCommand({
          RoleName: trust.target,
          PolicyDocument: trust.current!,
        }),
      );
      return `the role's trust policy was restored from backup ${backup.id}; nothing changed.`;
    } catch (undo) {
      return `restoring the trust policy failed too (${(undo as Error).message}): restore backup ${backup.id} (ferry backups restore ${backup.id}).`;
    }
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
    const strip = async (
      kind: Backup['kind'],
      name: string,
      current: string | null,
      put: (doc: string | null) => Promise<unknown>,
    ) => {
      const doc = parse(current);
      if (!doc || !hasConnectionStatements(doc, target.connectionId)) return;
      const left = withoutConnection(doc, target.connectionId);
      const proposal: Proposal = {
        kind,
        target: name,
        current,
        proposed: left ? formatPolicy(left) : '',
      };
      backups.push(await this.backup(proposal, target.connectionId, reason, target));
      await put(left ? formatPolicy(left) : null);
      changed.push(proposal);
    };
    const s3 = await s3Sdk();
    await strip(
      'bucket-policy',
      `s3://${target.bucket}`,
      await this.currentBucketPolicy(clients, target.bucket),
      (doc) =>
        doc === null
          ? clients.s3.send(new s3.DeleteBucketPolicyCommand({ Bucket: target.bucket }))
          : clients.s3.send(new s3.PutBucketPolicyCommand({ Bucket: target.bucket, Policy: doc })),
    );
    if (form === 'role') {
      const roleName = exportRoleName(target.projectId);
      const iam = await iamSdk();
      await strip(
        'role-policy',
        roleName,
        (await this.currentRole(clients, roleName)).permissions,
        (doc) =>
          doc === null
            ? clients.iam.send(
                new iam.DeleteRolePolicyCommand({
                  RoleName: roleName,
                  PolicyName: ROLE_POLICY_NAME,
                }),
              )
            : clients.iam.send(
                new iam.PutRolePolicyCommand({
                  RoleName: roleName,
                  PolicyName: ROLE_POLICY_NAME,
                  PolicyDocument: doc,
                }),
              ),
      );
    }
    if (target.kmsKeyArn) {
      const { PutKeyPolicyCommand } = await kmsSdk();
      await strip(
        'key-policy',
        target.kmsKeyArn,
        await this.currentKeyPolicy(clients, target.kmsKeyArn),
        async (doc) => {
          // A key policy can not be removed; one left empty would lock the key: keep AWS's default.
          const identity = await this.identity(target);
          await clients.kms.send(
            new PutKeyPolicyCommand({
              KeyId: target.kmsKeyArn!,
              PolicyName: 'default',
              Policy: doc ?? formatPolicy(defaultKeyPolicy(identity.account, identity.partition)),
            }),
          );
        },
      );
    }
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
        ? mergePolicy(policy, kmsKeyStatements(this.exportTarget(target, identity)))
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
   * Put a backed-up document back exactly as it was (or remove Ferry's, if there was none) —
   * after backing up what is there now, so a restore can itself be undone.
   */
  async restore(
    backupId: string,
    target: AwsTarget,
  ): Promise<{ restored: Backup; replaced: Backup }> {
    const { backup: entry, document } = await this.backupDocument(backupId);
    const clients = await this.aws.setup({ ...target, roleArn: null });
    const now = await this.documentNow(clients, entry);
    const replaced = await this.backup(
      { kind: entry.kind, target: entry.target, current: now, proposed: '' },
      entry.connectionId,
      `before restoring ${entry.id}`,
      target,
    );
    await this.putDocument(clients, entry, document);
    return { restored: entry, replaced };
  }

  /** A backup's document next to the one in AWS now (null: there is none). Changes nothing. */
  async compare(
    backupId: string,
    target: AwsTarget,
  ): Promise<{ backup: Backup; kept: string | null; now: string | null }> {
    const { backup: entry, document } = await this.backupDocument(backupId);
    const clients = await this.aws.setup({ ...target, roleArn: null });
    return { backup: entry, kept: document, now: await this.documentNow(clients, entry) };
  }

  /** The document a backup is of, as it is in AWS now, formatted as backups keep it. */
  private async documentNow(clients: SetupClients, entry: Backup): Promise<string | null> {
    const bucket = entry.target.replace(/^s3:\/\//, '');
    switch (entry.kind) {
      case 'bucket-policy':
        return this.currentBucketPolicy(clients, bucket);
      case 'bucket-encryption':
        return this.currentEncryption(clients, bucket);
      case 'key-policy':
        return this.currentKeyPolicy(clients, entry.target);
      case 'role-trust':
        return (await this.currentRole(clients, entry.target)).trust;
      case 'role-policy':
        return (await this.currentRole(clients, entry.target)).permissions;
    }
  }

  /** Write a document where a backup came from; null removes what is there. */
  private async putDocument(
    clients: SetupClients,
    entry: Backup,
    document: string | null,
  ): Promise<void> {
    const s3 = await s3Sdk();
    const bucket = entry.target.replace(/^s3:\/\//, '');
    if (entry.kind === 'bucket-policy') {
      if (document === null)
        await clients.s3.send(new s3.DeleteBucketPolicyCommand({ Bucket: bucket }));
      else
        await clients.s3.send(new s3.PutBucketPolicyCommand({ Bucket: bucket, Policy: document }));
    } else if (entry.kind === 'bucket-encryption') {
      if (document === null)
        await clients.s3.send(new s3.DeleteBucketEncryptionCommand({ Bucket: bucket }));
      else
        await clients.s3.send(
          new s3.PutBucketEncryptionCommand({
            Bucket: bucket,
            ServerSideEncryptionConfiguration: JSON.parse(document) as never,
          }),
        );
    } else if (entry.kind === 'key-policy') {
      // A key always has a policy: a backup of none cannot be put back.
      const { PutKeyPolicyCommand } = await kmsSdk();
      if (document !== null)
        await clients.kms.send(
          new PutKeyPolicyCommand({ KeyId: entry.target, PolicyName: 'default', Policy: document }),
        );
    } else {
      const iam = await iamSdk();
      if (entry.kind === 'role-trust' && document !== null)
        await clients.iam.send(
          new iam.UpdateAssumeRolePolicyCommand({
            RoleName: entry.target,
            PolicyDocument: document,
          }),
        );
      if (entry.kind === 'role-policy') {
        if (document === null)
          await clients.iam
            .send(
              new iam.DeleteRolePolicyCommand({
                RoleName: entry.target,
                PolicyName: ROLE_POLICY_NAME,
              }),
            )
            .catch(() => undefined);
        else
          await clients.iam.send(
            new iam.PutRolePolicyCommand({
              RoleName: entry.target,
              PolicyName: ROLE_POLICY_NAME,
              PolicyDocument: document,
            }),
          );
      }
    }
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
    return this.backup(
      { kind, target: `s3://${target.bucket}`, current, proposed: '' },
      connectionId,
      reason,
      target,
    );
  }

  /** A backup's index entry (what, when, who took it), without reading its document. */
  backupEntry(backupId: string): Backup {
    const entry = this.config.data.backups.find((b) => b.id === backupId);
    if (!entry) throw new FerryError('not_found', `There is no backup ${backupId}`, 'id');
    return entry;
  }

  /** The document a backup kept (null: there was none). */
  async backupDocument(backupId: string): Promise<{ backup: Backup; document: string | null }> {
    const entry = this.backupEntry(backupId);
    const saved = JSON.parse(await readFile(join(this.dataDir, 'backups', entry.file), 'utf8')) as {
      document: string | null;
    };
    return { backup: entry, document: saved.document };
  }

  /** The bucket policy or default encryption as it is now, formatted as backups keep it. */
  async bucketDocument(
    target: SetupTarget,
    kind: 'bucket-policy' | 'bucket-encryption',
  ): Promise<string | null> {
    const clients = await this.aws.setup({ ...target, roleArn: null });
    return kind === 'bucket-policy'
      ? this.currentBucketPolicy(clients, target.bucket)
      : this.currentEncryption(clients, target.bucket);
  }

  /** Keep a document as it is now, in backups/ and the index in config.json. Never deleted by Ferry. */
  private async backup(
    proposal: Proposal,
    connectionId: string | null,
    reason: string,
    via: AwsTarget,
  ): Promise<Backup> {
    const takenAt = this.clock.now().toISOString();
    const id = `bk_${takenAt.replace(/[-:.TZ]/g, '').slice(0, 14)}_${randomBytes(3).toString('hex')}`;
    const file = `${id}-${proposal.kind}.json`;
    const entry: Backup = {
      id,
      kind: proposal.kind,
      target: proposal.target,
      file,
      takenAt,
      connectionId,
      existed: proposal.current !== null,
      reason,
      via: {
        profile: via.profile,
        region: via.region,
        endpoint: via.endpoint,
        forcePathStyle: via.forcePathStyle ?? false,
      },
    };
    await writeFileAtomic(
      join(this.dataDir, 'backups', file),
      `${JSON.stringify({ ...entry, document: proposal.current }, null, 2)}\n`,
    );
    await this.config.update((data) => {
      data.backups.push(entry);
    });
    return entry;
  }

  private async currentBucketPolicy(clients: SetupClients, bucket: string): Promise<string | null> {
    const { GetBucketPolicyCommand } = await s3Sdk();
    try {
      return (await clients.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? null;
    } catch (error) {
      if ((error as Error).name === 'NoSuchBucketPolicy') return null;
      throw error;
    }
  }

  private async currentEncryption(clients: SetupClients, bucket: string): Promise<string | null> {
    const { GetBucketEncryptionCommand } = await s3Sdk();
    try {
      const out = await clients.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
      return out.ServerSideEncryptionConfiguration
        ? formatPolicy(out.ServerSideEncryptionConfiguration)
        : null;
    } catch (error) {
      if ((error as Error).name === 'ServerSideEncryptionConfigurationNotFoundError') return null;
      throw error;
    }
  }

  private async currentKeyPolicy(clients: SetupClients, keyArn: string): Promise<string | null> {
    const { GetKeyPolicyCommand } = await kmsSdk();
    return (
      (await clients.kms.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' })))
        .Policy ?? null
    );
  }

  private async currentRole(
    clients: SetupClients,
    roleName: string,
  ): Promise<{ trust: string | null; permissions: string | null }> {
    const { GetRoleCommand, GetRolePolicyCommand } = await iamSdk();
    try {
      const role = await clients.iam.send(new GetRoleCommand({ RoleName: roleName }));
      const trust = role.Role?.AssumeRolePolicyDocument
        ? decodeURIComponent(role.Role.AssumeRolePolicyDocument)
        : null;
      const permissions = await clients.iam
        .send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: ROLE_POLICY_NAME }))
        .then((r) => (r.PolicyDocument ? decodeURIComponent(r.PolicyDocument) : null))
        .catch(() => null);
      return { trust, permissions };
    } catch (error) {
      if (
        (error as Error).name === 'NoSuchEntityException' ||
        (error as Error).name === 'NoSuchEntity'
      )
        return { trust: null, permissions: null };
      throw error;
    }
  }
}

/** A key in another Region than the bucket can never encrypt its objects: said in plain words. */
function checkKeyRegion(target: Pick<SetupTarget, 'kmsKeyArn' | 'region'>): void {
  const problem = kmsKeyProblem(target.kmsKeyArn, target.region);
  if (problem) throw new FerryError('validation', problem, 'kmsKeyArn');
}

function parse(policy: string | null): PolicyDocument | null {
  if (!policy) return null;
  try {
    return JSON.parse(policy) as PolicyDocument;
  } catch {
    return null;
  }
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
