import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import {
  bucketPolicy,
  defaultKeyPolicy,
  exportRoleArn,
  kmsKeyStatement,
  mergePolicy,
  rolePermissionsPolicy,
  type ExportTarget,
  type PolicyDocument,
} from '../../../shared/aws/policies';

// The evaluator is AGPL-3.0 and used here only, to prove the documents offline (DESIGN.md §6).
const EXPORTING = '111122223333';
const BUCKET_OWNER = '444455556666';
const KEY_ARN = `arn:aws:kms:us-east-1:${BUCKET_OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const target: ExportTarget = {
  bucket: 'acme-export',
  prefix: 'amplitude/',
  projectId: 187520,
  exportingAccount: EXPORTING,
  kmsKeyArn: KEY_ARN,
};
const ADMIN = `arn:aws:iam::${EXPORTING}:user/data-admin`;
const ADMIN_POLICY: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'AdminS3', Effect: 'Allow', Action: ['s3:*', 'kms:*'], Resource: '*' }],
};

async function decide(
  principal: string,
  action: string,
  resource: string,
  identity: PolicyDocument,
  resourcePolicy: PolicyDocument,
  context: Record<string, string> = {},
  resourceAccount = BUCKET_OWNER,
) {
  const simulation: Simulation = {
    identityPolicies: [{ name: 'identity', policy: identity }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy,
    request: {
      principal,
      action,
      resource: { resource, accountId: resourceAccount },
      contextVariables: context,
    },
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

const object = (key: string) => `arn:aws:s3:::acme-export/${key}`;
const BUCKET = 'arn:aws:s3:::acme-export';

describe('generated policies, evaluated offline', () => {
  describe('current form: a per-project role', () => {
    const role = exportRoleArn(target);
    const identity = rolePermissionsPolicy(target);
    const bucket = bucketPolicy(target, 'role');

    it.each(['s3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'])(
      'allows the role %s on the prefix',
      async (action) => {
        expect(
          await decide(
            role,
            action,
            object('amplitude/187520_2020-01-25_5#1.json.gz'),
            identity,
            bucket,
          ),
        ).toBe('Allowed');
      },
    );

    it('allows listing the prefix and finding the bucket region', async () => {
      expect(
        await decide(role, 's3:ListBucket', BUCKET, identity, bucket, {
          's3:prefix': 'amplitude/187520_2020-01-25_5#',
        }),
      ).toBe('Allowed');
      expect(await decide(role, 's3:ListBucketMultipartUploads', BUCKET, identity, bucket)).toBe(
        'Allowed',
      );
      expect(await decide(role, 's3:GetBucketLocation', BUCKET, identity, bucket)).toBe('Allowed');
    });

    it.each([
      ['s3:GetObject', object('amplitude/x.json.gz'), {}],
      ['s3:PutObject', object('elsewhere/x.json.gz'), {}],
      ['s3:DeleteObject', object('other-team/data.csv'), {}],
      ['s3:ListBucket', BUCKET, { 's3:prefix': 'other-team/' }],
      ['s3:PutBucketPolicy', BUCKET, {}],
      ['s3:DeleteBucket', BUCKET, {}],
    ] as const)('denies the role %s on %s', async (action, resource, context) => {
      expect(await decide(role, action, resource, identity, bucket, context)).not.toBe('Allowed');
    });

    it('does not let the admin (or anyone else) write through the role-form bucket policy', async () => {
      expect(
        await decide(ADMIN, 's3:PutObject', object('amplitude/x.json.gz'), ADMIN_POLICY, bucket),
      ).not.toBe('Allowed');
    });

    it('lets the role use the KMS key for exactly what an export needs', async () => {
      const keyPolicy = mergePolicy(defaultKeyPolicy(BUCKET_OWNER), [kmsKeyStatement(target)]);
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt', 'kms:DescribeKey'])
        expect(await decide(role, action, KEY_ARN, identity, keyPolicy), action).toBe('Allowed');
      for (const action of ['kms:Encrypt', 'kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy'])
        expect(await decide(role, action, KEY_ARN, identity, keyPolicy), action).not.toBe(
          'Allowed',
        );
    });
  });

  describe('legacy form: the exporting account', () => {
    const bucket = bucketPolicy(target, 'legacy');
    it('allows an identity of the exporting account that its own policy lets write', async () => {
      expect(
        await decide(ADMIN, 's3:PutObject', object('amplitude/x.json.gz'), ADMIN_POLICY, bucket),
      ).toBe('Allowed');
      expect(
        await decide(ADMIN, 's3:ListBucket', BUCKET, ADMIN_POLICY, bucket, {
          's3:prefix': 'amplitude/',
        }),
      ).toBe('Allowed');
    });
    it('still grants nothing beyond the export', async () => {
      expect(
        await decide(ADMIN, 's3:GetObject', object('amplitude/x.json.gz'), ADMIN_POLICY, bucket),
      ).not.toBe('Allowed');
      expect(
        await decide(ADMIN, 's3:PutObject', object('elsewhere/x'), ADMIN_POLICY, bucket),
      ).not.toBe('Allowed');
    });
    it('grants another account nothing', async () => {
      const stranger = 'arn:aws:iam::999999999999:user/someone';
      expect(
        await decide(stranger, 's3:PutObject', object('amplitude/x.json.gz'), ADMIN_POLICY, bucket),
      ).not.toBe('Allowed');
    });
  });

  it('merges into an existing bucket policy without dropping the owner’s statements, and replaces its own', () => {
    const owner: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecure',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: BUCKET,
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    };
    const once = mergePolicy(owner, bucketPolicy(target, 'legacy').Statement);
    const twice = mergePolicy(once, bucketPolicy(target, 'role').Statement);
    expect(twice.Statement[0]).toEqual(owner.Statement[0]);
    expect(twice.Statement).toHaveLength(1 + bucketPolicy(target, 'role').Statement.length);
    expect(JSON.stringify(twice)).toContain(exportRoleArn(target));
    expect(JSON.stringify(twice)).not.toContain(`${EXPORTING}:root`);
  });
});
