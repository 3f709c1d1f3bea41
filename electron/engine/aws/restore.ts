import { FerryError } from '../../../shared/api/errors';
import { TRUST_SID } from '../../../shared/aws/policies';
import {
  confirmationWord,
  foreignRemovals,
  planRestore,
  type RestorePlan,
} from '../../../shared/aws/restore-plan';
import type { Connection } from '../../../shared/model/entities';
import type { Backup } from '../../../shared/model/settings';
import type { SetupClients } from './clients';
import { liveDocument, ROLE_POLICY_NAME, roleNow } from './live-docs';
import { changeDocument, sameDocument } from './merge-write';
import { iamSdk } from './sdk';

export interface RestoreInput {
  /** The backup and the document it kept (null: there was none). */
  entry: Backup;
  document: string | null;
  clients: SetupClients;
  /** `ferry`: Ferry's statements added since go, every other stays; `whole`: as it was. */
  mode: 'ferry' | 'whole';
  /** The connections that exist now (whose statements stay, whose role is in use). */
  connections: readonly Connection[];
  /** The resource's name as the admin typed it (see confirmationWord). */
  confirm?: string;
  /** Back up a document as it is now, before it is written (kind and target: the backup's). */
  keep(kind: Backup['kind'], target: string, current: string | null): Promise<Backup>;
}

export interface RestoreOutcome {
  /** What was there before the restore, kept first. */
  replaced: Backup;
  plan: RestorePlan;
  /** False when AWS already held what the restore would write: nothing was written. */
  changed: boolean;
  /** The role Ferry had created and the restore deleted (a role-trust backup of none). */
  roleDeleted?: string;
}

/** What a restore would write now, and what it removes and keeps. Changes nothing. */
export function restorePlan(
  entry: Backup,
  document: string | null,
  now: string | null,
  mode: 'ferry' | 'whole',
  connections: readonly Connection[],
): RestorePlan {
  return planRestore({
    kind: entry.kind,
    kept: document,
    now,
    mode,
    backupConnectionId: entry.connectionId,
    connections: connections.map((c) => ({ id: c.id, name: c.name, enabled: c.enabled })),
  });
}

/**
 * Put a backup back (see planRestore): merged onto what is there at the moment of writing, so
 * a statement someone adds meanwhile is kept too. A role trust policy of "there was none" means
 * Ferry created the role: it is deleted, or refused with the reason when anything but Ferry's
 * depends on it. A KMS key always has a policy: "none" can not be restored.
 */
export async function restoreBackup(input: RestoreInput): Promise<RestoreOutcome> {
  const { entry, document, clients, mode, connections } = input;
  if (entry.kind === 'role-trust' && document === null)
    return removeCreatedRole(input, entry.target);
  if (entry.kind === 'key-policy' && document === null)
    throw new FerryError(
      'conflict',
      `Backup ${entry.id} says key ${entry.target} had no policy, but a KMS key always has one: there is nothing to put back. Edit the key policy in the KMS console, or restore a later backup of it.`,
    );
  const doc = liveDocument(clients, entry.kind, entry.target);
  // The plan of the last document written (the read-back is planned too, and changes nothing).
  let plan: RestorePlan | null = null;
  const result = await changeDocument({
    doc,
    change: (current) => {
      const next = restorePlan(entry, document, current, mode, connections);
      requireConfirmation(entry, next, input.confirm);
      if (plan === null || !sameDocument(next.document, current)) plan = next;
      return next.document;
    },
    keep: (current) => input.keep(entry.kind, entry.target, current),
  });
  const replaced = result.backups[0] ?? (await input.keep(entry.kind, entry.target, result.after));
  return {
    replaced,
    plan: plan ?? restorePlan(entry, document, result.after, mode, connections),
    changed: result.backups.length > 0,
  };
}

/** Delete the export role Ferry created — only when nothing else depends on it. */
async function removeCreatedRole(input: RestoreInput, roleName: string): Promise<RestoreOutcome> {
  const { clients, entry } = input;
  const { trust, permissions } = await roleNow(clients, roleName);
  const plan = restorePlan(entry, null, trust, input.mode, input.connections);
  if (trust === null) {
    const replaced = await input.keep('role-trust', roleName, null);
    return { replaced, plan, changed: false };
  }
  const users = input.connections.filter(
    (c) => c.destination.type === 's3' && c.destination.roleArn?.endsWith(`:role/${roleName}`),
  );
  if (users.length > 0)
    throw new FerryError(
      'conflict',
      `There was no role ${roleName} before backup ${entry.id}: Ferry created it. It is not deleted, because ${users.map((c) => `"${c.name}"`).join(', ')} export${users.length === 1 ? 's' : ''} as it. Change or delete ${users.length === 1 ? 'that connection' : 'those connections'} first.`,
    );
  const iam = await iamSdk();
  const inline = (
    await clients.iam.send(new iam.ListRolePoliciesCommand({ RoleName: roleName }))
  ).PolicyNames?.filter((n) => n !== ROLE_POLICY_NAME);
  const attached = (
    await clients.iam.send(new iam.ListAttachedRolePoliciesCommand({ RoleName: roleName }))
  ).AttachedPolicies?.map((p) => p.PolicyName ?? p.PolicyArn ?? '?');
  const foreignTrust = (JSON.parse(trust) as { Statement: { Sid?: string }[] }).Statement.filter(
    (s) => s.Sid !== TRUST_SID,
  ).map((s) => s.Sid ?? '(no Sid)');
  const others = [
    ...(inline ?? []).map((n) => `inline policy ${n}`),
    ...(attached ?? []).map((n) => `attached policy ${n}`),
    ...foreignTrust.map((s) => `trust statement ${s}`),
  ];
  if (others.length > 0)
    throw new FerryError(
      'conflict',
      `There was no role ${roleName} before backup ${entry.id}: Ferry created it. It is not deleted, because it now holds what Ferry did not put there: ${others.join(', ')}. Remove those in the IAM console first, or keep the role.`,
    );
  // Kept first, both parts: restoring these backups re-creates nothing, but says what it was.
  const replaced = await input.keep('role-trust', roleName, trust);
  if (permissions !== null) await input.keep('role-policy', roleName, permissions);
  await clients.iam
    .send(new iam.DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: ROLE_POLICY_NAME }))
    .catch((error: Error) => {
      if (error.name !== 'NoSuchEntityException' && error.name !== 'NoSuchEntity') throw error;
    });
  await clients.iam.send(new iam.DeleteRoleCommand({ RoleName: roleName }));
  return { replaced, plan, changed: true, roleDeleted: roleName };
}

/**
 * A restore that removes statements not Ferry's (the owner's, a colleague's) goes ahead only
 * when the admin typed the resource's name: refused before anything is written, naming them.
 */
function requireConfirmation(entry: Backup, plan: RestorePlan, confirm: string | undefined): void {
  const foreign = foreignRemovals(plan);
  const word = confirmationWord(entry);
  if (foreign.length === 0 || confirm?.trim() === word) return;
  throw new FerryError(
    'validation',
    `This restore removes ${foreign.length === 1 ? 'a statement' : `${foreign.length} statements`} that ${foreign.length === 1 ? 'is' : 'are'} not Ferry's: ${foreign.map((n) => n.label).join(', ')}. Type the name "${word}" to confirm.`,
    'confirmName',
  );
}
