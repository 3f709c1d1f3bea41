/**
 * The four apply steps of AWS setup — bucket policy, export role, key policy, bucket encryption —
 * each merging Ferry's statements into the live document after backing up what it replaces.
 * AwsSetup.apply chooses the step and gives it an ApplyRun.
 */
import { FerryError } from '../../../shared/api/errors';
import {
  bucketEncryption,
  bucketPolicy,
  defaultKeyPolicy,
  exportRoleName,
  formatPolicy,
  kmsKeyStatements,
  mergePolicy,
  roleTrustPolicy,
  rolePermissionsPolicy,
  parsePolicyDocument,
} from '../../../shared/aws/policies';
import type { Backup } from '../../../shared/model/settings';
import type { Proposal } from '../../../shared/model/aws';
import type { SetupClients } from './clients';
import { liveDocument, roleNow } from './live-docs';
import { iamSdk } from './sdk';
import type { BackupStore } from './backup-store';
import type { ApplyRun, SetupTarget } from './setup-types';

/** Merge Ferry's statements for the connection into the bucket policy. */
export async function applyBucketPolicy({
  target,
  form,
  exportTarget,
  merge,
}: ApplyRun): Promise<void> {
  const ours = bucketPolicy(exportTarget, form).Statement;
  await merge(
    'bucket-policy',
    `s3://${target.bucket}`,
    'before Ferry changed the bucket policy',
    (current) => formatPolicy(mergePolicy(parsePolicyDocument(current), ours, exportTarget)),
  );
}

/**
 * Create or update the project's export role: who may assume it (trust), then what it may do
 * (permissions). When the permissions can not be set, the trust is put back as it was.
 */
export async function applyRole({
  target,
  form,
  identity,
  exportTarget,
  clients,
  connectionId,
  merge,
  backups,
  applied,
  store,
}: ApplyRun): Promise<void> {
  if (form !== 'role')
    throw new FerryError(
      'validation',
      'The export role belongs to the role form of the bucket policy',
      'form',
    );
  const roleName = exportRoleName(target.projectId);
  const trustOf = (current: string | null) =>
    formatPolicy(roleTrustPolicy(identity.arn, parsePolicyDocument(current)));
  const created = await createRole(store, clients, roleName, trustOf(null), target, connectionId);
  /** What the trust step changed, to put back if the permissions can not be set. */
  let undo: { created: boolean; before: string | null; backup: Backup } | null = null;
  if (created) {
    backups.push(created.backup);
    applied.push({
      kind: 'role-trust',
      target: roleName,
      current: null,
      proposed: trustOf(null),
    });
    undo = { created: true, before: null, backup: created.backup };
  } else {
    const trust = await merge(
      'role-trust',
      roleName,
      'before Ferry set who may assume the export role',
      trustOf,
    );
    if (trust.backups[0])
      undo = { created: false, before: trust.proposal.current, backup: trust.backups[0] };
  }
  try {
    await merge(
      'role-policy',
      roleName,
      "before Ferry set the export role's permissions",
      (current) =>
        formatPolicy(
          mergePolicy(
            parsePolicyDocument(current),
            rolePermissionsPolicy(exportTarget).Statement,
            exportTarget,
            { whole: true },
          ),
        ),
    );
  } catch (error) {
    // Half a role is worse than none: put the trust policy back as it was.
    const restored = undo
      ? await undoTrust(clients, roleName, undo)
      : 'its trust policy, which needed no change, is as it was.';
    throw Object.assign(error as Error, {
      message: `${(error as Error).message} — setting the export role's permissions failed, so ${restored}`,
    });
  }
}

/** Merge the statements that let the export role use the KMS key into its key policy. */
export async function applyKeyPolicy({
  target,
  form,
  identity,
  exportTarget,
  merge,
}: ApplyRun): Promise<void> {
  if (!target.kmsKeyArn || form !== 'role')
    throw new FerryError(
      'validation',
      'The key policy step needs a KMS key and the role form',
      'kmsKeyArn',
    );
  await merge('key-policy', target.kmsKeyArn, 'before Ferry changed the key policy', (current) =>
    formatPolicy(
      mergePolicy(
        parsePolicyDocument(current) ?? defaultKeyPolicy(identity.account, identity.partition),
        kmsKeyStatements(exportTarget),
        exportTarget,
      ),
    ),
  );
}

/** Set the bucket's default encryption to the connection's KMS key (one setting, replaced). */
export async function applyEncryption({
  target,
  clients,
  connectionId,
  backups,
  applied,
  store,
}: ApplyRun): Promise<void> {
  if (!target.kmsKeyArn)
    throw new FerryError('validation', 'Bucket encryption needs a KMS key', 'kmsKeyArn');
  // The bucket's default encryption is one setting, not statements: it is replaced.
  const doc = liveDocument(clients, 'bucket-encryption', `s3://${target.bucket}`);
  const current = await doc.read();
  const proposed = formatPolicy(bucketEncryption(target.kmsKeyArn));
  const p: Proposal = { kind: 'bucket-encryption', target: doc.target, current, proposed };
  backups.push(
    await store.take(
      p,
      connectionId,
      "before Ferry changed the bucket's default encryption",
      target,
    ),
  );
  await doc.write(proposed);
  applied.push(p);
}

/**
 * Create the export role with its trust policy, backing up that there was none; null when it
 * exists already (someone — another Ferry — created it meanwhile: it is then merged into).
 */
async function createRole(
  store: BackupStore,
  clients: SetupClients,
  roleName: string,
  trust: string,
  target: SetupTarget,
  connectionId: string | null,
): Promise<{ backup: Backup } | null> {
  if ((await roleNow(clients, roleName)).trust !== null) return null;
  const backup = await store.take(
    { kind: 'role-trust', target: roleName, current: null, proposed: trust },
    connectionId,
    'before Ferry set who may assume the export role',
    target,
  );
  const { CreateRoleCommand } = await iamSdk();
  try {
    await clients.iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: trust,
        Description: `Ferry exports of project ${target.projectId}`,
      }),
    );
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'EntityAlreadyExistsException' || name === 'EntityAlreadyExists') return null;
    throw error;
  }
  return { backup };
}

/** Put a role's trust back after a later step failed; says what it did. */
async function undoTrust(
  clients: SetupClients,
  roleName: string,
  undo: { created: boolean; before: string | null; backup: Backup },
): Promise<string> {
  const { DeleteRoleCommand } = await iamSdk();
  try {
    if (undo.created) {
      await clients.iam.send(new DeleteRoleCommand({ RoleName: roleName }));
      return `the role ${roleName} Ferry had just created was deleted again.`;
    }
    await liveDocument(clients, 'role-trust', roleName).write(undo.before);
    return `the role's trust policy was restored from backup ${undo.backup.id}; nothing changed.`;
  } catch (failure) {
    return `restoring the trust policy failed too (${(failure as Error).message}): restore backup ${undo.backup.id} on the Policy backups page (or: ferry backups restore ${undo.backup.id}).`;
  }
}
