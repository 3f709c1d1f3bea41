import { formatPolicy } from '../../../shared/aws/policies';
import type { Backup } from '../../../shared/model/settings';
import type { SetupClients } from './clients';
import { glueTableNow, writeGlueTable } from './glue-docs';
import { iamSdk, kmsSdk, s3Sdk } from './sdk';

/** The export role's inline policy: every connection of the project has its statements in it. */
export const ROLE_POLICY_NAME = 'ferry-export';

/**
 * One policy document as it lives in AWS — a bucket policy, the bucket's default encryption, a
 * key policy, an IAM role's trust or inline policy — read and written as text, the way backups
 * keep it. `write(null)` removes the document where AWS allows that (a key policy and a role's
 * trust policy can not be removed: writing null leaves them as they are).
 */
export interface LiveDocument {
  readonly kind: Backup['kind'];
  /** `s3://bucket`, the key ARN, the role name: what backups call it. */
  readonly target: string;
  read(): Promise<string | null>;
  write(document: string | null): Promise<void>;
}

/** The live document of a kind at a target (as a backup names them). */
export function liveDocument(
  clients: SetupClients,
  kind: Backup['kind'],
  target: string,
): LiveDocument {
  const bucket = target.replace(/^s3:\/\//, '');
  const doc = (read: LiveDocument['read'], write: LiveDocument['write']): LiveDocument => ({
    kind,
    target,
    read,
    write,
  });
  switch (kind) {
    case 'bucket-policy':
      return doc(
        () => bucketPolicyNow(clients, bucket),
        async (document) => {
          const s3 = await s3Sdk();
          if (document === null)
            await clients.s3.send(new s3.DeleteBucketPolicyCommand({ Bucket: bucket }));
          else
            await clients.s3.send(
              new s3.PutBucketPolicyCommand({ Bucket: bucket, Policy: document }),
            );
        },
      );
    case 'bucket-encryption':
      return doc(
        () => encryptionNow(clients, bucket),
        async (document) => {
          const s3 = await s3Sdk();
          if (document === null)
            await clients.s3.send(new s3.DeleteBucketEncryptionCommand({ Bucket: bucket }));
          else
            await clients.s3.send(
              new s3.PutBucketEncryptionCommand({
                Bucket: bucket,
                ServerSideEncryptionConfiguration: JSON.parse(document) as never,
              }),
            );
        },
      );
    case 'key-policy':
      return doc(
        () => keyPolicyNow(clients, target),
        async (document) => {
          // A key always has a policy: none can not be written.
          if (document === null) return;
          const { PutKeyPolicyCommand } = await kmsSdk();
          await clients.kms.send(
            new PutKeyPolicyCommand({ KeyId: target, PolicyName: 'default', Policy: document }),
          );
        },
      );
    case 'role-trust':
      return doc(
        async () => (await roleNow(clients, target)).trust,
        async (document) => {
          if (document === null) return;
          const iam = await iamSdk();
          await clients.iam.send(
            new iam.UpdateAssumeRolePolicyCommand({ RoleName: target, PolicyDocument: document }),
          );
        },
      );
    case 'role-policy':
      return doc(
        async () => (await roleNow(clients, target)).permissions,
        async (document) => {
          const iam = await iamSdk();
          if (document === null)
            await clients.iam
              .send(
                new iam.DeleteRolePolicyCommand({ RoleName: target, PolicyName: ROLE_POLICY_NAME }),
              )
              .catch(() => undefined);
          else
            await clients.iam.send(
              new iam.PutRolePolicyCommand({
                RoleName: target,
                PolicyName: ROLE_POLICY_NAME,
                PolicyDocument: document,
              }),
            );
        },
      );
    case 'glue-table':
      return doc(
        () => glueTableNow(clients, target),
        (document) => writeGlueTable(clients, target, document),
      );
  }
}

export async function bucketPolicyNow(
  clients: SetupClients,
  bucket: string,
): Promise<string | null> {
  const { GetBucketPolicyCommand } = await s3Sdk();
  try {
    return (await clients.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? null;
  } catch (error) {
    if ((error as Error).name === 'NoSuchBucketPolicy') return null;
    throw error;
  }
}

export async function encryptionNow(clients: SetupClients, bucket: string): Promise<string | null> {
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

export async function keyPolicyNow(clients: SetupClients, keyArn: string): Promise<string | null> {
  const { GetKeyPolicyCommand } = await kmsSdk();
  return (
    (await clients.kms.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' })))
      .Policy ?? null
  );
}

/** A role's trust policy and Ferry's inline policy on it; both null when there is no role. */
export async function roleNow(
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
