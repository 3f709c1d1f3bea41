import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { connectionId, connectionIdFrom, newConnectionId } from '../../../shared/model/entities';
import {
  bucketPolicy,
  defaultKeyPolicy,
  exportRoleArn,
  kmsKeyStatements,
  mergePolicy,
  roleTrustPolicy,
  withoutConnection,
  rolePermissionsPolicy,
  type ExportTarget,
  type PolicyDocument,
} from '../../../shared/aws/policies';
import {
  queryEventObjectKey,
  queryMarkerKey,
  queryMarkerPrefix,
} from '../../../shared/model/query-format';

// The evaluator is AGPL-3.0 and used here only, to prove the documents offline (docs/aws-setup.md).
const EXPORTING = '111122223333';
const BUCKET_OWNER = '444455556666';
const KEY_ARN = `arn:aws:kms:us-east-1:${BUCKET_OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const target: ExportTarget = {
  bucket: 'acme-export',
  prefix: 'amplitude/',
  region: 'us-east-1',
  connectionId: 'cn_a1b2c3d4',
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
/** What KMS sees when S3 asks for a data key for an object of the bucket. */
const VIA_S3 = { 'kms:ViaService': 's3.us-east-1.amazonaws.com' };

/**
 * The evaluator drops `kms:EncryptionContext:<key>` from a request (it matches context keys to
 * an action's keys literally, and this one is a pattern), so a statement with that condition can
 * never be allowed there. The KMS decisions below run on the documents without it; the test
 * after them shows what the condition itself holds.
 */
function withoutEncryptionContext(doc: PolicyDocument): PolicyDocument {
  return {
    ...doc,
    Statement: doc.Statement.map((st) => {
      if (!st.Condition?.StringLike) return st;
      const { 'kms:EncryptionContext:aws:s3:arn': _, ...like } = st.Condition.StringLike;
      const Condition = { ...st.Condition, StringLike: like };
      if (Object.keys(like).length === 0) delete (Condition as Record<string, unknown>).StringLike;
      return { ...st, Condition };
    }),
  };
}
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

    it('allows every call the query copy makes, with no permission beyond the export’s', async () => {
      const hour = '2020-01-25T05';
      const file = queryEventObjectKey(target.prefix, 187520, '2020-01-23', hour, 1);
      const marker = queryMarkerKey(file, target.prefix)!;
      for (const [action, key] of [
        ['s3:PutObject', file],
        ['s3:PutObject', marker],
        ['s3:DeleteObject', file],
        ['s3:DeleteObject', marker],
        ['s3:AbortMultipartUpload', file],
      ] as const)
        expect(await decide(role, action, object(key), identity, bucket), key).toBe('Allowed');
      expect(
        await decide(role, 's3:ListBucket', BUCKET, identity, bucket, {
          's3:prefix': queryMarkerPrefix(target.prefix, 187520, hour),
        }),
      ).toBe('Allowed');
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
      const keyPolicy = withoutEncryptionContext(
        mergePolicy(defaultKeyPolicy(BUCKET_OWNER), kmsKeyStatements(target), target),
      );
      const identity = withoutEncryptionContext(rolePermissionsPolicy(target));
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt', 'kms:DescribeKey'])
        expect(await decide(role, action, KEY_ARN, identity, keyPolicy, VIA_S3), action).toBe(
          'Allowed',
        );
      for (const action of ['kms:Encrypt', 'kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy'])
        expect(await decide(role, action, KEY_ARN, identity, keyPolicy), action).not.toBe(
          'Allowed',
        );
    });
  });

  describe('with a query copy: the Glue table', () => {
    const role = exportRoleArn(target);
    const glue = `arn:aws:glue:us-east-1:${EXPORTING}`;
    const own = [
      `${glue}:catalog`,
      `${glue}:database/ferry`,
      `${glue}:table/ferry/amplitude_events_187520`,
      `${glue}:table/ferry/amplitude_merged_ids_187520`,
    ];
    const identity = rolePermissionsPolicy({ ...target, queryTables: ['events', 'merged-ids'] });
    const none: PolicyDocument = { Version: '2012-10-17', Statement: [] };
    const glueDecide = (action: string, resource: string, doc = identity) =>
      decide(role, action, resource, doc, none, {}, EXPORTING);

    it('allows the role glue:GetTable on its table, and glue:GetDatabase on its database', async () => {
      for (const resource of own)
        expect(await glueDecide('glue:GetTable', resource), resource).toBe('Allowed');
      for (const resource of own.slice(0, 2))
        expect(await glueDecide('glue:GetDatabase', resource), resource).toBe('Allowed');
    });

    it.each([
      ['glue:GetTable', `${glue}:table/ferry/amplitude_events_999`],
      ['glue:GetTable', `${glue}:table/ferry/amplitude_merged_ids_999`],
      ['glue:GetTable', `${glue}:table/finance/salaries`],
      ['glue:GetDatabase', `${glue}:database/finance`],
      ['glue:GetTables', `${glue}:database/ferry`],
      ['glue:CreateTable', own[2]!],
      ['glue:UpdateTable', own[2]!],
      ['glue:DeleteTable', own[2]!],
      ['glue:DeleteDatabase', own[1]!],
      ['glue:GetTable', `arn:aws:glue:eu-west-1:${EXPORTING}:table/ferry/amplitude_events_187520`],
    ])('denies the role %s on %s', async (action, resource) => {
      expect(await glueDecide(action, resource)).not.toBe('Allowed');
    });

    it('grants the merged-ID table only to a connection that exports merged IDs', async () => {
      const eventsOnly = rolePermissionsPolicy({ ...target, queryTables: ['events'] });
      expect(await glueDecide('glue:GetTable', own[2]!, eventsOnly)).toBe('Allowed');
      expect(await glueDecide('glue:GetTable', own[3]!, eventsOnly)).not.toBe('Allowed');
    });

    it('grants the JSON table only to a connection that asks for it', async () => {
      const json = `${glue}:table/ferry/amplitude_events_json_187520`;
      const withJson = rolePermissionsPolicy({ ...target, queryTables: ['events', 'json'] });
      expect(await glueDecide('glue:GetTable', json, withJson)).toBe('Allowed');
      expect(await glueDecide('glue:GetTable', json)).not.toBe('Allowed');
      expect(await glueDecide('glue:UpdateTable', json, withJson)).not.toBe('Allowed');
      expect(
        await glueDecide(
          'glue:GetTable',
          `${glue}:table/ferry/amplitude_events_json_999`,
          withJson,
        ),
      ).not.toBe('Allowed');
    });

    it('grants no Glue access to a connection without the copy', async () => {
      expect(await glueDecide('glue:GetTable', own[2]!, rolePermissionsPolicy(target))).not.toBe(
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
    const once = mergePolicy(owner, bucketPolicy(target, 'legacy').Statement, target);
    const twice = mergePolicy(once, bucketPolicy(target, 'role').Statement, target);
    expect(twice.Statement[0]).toEqual(owner.Statement[0]);
    expect(twice.Statement).toHaveLength(1 + bucketPolicy(target, 'role').Statement.length);
    expect(JSON.stringify(twice)).toContain(exportRoleArn(target));
    expect(JSON.stringify(twice)).not.toContain(`${EXPORTING}:root`);
  });

  describe('least privilege: each condition refuses what it should and nothing an export does', () => {
    const kmsTarget: ExportTarget = { ...target };
    const role = exportRoleArn(kmsTarget);
    const identity = rolePermissionsPolicy(kmsTarget);
    const bucket = bucketPolicy(kmsTarget, 'role');
    const key = object('amplitude/187520_2020-01-25_5#1.json.gz');
    const tls = { 'aws:SecureTransport': 'true' };

    it('allows every request an export makes, over TLS', async () => {
      const requests: [string, string, Record<string, string>][] = [
        // PutObject / CreateMultipartUpload with the key named, and a part without a header.
        [
          's3:PutObject',
          key,
          {
            's3:x-amz-server-side-encryption': 'aws:kms',
            's3:x-amz-server-side-encryption-aws-kms-key-id': KEY_ARN,
          },
        ],
        ['s3:PutObject', key, {}],
        ['s3:AbortMultipartUpload', key, {}],
        ['s3:DeleteObject', key, {}],
        ['s3:ListBucket', BUCKET, { 's3:prefix': 'amplitude/' }],
        ['s3:ListBucketMultipartUploads', BUCKET, {}],
        ['s3:GetBucketLocation', BUCKET, {}],
      ];
      for (const [action, resource, context] of requests)
        expect(
          await decide(role, action, resource, identity, bucket, { ...tls, ...context }),
          `${action} ${JSON.stringify(context)}`,
        ).toBe('Allowed');
    });

    it('refuses any request to the export over plain http', async () => {
      for (const [action, resource] of [
        ['s3:PutObject', key],
        ['s3:ListBucket', BUCKET],
      ] as const)
        expect(
          await decide(role, action, resource, identity, bucket, {
            'aws:SecureTransport': 'false',
            's3:prefix': 'amplitude/',
          }),
        ).toBe('ExplicitlyDenied');
    });

    it('leaves the https guard out only for an S3-compatible store reached over http', () => {
      const sidsOf = (t: ExportTarget) => bucketPolicy(t, 'role').Statement.map((st) => st.Sid);
      expect(sidsOf(kmsTarget)).toContain('FerryExporta1b2c3d4DenyInsecure');
      expect(sidsOf({ ...kmsTarget, plainHttp: true })).not.toContain(
        'FerryExporta1b2c3d4DenyInsecure',
      );
    });

    it('refuses an object written unencrypted by KMS or under another key', async () => {
      for (const context of <Record<string, string>[]>[
        { 's3:x-amz-server-side-encryption': 'AES256' },
        {
          's3:x-amz-server-side-encryption': 'aws:kms',
          's3:x-amz-server-side-encryption-aws-kms-key-id': KEY_ARN.replace('1234abcd', 'ffffffff'),
        },
      ])
        expect(
          await decide(role, 's3:PutObject', key, identity, bucket, { ...tls, ...context }),
        ).toBe('ExplicitlyDenied');
    });

    it('lets the key be used only through S3 in the bucket’s Region, for this bucket', async () => {
      const keyPolicy = withoutEncryptionContext(
        mergePolicy(defaultKeyPolicy(BUCKET_OWNER), kmsKeyStatements(kmsTarget), kmsTarget),
      );
      const roleKms = withoutEncryptionContext(identity);
      const use = (context: Record<string, string>) =>
        decide(role, 'kms:GenerateDataKey', KEY_ARN, roleKms, keyPolicy, context);
      expect(await use(VIA_S3)).toBe('Allowed');
      expect(await use({})).not.toBe('Allowed'); // called directly, outside S3
      expect(await use({ ...VIA_S3, 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' })).not.toBe(
        'Allowed',
      );
      expect(await use({ ...VIA_S3, 'kms:ViaService': 's3.eu-west-1.amazonaws.com' })).not.toBe(
        'Allowed',
      );
      // Checking the key's state is a direct call, and stays allowed.
      expect(await decide(role, 'kms:DescribeKey', KEY_ARN, roleKms, keyPolicy)).toBe('Allowed');
    });

    it('ties data keys to this bucket’s objects by their encryption context', () => {
      // S3 asks KMS with the object's ARN as context, or the bucket's with S3 Bucket Key on.
      for (const doc of [
        identity,
        { Version: '2012-10-17', Statement: kmsKeyStatements(kmsTarget) },
      ]) {
        const data = (doc as PolicyDocument).Statement.find((st) => st.Sid.endsWith('Kms'))!;
        expect(data.Action).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
        expect(data.Condition).toEqual({
          StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [BUCKET, `${BUCKET}/amplitude/*`] },
        });
      }
    });
  });

  describe('two connections of one project on one bucket, and an owner', () => {
    const a: ExportTarget = { ...target, connectionId: 'cn_aaaaaaaa', prefix: 'team-a/' };
    const b: ExportTarget = { ...target, connectionId: 'cn_bbbbbbbb', prefix: 'team-b/' };
    const owner: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OwnerReadOnly',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${BUCKET_OWNER}:role/analyst` },
          Action: 's3:GetObject',
          Resource: `${BUCKET}/*`,
        },
      ],
    };

    it('keeps each other’s statements in the bucket policy and the role', async () => {
      const bucketDoc = mergePolicy(
        mergePolicy(owner, bucketPolicy(a, 'role').Statement, a),
        bucketPolicy(b, 'role').Statement,
        b,
      );
      const roleDoc = mergePolicy(rolePermissionsPolicy(a), rolePermissionsPolicy(b).Statement, b);
      expect(bucketDoc.Statement[0]).toEqual(owner.Statement[0]);
      const role = exportRoleArn(a);
      for (const prefix of ['team-a/', 'team-b/'])
        expect(
          await decide(role, 's3:PutObject', object(`${prefix}x.json.gz`), roleDoc, bucketDoc),
          prefix,
        ).toBe('Allowed');
      // Applying A again replaces only A's statements.
      const again = mergePolicy(bucketDoc, bucketPolicy(a, 'role').Statement, a);
      expect(again.Statement.map((s) => s.Sid)).toEqual(
        [...bucketDoc.Statement.map((s) => s.Sid)]
          .filter((sid) => !sid.includes('aaaaaaaa'))
          .concat(bucketPolicy(a, 'role').Statement.map((s) => s.Sid)),
      );
      // Removing A leaves the owner and B exactly as they were.
      const withoutA = withoutConnection(bucketDoc, 'cn_aaaaaaaa')!;
      expect(withoutA.Statement).toEqual(
        bucketDoc.Statement.filter((s) => !s.Sid.startsWith('FerryExportaaaaaaaa')),
      );
      expect(withoutA.Statement[0]).toEqual(owner.Statement[0]);
      expect(withoutConnection(bucketPolicy(a, 'role'), 'cn_aaaaaaaa')).toBeNull();
    });

    it('drops a role statement the connection no longer needs (the Glue read after the copy is off), and no one else’s', () => {
      const withCopy = (t: typeof a) => ({ ...t, queryTables: ['events'] as const });
      const roleDoc = mergePolicy(
        rolePermissionsPolicy(withCopy(a)),
        rolePermissionsPolicy(withCopy(b)).Statement,
        b,
        { whole: true },
      );
      const glueSids = (doc: PolicyDocument) =>
        doc.Statement.map((s) => s.Sid).filter((sid) => sid.endsWith('Glue'));
      expect(glueSids(roleDoc)).toHaveLength(2);
      const off = mergePolicy(roleDoc, rolePermissionsPolicy(a).Statement, a, { whole: true });
      expect(glueSids(off)).toEqual(glueSids(roleDoc).filter((sid) => !sid.includes('aaaaaaaa')));
      expect(off.Statement).toHaveLength(roleDoc.Statement.length - 1);
      // Without `whole` (a bucket policy, written by several steps), it stays.
      expect(glueSids(mergePolicy(roleDoc, rolePermissionsPolicy(a).Statement, a))).toHaveLength(2);
    });

    it('adds the admin to the role’s trust policy and keeps the owner’s statements', () => {
      const existing: PolicyDocument = {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OwnerCIRole',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${EXPORTING}:role/ci` },
            Action: 'sts:AssumeRole',
          },
          {
            Sid: 'FerryAdminAssumesExportRole',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${EXPORTING}:user/first-admin` },
            Action: 'sts:AssumeRole',
          },
        ],
      };
      const merged = roleTrustPolicy(ADMIN, existing);
      expect(merged.Statement[0]).toEqual(existing.Statement[0]);
      expect(merged.Statement[1]!.Principal).toEqual({
        AWS: [`arn:aws:iam::${EXPORTING}:user/first-admin`, ADMIN],
      });
      expect(roleTrustPolicy(ADMIN, merged)).toEqual(merged);
    });

    it('replaces a statement of an older Ferry only when it grants the same resources', () => {
      const old: PolicyDocument = {
        Version: '2012-10-17',
        Statement: [
          { ...bucketPolicy(a, 'role').Statement[0]!, Sid: 'FerryExport187520Write' },
          { ...bucketPolicy(b, 'role').Statement[0]!, Sid: 'FerryExport187521Write' },
        ],
      };
      const merged = mergePolicy(old, bucketPolicy(a, 'role').Statement, a);
      expect(merged.Statement.map((s) => s.Sid)).not.toContain('FerryExport187520Write');
      expect(merged.Statement.map((s) => s.Sid)).toContain('FerryExport187521Write');
    });
  });
});

describe('connection ids and older statement ids', () => {
  it('a stored all-digit connection keeps its grants when another connection of the project applies', () => {
    // cn_12345678 was saved before ids needed a letter; its statements carry the old Sid form.
    const digits: ExportTarget = { ...target, connectionId: 'cn_12345678', projectId: 187520 };
    const other: ExportTarget = { ...target, connectionId: 'cn_bbbbbbbb', projectId: 187520 };
    const written = kmsKeyStatements(digits).map((s) => ({
      ...s,
      Sid: s.Sid.replace('FerryExportCn12345678', 'FerryExport12345678'),
    }));
    const before = mergePolicy(defaultKeyPolicy(BUCKET_OWNER), written);
    const after = mergePolicy(before, kmsKeyStatements(other), other);
    expect(after.Statement.map((s) => s.Sid)).toEqual(
      expect.arrayContaining(['FerryExport12345678Kms', 'FerryExportbbbbbbbbKms']),
    );
    // An older Ferry's statement of this very project (exact Sid, same grant) is replaced.
    const oldLayout = mergePolicy(defaultKeyPolicy(BUCKET_OWNER), [
      { ...kmsKeyStatements(other)[0]!, Sid: 'FerryExport187520Kms' },
    ]);
    expect(
      mergePolicy(oldLayout, kmsKeyStatements(other), other).Statement.map((s) => s.Sid),
    ).not.toContain('FerryExport187520Kms');
    // Its own apply writes the marked form and replaces the unmarked one; deleting it removes both.
    const own = mergePolicy(before, kmsKeyStatements(digits), digits);
    const sids = own.Statement.map((s) => s.Sid);
    expect(sids).toContain('FerryExportCn12345678Kms');
    expect(sids).not.toContain('FerryExport12345678Kms');
    expect(
      withoutConnection(mergePolicy(own, written), 'cn_12345678')?.Statement.map((s) => s.Sid),
    ).toEqual(defaultKeyPolicy(BUCKET_OWNER).Statement.map((s) => s.Sid));
  });

  it('a new connection id always has a letter: never read as an older FerryExport<project>Kms', () => {
    const digits = new Uint8Array(8).fill(26); // every byte picks a digit from the alphabet
    expect(connectionIdFrom(digits)).toMatch(/^cn_[a-z][a-z0-9]{7}$/);
    for (let b = 0; b < 256; b++)
      expect(connectionIdFrom(new Uint8Array(8).fill(b))).toMatch(/^cn_[a-z]/);
    expect(newConnectionId.safeParse('cn_12345678').success).toBe(false);
    expect(newConnectionId.safeParse('cn_1234567a').success).toBe(true);
    // Stored ones still load: a data folder saved before opens.
    expect(connectionId.safeParse('cn_12345678').success).toBe(true);
  });
});
