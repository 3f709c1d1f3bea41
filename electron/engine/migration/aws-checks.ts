/**
 * The AWS calls only a KMS migration makes: its prerequisite checks, a picked key's state, the
 * objects of the first export read back, and what a rollback removes (the role it created, the
 * key it created). Everything else goes through AwsSetup, which backs up what it changes.
 */
import { exportRoleName } from '../../../shared/aws/policies';
import type { MigrationCheck } from '../../../shared/model/migration';
import type { AwsTarget, SetupClients } from '../aws/clients';
import { classifyError } from '../jobs/errors';
import { iamSdk, kmsSdk, s3Sdk } from '../aws/sdk';

/** The export role's inline policy name (AwsSetup writes it). */
const ROLE_POLICY_NAME = 'ferry-export';

/** What the migration changes, and the IAM actions each change needs. */
const WRITE_ACTIONS = [
  's3:PutBucketPolicy',
  's3:PutEncryptionConfiguration',
  'kms:CreateKey',
  'kms:PutKeyPolicy',
  'iam:CreateRole',
  'iam:PutRolePolicy',
] as const;

const NOT_FOUND = new Set([
  'NoSuchBucketPolicy',
  'ServerSideEncryptionConfigurationNotFoundError',
  'NoSuchEntity',
  'NoSuchEntityException',
]);

/**
 * Step 1: read what the migration will change (a "not there yet" answer is a pass), then ask IAM
 * whether the caller may change it. An answer IAM can not give (a simulator refused or missing,
 * as on S3-compatible stores) is `unknown`, said as such: the step that needs it will tell.
 */
export async function prerequisites(
  clients: SetupClients,
  target: { bucket: string; projectId: number; kmsKeyArn?: string | null },
  callerArn: string,
): Promise<MigrationCheck[]> {
  const s3 = await s3Sdk();
  const iam = await iamSdk();
  const kms = await kmsSdk();
  const checks: MigrationCheck[] = [];
  const read = async (label: string, action: string, call: () => Promise<unknown>) => {
    try {
      await call();
      checks.push({ label, status: 'passed', detail: `${action} answered.` });
    } catch (error) {
      const problem = classifyError(error);
      if (NOT_FOUND.has(problem.code ?? (error as Error).name))
        checks.push({ label, status: 'passed', detail: `${action} answered: none yet.` });
      else
        checks.push({
          label,
          status: 'failed',
          detail: `${action} failed: ${problem.message}${problem.fix ? ` ${problem.fix}` : ''}`,
        });
    }
  };
  await read('Read the bucket policy', 's3:GetBucketPolicy', () =>
    clients.s3.send(new s3.GetBucketPolicyCommand({ Bucket: target.bucket })),
  );
  await read('Read the bucket’s default encryption', 's3:GetEncryptionConfiguration', () =>
    clients.s3.send(new s3.GetBucketEncryptionCommand({ Bucket: target.bucket })),
  );
  await read(`Read the export role ${exportRoleName(target.projectId)}`, 'iam:GetRole', () =>
    clients.iam.send(new iam.GetRoleCommand({ RoleName: exportRoleName(target.projectId) })),
  );
  await read('List KMS keys', 'kms:ListKeys', () =>
    clients.kms.send(new kms.ListKeysCommand({ Limit: 1 })),
  );

  // Whether the caller may change them: IAM's policy simulator, as the caller's own principal.
  const principal = principalArn(callerArn);
  try {
    const out = await clients.iam.send(
      new iam.SimulatePrincipalPolicyCommand({
        PolicySourceArn: principal,
        ActionNames: [...WRITE_ACTIONS],
      }),
    );
    for (const result of out.EvaluationResults ?? [])
      checks.push({
        label: `May ${result.EvalActionName}`,
        status: result.EvalDecision === 'allowed' ? 'passed' : 'failed',
        detail:
          result.EvalDecision === 'allowed'
            ? `IAM allows ${result.EvalActionName} for ${principal}.`
            : `IAM says ${result.EvalDecision} for ${result.EvalActionName} (${principal}): grant it, or have an administrator do the steps that need it.`,
      });
  } catch (error) {
    checks.push({
      label: 'May change the bucket policy, encryption, KMS keys and IAM roles',
      status: 'unknown',
      detail: `IAM's policy simulator did not answer (${classifyError(error).message}), so Ferry can not tell without changing something. Each step that changes ${WRITE_ACTIONS.join(', ')} says so if it is refused, and rollback puts back what was done.`,
    });
  }
  return checks;
}

/** The principal IAM simulates for an identity: an assumed role's session is its role. */
export function principalArn(callerArn: string): string {
  const assumed = /^arn:([^:]+):sts::(\d+):assumed-role\/([^/]+)\//.exec(callerArn);
  return assumed ? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}` : callerArn;
}

/** A key the admin picked: it must exist, be enabled and be in the bucket's Region. */
export async function checkKey(
  clients: SetupClients,
  keyArn: string,
  bucketRegion: string,
): Promise<string> {
  const keyRegion = keyArn.split(':')[3];
  if (keyRegion !== bucketRegion)
    throw new Error(
      `The key is in ${keyRegion} and the bucket in ${bucketRegion}: S3 encrypts only with a key in the bucket’s Region. Create or pick a key in ${bucketRegion}.`,
    );
  const { DescribeKeyCommand } = await kmsSdk();
  const out = await clients.kms.send(new DescribeKeyCommand({ KeyId: keyArn }));
  const meta = out.KeyMetadata;
  if (meta?.KeyState !== 'Enabled')
    throw new Error(`The key is ${meta?.KeyState ?? 'in an unknown state'}: it must be Enabled.`);
  if (meta.KeySpec && meta.KeySpec !== 'SYMMETRIC_DEFAULT')
    throw new Error(`The key is ${meta.KeySpec}: S3 encrypts only with a symmetric key.`);
  return meta.Arn ?? keyArn;
}

/** The key description a migration creates its key with: how a lost answer finds it again. */
export function migrationKeyDescription(projectId: number, migrationId: string): string {
  return `Ferry exports of project ${projectId} (KMS migration ${migrationId})`;
}

/** A key with this description that is not being deleted (the first 1,000 keys looked at). */
export async function findKeyByDescription(
  clients: SetupClients,
  description: string,
): Promise<string | null> {
  const { DescribeKeyCommand, ListKeysCommand } = await kmsSdk();
  let marker: string | undefined;
  for (let page = 0; page < 10; page++) {
    const out = await clients.kms.send(new ListKeysCommand({ Limit: 100, Marker: marker }));
    for (const key of out.Keys ?? []) {
      const meta = (await clients.kms.send(new DescribeKeyCommand({ KeyId: key.KeyId! })))
        .KeyMetadata;
      if (meta?.Description === description && meta.KeyState === 'Enabled') return meta.Arn!;
    }
    if (!out.Truncated) break;
    marker = out.NextMarker;
  }
  return null;
}

/** Read objects back (HeadObject): how S3 says they are encrypted. */
export async function readBack(
  clients: SetupClients,
  bucket: string,
  keys: string[],
): Promise<
  { key: string; size: number; serverSideEncryption: string | null; kmsKeyId: string | null }[]
> {
  const { HeadObjectCommand } = await s3Sdk();
  const out = [];
  for (const key of keys) {
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    out.push({
      key,
      size: head.ContentLength ?? 0,
      serverSideEncryption: head.ServerSideEncryption ?? null,
      kmsKeyId: head.SSEKMSKeyId ?? null,
    });
  }
  return out;
}

/** True when a key id S3 reports (an ARN or a bare key id) is the key. */
export function sameKey(reported: string | null, keyArn: string): boolean {
  if (!reported) return false;
  return reported === keyArn || keyArn.endsWith(`:key/${reported.replace(/^.*:key\//, '')}`);
}

/** Remove the export role a migration created: its inline policy, then the role. */
export async function removeRole(clients: SetupClients, projectId: number): Promise<void> {
  const { DeleteRoleCommand, DeleteRolePolicyCommand } = await iamSdk();
  const RoleName = exportRoleName(projectId);
  await clients.iam
    .send(new DeleteRolePolicyCommand({ RoleName, PolicyName: ROLE_POLICY_NAME }))
    .catch((error: Error) => {
      if (!NOT_FOUND.has(error.name)) throw error;
    });
  await clients.iam.send(new DeleteRoleCommand({ RoleName })).catch((error: Error) => {
    if (!NOT_FOUND.has(error.name)) throw error;
  });
}

/** Schedule a key's deletion after AWS's shortest wait (7 days); returns the date. */
export async function scheduleKeyDeletion(clients: SetupClients, keyArn: string): Promise<string> {
  const { ScheduleKeyDeletionCommand } = await kmsSdk();
  const out = await clients.kms.send(
    // The key's id: AWS takes an ARN too, S3-compatible test servers only the id.
    new ScheduleKeyDeletionCommand({
      KeyId: keyArn.replace(/^.*:key\//, ''),
      PendingWindowInDays: 7,
    }),
  );
  return out.DeletionDate?.toISOString().slice(0, 10) ?? 'in 7 days';
}

export type { AwsTarget };
