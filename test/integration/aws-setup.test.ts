import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  PutBucketPolicyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetKeyPolicyCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine';
import { listProfiles, resolveCredentials } from '../../electron/engine/aws/profiles';
import type { SetupTargetInput } from '../../shared/model/aws';
import { startMoto, TEST_CONFIG, TEST_CREDENTIALS, TEST_PROFILE, type Moto } from '../support/moto';
import { useTempDirs } from '../support/temp';

const newDir = useTempDirs();
const BUCKET = 'ferry-setup-test';
let moto: Moto;
let s3: S3Client;
const savedEnv = { ...process.env };

beforeAll(async () => {
  moto = await startMoto();
  s3 = moto.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 60_000);
afterAll(async () => {
  process.env = savedEnv;
  await moto?.stop();
});

/** Temp AWS config files with the profiles a test needs; the SDK reads them from the env. */
async function useProfiles(config: string, credentials: string): Promise<void> {
  const dir = await newDir();
  await writeFile(join(dir, 'config'), config);
  await writeFile(join(dir, 'credentials'), credentials);
  Object.assign(process.env, {
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    AWS_ENDPOINT_URL_STS: moto.endpoint,
  });
}

async function engine(): Promise<Engine> {
  return createEngine({ dataDir: await newDir(), transport: 'cli', role: 'test', seedDemo: false });
}

const target = (extra: Partial<SetupTargetInput> = {}): SetupTargetInput => ({
  connectionId: 'cn_aaaaaaaa',
  profile: TEST_PROFILE,
  region: 'us-east-1',
  endpoint: moto.endpoint,
  forcePathStyle: true,
  bucket: BUCKET,
  prefix: 'amplitude/',
  projectId: 187520,
  ...extra,
});

describe('AWS profiles', () => {
  it('lists static, assume-role and credential_process profiles and resolves each', async () => {
    const dir = await newDir();
    const good = join(dir, 'good.sh');
    await writeFile(
      good,
      '#!/bin/sh\necho \'{"Version": 1, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "process-secret"}\'\n',
    );
    await chmod(good, 0o755);
    await useProfiles(
      `${TEST_CONFIG}\n[profile chain]\nrole_arn = arn:aws:iam::123456789012:role/ferry-chain\nsource_profile = ${TEST_PROFILE}\nregion = eu-west-1\n\n[profile process]\ncredential_process = ${good}\n\n[profile empty]\nregion = us-west-2\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n\n[services local]\ns3 =\n  endpoint_url = http://127.0.0.1:9000\n`,
      TEST_CREDENTIALS,
    );
    const profiles = await listProfiles();
    expect(profiles.map((p) => [p.name, p.kind, p.region])).toEqual([
      ['chain', 'assume-role', 'eu-west-1'],
      ['empty', 'incomplete', 'us-west-2'],
      [TEST_PROFILE, 'static', 'us-east-1'],
      ['process', 'process', null],
      // An SSO session and a services block are sections, not profiles.
      ['sso', 'sso', null],
    ]);
    expect((await resolveCredentials('process')).accessKeyId).toBe('AKIAPROCESS');
    const chained = await resolveCredentials('chain');
    expect(chained.accessKeyId).not.toBe('AKIAFERRYTEST'); // temporary credentials from STS AssumeRole

    const e = await engine();
    try {
      const me = await e.call('aws.identity', {
        profile: 'chain',
        region: 'us-east-1',
        endpoint: moto.endpoint,
      });
      expect(me.arn).toMatch(/assumed-role\/ferry-chain/);
    } finally {
      await e.close();
    }
  });

  it('explains each way credentials fail, with the fix', async () => {
    const dir = await newDir();
    const hang = join(dir, 'hang.sh');
    const junk = join(dir, 'junk.sh');
    await writeFile(hang, '#!/bin/sh\nsleep 30\n');
    await writeFile(junk, '#!/bin/sh\necho this is not json\n');
    const failing = join(dir, 'failing.sh');
    await writeFile(failing, '#!/bin/sh\necho no >&2\nexit 3\n');
    await chmod(failing, 0o755);
    await chmod(hang, 0o755);
    await chmod(junk, 0o755);
    await useProfiles(
      `[profile hang]\ncredential_process = ${hang}\n\n[profile junk]\ncredential_process = ${junk}\n\n[profile failing]\ncredential_process = ${failing} --token Tok3n-in-argv\n\n[profile sso]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = Admin\n\n[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/needs-mfa\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n`,
      `[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = base\n`,
    );
    await expect(resolveCredentials('nope')).rejects.toThrow(/There is no AWS profile "nope"/);
    await expect(resolveCredentials('hang', { timeoutMs: 500 })).rejects.toThrow(
      /did not give credentials within 1 s \(its credential_process is still running\)/,
    );
    await expect(resolveCredentials('junk')).rejects.toThrow(
      /credential_process of profile "junk" failed.*Version 1, AccessKeyId and SecretAccessKey/,
    );
    // A token given to the command as an argument is never repeated.
    const failed = await resolveCredentials('failing').catch((error: Error) => error.message);
    expect(failed).toMatch(/credential_process of profile "failing" failed \(the command exited/);
    expect(failed).not.toContain('Tok3n-in-argv');
    await expect(resolveCredentials('sso')).rejects.toThrow(/aws sso login --profile sso/);
    await expect(resolveCredentials('mfa')).rejects.toMatchObject({ field: 'mfaCode' });
  });
});

describe('policies: apply with backup, and restore', () => {
  it('backs up the bucket policy it replaces, merges, and restores the original byte for byte', async () => {
    await useProfiles(TEST_CONFIG, TEST_CREDENTIALS);
    const original =
      '{"Version":"2012-10-17","Statement":[{"Sid":"OwnerReads","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::ferry-setup-test/*"}]}';
    await s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: original }));
    const e = await engine();
    try {
      const plan = await e.call('aws.plan', { target: target(), form: 'legacy' });
      const proposal = plan.proposals.find((p) => p.kind === 'bucket-policy')!;
      expect(proposal.current).toBe(original);
      expect(JSON.parse(proposal.proposed).Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
        'OwnerReads',
        'FerryExportaaaaaaaaWrite',
        'FerryExportaaaaaaaaList',
        'FerryExportaaaaaaaaBucket',
      ]);

      const { backups } = await e.call('aws.apply', {
        target: target(),
        form: 'legacy',
        step: 'bucket-policy',
        connectionId: null,
      });
      const applied = (await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy!;
      expect(JSON.parse(applied).Statement).toHaveLength(4);
      const saved = JSON.parse(
        await readFile(join(e.dataDir, 'backups', backups[0]!.file), 'utf8'),
      ) as { document: string };
      expect(saved.document).toBe(original);
      expect(await e.call('backups.list')).toMatchObject([
        { id: backups[0]!.id, kind: 'bucket-policy', existed: true },
      ]);

      const as = { profile: TEST_PROFILE, region: 'us-east-1', endpoint: moto.endpoint };
      const before = await e.call('backups.compare', { id: backups[0]!.id, as });
      expect([before.kept, before.now]).toEqual([original, applied]);
      const { replaced } = await e.call('backups.restore', { id: backups[0]!.id, as });
      expect((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy).toBe(original);
      // The restore kept what it replaced: restoring that puts Ferry's statements back.
      expect(replaced).toMatchObject({ kind: 'bucket-policy', existed: true });
      expect(replaced.reason).toBe(`before restoring ${backups[0]!.id}`);
      expect((await e.call('backups.show', { id: replaced.id })).document).toBe(applied);
      await e.call('backups.restore', { id: replaced.id, as });
      expect((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy).toBe(applied);
    } finally {
      await e.close();
    }
  });

  it('creates the export role, a KMS key with its statement, and bucket encryption — each backed up', async () => {
    await useProfiles(TEST_CONFIG, TEST_CREDENTIALS);
    const e = await engine();
    try {
      const { keyArn } = await e.call('aws.createKey', { target: target(), form: 'role' });
      expect(keyArn).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\//);
      const withKey = target({ kmsKeyArn: keyArn, sse: 'aws:kms' });
      const role = await e.call('aws.apply', {
        target: withKey,
        form: 'role',
        step: 'role',
        connectionId: null,
      });
      expect(role.backups.map((b) => [b.kind, b.existed])).toEqual([
        ['role-trust', false],
        ['role-policy', false],
      ]);
      const key = await e.call('aws.apply', {
        target: withKey,
        form: 'role',
        step: 'key-policy',
        connectionId: null,
      });
      expect(
        JSON.parse(key.applied[0]!.proposed).Statement.map((s: { Sid: string }) => s.Sid),
      ).toContain('FerryExportaaaaaaaaKms');
      const encryption = await e.call('aws.apply', {
        target: withKey,
        form: 'role',
        step: 'bucket-encryption',
        connectionId: null,
      });
      expect(JSON.parse(encryption.applied[0]!.proposed)).toMatchObject({
        Rules: [{ BucketKeyEnabled: true }],
      });
      const plan = await e.call('aws.plan', { target: withKey, form: 'role' });
      for (const p of plan.proposals) expect(p.current, p.kind).not.toBeNull();

      // Exports in the role form assume ferry-export-<project> and write with the key.
      await e.call('orgs.create', { id: 123, name: 'Acme' });
      await e.call('projects.create', {
        id: 187520,
        orgId: 123,
        name: 'Web',
        source: { type: 'demo', eventsPerHour: 200 },
      });
      const connection = await e.call('connections.create', {
        name: 'as-role',
        projectId: 187520,
        destination: {
          type: 's3',
          bucket: BUCKET,
          region: 'us-east-1',
          prefix: 'role-form/',
          profile: TEST_PROFILE,
          endpoint: moto.endpoint,
          forcePathStyle: true,
          kmsKeyArn: keyArn,
          roleArn: `arn:aws:iam::${plan.identity.account}:role/ferry-export-187520`,
        },
      });
      const job = (
        await e.exports.runHour(connection.id, '2020-01-25T05', ['events'], 'manual')
      )[0]!;
      expect(job).toMatchObject({
        status: 'succeeded',
        objects: [{ key: 'role-form/187520_2020-01-25_5#1.json.gz' }],
      });
    } finally {
      await e.close();
    }
  });

  it('says a KMS key of another Region can not work, before asking AWS', async () => {
    await useProfiles(TEST_CONFIG, TEST_CREDENTIALS);
    const e = await engine();
    try {
      const elsewhere = target({
        kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        sse: 'aws:kms',
      });
      for (const method of ['aws.plan', 'aws.verify'] as const)
        expect(await e.dispatch(method, { target: elsewhere, form: 'role' })).toMatchObject({
          ok: false,
          error: {
            code: 'validation',
            field: 'kmsKeyArn',
            message: expect.stringMatching(
              /^The KMS key is in eu-west-1, but the bucket is in us-east-1/,
            ),
          },
        });
    } finally {
      await e.close();
    }
  });

  it('verifies full access with green probes, and finds a wrong region', async () => {
    await useProfiles(TEST_CONFIG, TEST_CREDENTIALS);
    const e = await engine();
    try {
      const report = await e.call('aws.verify', { target: target(), form: 'legacy' });
      expect(report.probes.map((p) => [p.id, p.status])).toEqual([
        ['location', 'passed'],
        ['list', 'passed'],
        ['uploads', 'passed'],
        ['put', 'passed'],
        ['multipart', 'passed'],
        ['abort', 'passed'],
        ['delete', 'passed'],
      ]);
      expect(report.ok).toBe(true);
      const wrong = await e.call('aws.verify', {
        target: target({ region: 'eu-west-1' }),
        form: 'legacy',
      });
      expect(wrong.probes[0]).toMatchObject({
        status: 'warning',
        fix: "Set the connection's region to us-east-1.",
      });
      expect(wrong.bucketRegion).toBe('us-east-1');
    } finally {
      await e.close();
    }
  });
});

/** A role trust policy as its owner wrote it: their CI role may assume it. */
const OWNER_TRUST = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'OwnerCIRole',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:role/ci' },
      Action: 'sts:AssumeRole',
    },
  ],
};

describe('policies: two connections on one bucket, and the owner', () => {
  const SHARED = 'ferry-shared-bucket';
  const ownerBucket =
    '{"Version":"2012-10-17","Statement":[{"Sid":"OwnerReads","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::ferry-shared-bucket/*"}]}';
  const sids = (doc: string) =>
    (JSON.parse(doc) as { Statement: { Sid: string }[] }).Statement.map((st) => st.Sid);

  it('applying B keeps A’s statements and the owner’s, in the bucket policy, the role and the key; removing A takes exactly A’s', async () => {
    await useProfiles(TEST_CONFIG, TEST_CREDENTIALS);
    await s3.send(new CreateBucketCommand({ Bucket: SHARED }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: SHARED, Policy: ownerBucket }));
    const iam = moto.iam();
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'ferry-export-187530',
        AssumeRolePolicyDocument: JSON.stringify(OWNER_TRUST),
      }),
    );
    const e = await engine();
    try {
      const { keyArn } = await e.call('aws.createKey', {
        target: target({ bucket: SHARED, projectId: 187530 }),
        form: 'role',
      });
      const a = target({
        bucket: SHARED,
        projectId: 187530,
        prefix: 'team-a/',
        kmsKeyArn: keyArn,
        sse: 'aws:kms',
      });
      const b = target({ ...a, connectionId: 'cn_bbbbbbbb', prefix: 'team-b/' });
      for (const t of [a, b])
        for (const step of ['bucket-policy', 'role', 'key-policy'] as const)
          await e.call('aws.apply', {
            target: t,
            form: 'role',
            step,
            connectionId: t.connectionId,
          });

      const bucketDoc = (await s3.send(new GetBucketPolicyCommand({ Bucket: SHARED }))).Policy!;
      expect(sids(bucketDoc)[0]).toBe('OwnerReads');
      for (const who of ['aaaaaaaa', 'bbbbbbbb'])
        // moto is reached over http, so the https-only guard is left out (see policies.test.ts).
        for (const part of ['Write', 'List', 'Bucket', 'DenyOtherEncryption', 'DenyOtherKey'])
          expect(sids(bucketDoc)).toContain(`FerryExport${who}${part}`);
      const role = await iam.send(new GetRoleCommand({ RoleName: 'ferry-export-187530' }));
      const trust = decodeURIComponent(role.Role!.AssumeRolePolicyDocument!);
      expect(sids(trust)).toEqual(['OwnerCIRole', 'FerryAdminAssumesExportRole']);
      const inline = decodeURIComponent(
        (
          await iam.send(
            new GetRolePolicyCommand({
              RoleName: 'ferry-export-187530',
              PolicyName: 'ferry-export',
            }),
          )
        ).PolicyDocument!,
      );
      expect(JSON.parse(inline).Statement.map((st: { Resource: string }) => st.Resource)).toEqual(
        expect.arrayContaining([
          'arn:aws:s3:::ferry-shared-bucket/team-a/*',
          'arn:aws:s3:::ferry-shared-bucket/team-b/*',
        ]),
      );
      const keyDoc = (
        await moto.kms().send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' }))
      ).Policy!;
      expect(sids(keyDoc)).toEqual(
        expect.arrayContaining(['FerryExportaaaaaaaaKms', 'FerryExportbbbbbbbbKms']),
      );

      // Deleting A offers to take out its statements: exactly those go, each document backed up.
      const removed = await e.call('aws.unapply', { target: a, form: 'role' });
      expect(removed.changed.map((c) => c.kind)).toEqual([
        'bucket-policy',
        'role-policy',
        'key-policy',
      ]);
      expect(removed.backups).toHaveLength(3);
      const after = (await s3.send(new GetBucketPolicyCommand({ Bucket: SHARED }))).Policy!;
      expect(sids(after)).toEqual(sids(bucketDoc).filter((sid) => !sid.includes('aaaaaaaa')));
      const backup = JSON.parse(
        await readFile(join(e.dataDir, 'backups', removed.backups[0]!.file), 'utf8'),
      ) as { document: string };
      expect(backup.document).toBe(bucketDoc);

      // B moved back to the legacy form: its statements in the role's policy are still found.
      const legacy = await e.call('aws.unapply', { target: b, form: 'legacy' });
      expect(legacy.changed.map((c) => c.kind)).toEqual([
        'bucket-policy',
        'role-policy',
        'key-policy',
      ]);
      const inlineAfter = await iam
        .send(
          new GetRolePolicyCommand({ RoleName: 'ferry-export-187530', PolicyName: 'ferry-export' }),
        )
        .catch(() => null);
      expect(inlineAfter).toBeNull(); // nothing else was in it: removed, as Ferry found it
    } finally {
      await e.close();
    }
  });
});

describe('a role apply that fails half-way is rolled back', () => {
  let strict: Moto;
  let user: { id: string; secret: string };
  const trustBefore = JSON.stringify(OWNER_TRUST);

  beforeAll(async () => {
    // These five setup calls run before IAM enforcement starts.
    strict = await startMoto({ INITIAL_NO_AUTH_ACTION_COUNT: '5' });
    await strict.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
    const iam = strict.iam();
    await iam.send(new CreateUserCommand({ UserName: 'halfadmin' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'halfadmin',
        PolicyName: 'setup',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              // Everything the role step needs but iam:PutRolePolicy.
              Action: [
                'sts:GetCallerIdentity',
                's3:GetBucketPolicy',
                'iam:GetRole',
                'iam:GetRolePolicy',
                'iam:UpdateAssumeRolePolicy',
              ],
              Resource: '*',
            },
          ],
        }),
      }),
    );
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'halfadmin' }));
    user = { id: key.AccessKey!.AccessKeyId!, secret: key.AccessKey!.SecretAccessKey! };
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'ferry-export-187520',
        AssumeRolePolicyDocument: trustBefore,
      }),
    );
  }, 60_000);
  afterAll(() => strict?.stop());

  it('puts the trust policy back and says what it restored', async () => {
    await useProfiles(
      `[profile halfadmin]\nregion = us-east-1\n`,
      `[halfadmin]\naws_access_key_id = ${user.id}\naws_secret_access_key = ${user.secret}\n`,
    );
    const e = await engine();
    try {
      const t = target({ profile: 'halfadmin', endpoint: strict.endpoint });
      await expect(
        e.call('aws.apply', { target: t, form: 'role', step: 'role', connectionId: null }),
      ).rejects.toThrow(
        /setting the export role's permissions failed, so the role's trust policy was restored from backup bk_\w+; nothing changed\./,
      );
      const iam = new IAMClient({
        region: 'us-east-1',
        endpoint: strict.endpoint,
        credentials: { accessKeyId: user.id, secretAccessKey: user.secret },
      });
      const role = await iam.send(new GetRoleCommand({ RoleName: 'ferry-export-187520' }));
      expect(JSON.parse(decodeURIComponent(role.Role!.AssumeRolePolicyDocument!))).toEqual(
        JSON.parse(trustBefore),
      );
    } finally {
      await e.close();
    }
  });
});

describe('verification against enforced IAM (moto with INITIAL_NO_AUTH_ACTION_COUNT)', () => {
  let strict: Moto;
  const users: Record<string, { id: string; secret: string }> = {};
  const ALL = [
    's3:PutObject',
    's3:AbortMultipartUpload',
    's3:DeleteObject',
    's3:ListBucket',
    's3:ListBucketMultipartUploads',
    's3:GetBucketLocation',
  ];

  beforeAll(async () => {
    // Exactly these setup calls run before IAM enforcement starts.
    strict = await startMoto({ INITIAL_NO_AUTH_ACTION_COUNT: '7' });
    await strict.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
    const iam = new IAMClient({
      region: 'us-east-1',
      endpoint: strict.endpoint,
      credentials: { accessKeyId: 'AKIASETUP', secretAccessKey: 'setup' },
    });
    for (const [name, without] of [
      ['noput', 's3:PutObject'],
      ['nolist', 's3:ListBucket'],
    ] as const) {
      await iam.send(new CreateUserCommand({ UserName: name }));
      await iam.send(
        new PutUserPolicyCommand({
          UserName: name,
          PolicyName: 'export',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: [...ALL.filter((a) => a !== without), 'sts:GetCallerIdentity'],
                Resource: '*',
              },
            ],
          }),
        }),
      );
      const key = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
      users[name] = { id: key.AccessKey!.AccessKeyId!, secret: key.AccessKey!.SecretAccessKey! };
    }
  }, 60_000);
  afterAll(() => strict?.stop());

  it.each([
    ['noput', 'put', 's3:PutObject'],
    ['nolist', 'list', 's3:ListBucket'],
  ] as const)(
    'an identity without a permission (%s) gets a result naming exactly it',
    async (user, probe, permission) => {
      await useProfiles(
        `[profile ${user}]\nregion = us-east-1\n`,
        `[${user}]\naws_access_key_id = ${users[user]!.id}\naws_secret_access_key = ${users[user]!.secret}\n`,
      );
      const e = await engine();
      try {
        // The bucket root: moto's signature check mis-handles an encoded "/" in list prefixes.
        const report = await e.call('aws.verify', {
          target: target({ profile: user, endpoint: strict.endpoint, prefix: '' }),
          form: 'legacy',
        });
        expect(report.ok).toBe(false);
        const failed = report.probes.filter((p) => p.status === 'failed');
        expect(failed[0]).toMatchObject({ id: probe, missingPermission: permission });
        expect(failed[0]!.statement?.Action).toContain(permission);
        expect(new Set(failed.map((p) => p.missingPermission))).toEqual(new Set([permission]));
      } finally {
        await e.close();
      }
    },
  );

  it('an export refused for a permission says which one, with the statement that grants it', async () => {
    await useProfiles(
      `[profile noput]\nregion = us-east-1\n`,
      `[noput]\naws_access_key_id = ${users.noput!.id}\naws_secret_access_key = ${users.noput!.secret}\n`,
    );
    const e = await createEngine({
      dataDir: await newDir(),
      transport: 'cli',
      role: 'test',
      seedDemo: false,
      retry: { attempts: 1, baseMs: 1 },
    });
    try {
      await e.call('orgs.create', { id: 1, name: 'Acme' });
      await e.call('projects.create', {
        id: 7,
        orgId: 1,
        name: 'Web',
        source: { type: 'demo', eventsPerHour: 50 },
      });
      const connection = await e.call('connections.create', {
        name: 'refused',
        projectId: 7,
        destination: {
          type: 's3',
          bucket: BUCKET,
          region: 'us-east-1',
          profile: 'noput',
          endpoint: strict.endpoint,
          forcePathStyle: true,
        },
      });
      const job = (
        await e.exports.runHour(connection.id, '2020-01-25T05', ['events'], 'manual')
      )[0]!;
      expect(job).toMatchObject({
        status: 'failed',
        attempts: 1,
        error: { kind: 'access', code: 's3:PutObject' },
      });
      expect(job.error!.message).toMatch(/^Missing permission s3:PutObject/);
      expect(job.error!.fix).toMatch(
        /Grant s3:PutObject to the identity of profile "noput": \{.*"s3:PutObject".*\}/,
      );
    } finally {
      await e.close();
    }
  });
});

describe('moving an enabled connection', () => {
  it('checks access to the new destination before saving it, unless it is saved disabled', async () => {
    await useProfiles(TEST_CONFIG, TEST_CREDENTIALS);
    const e = await engine();
    try {
      await e.call('orgs.create', { id: 1, name: 'Acme' });
      await e.call('projects.create', { id: 187550, orgId: 1, name: 'Web' });
      const destination = {
        type: 's3' as const,
        bucket: BUCKET,
        region: 'us-east-1',
        prefix: 'moving/',
        profile: TEST_PROFILE,
        endpoint: moto.endpoint,
        forcePathStyle: true,
      };
      const conn = await e.call('connections.create', {
        name: 'moving',
        projectId: 187550,
        destination,
        enabled: true,
      });
      // Another prefix in the same bucket: checked, passes, saved.
      const moved = await e.call('connections.update', {
        id: conn.id,
        destination: { ...destination, prefix: 'moved/' },
      });
      expect(moved.destination).toMatchObject({ prefix: 'moved/' });
      // A bucket that is not there: refused, nothing saved.
      await expect(
        e.call('connections.update', {
          id: conn.id,
          destination: { ...destination, bucket: 'no-such-bucket-to-move-to' },
        }),
      ).rejects.toThrow(/fails its access check, so it was not saved: .*no-such-bucket-to-move-to/);
      expect((await e.call('connections.get', { id: conn.id })).destination).toMatchObject({
        bucket: BUCKET,
      });
      // Saved with hourly exports off: not checked (it is verified before it is enabled again).
      const parked = await e.call('connections.update', {
        id: conn.id,
        enabled: false,
        destination: { ...destination, bucket: 'no-such-bucket-to-move-to' },
      });
      expect(parked).toMatchObject({ enabled: false });
    } finally {
      await e.close();
    }
  });
});

describe('restoring a backup removes only what is Ferry’s to remove', () => {
  const BUCKET2 = 'ferry-restore-bucket';
  const sidsOf = (doc: string | null | undefined) =>
    doc ? (JSON.parse(doc) as { Statement: { Sid?: string }[] }).Statement.map((s) => s.Sid) : [];

  it('"there was none" keeps a colleague’s statement and another connection’s; the whole document only when asked', async () => {
    await useProfiles(TEST_CONFIG, TEST_CREDENTIALS);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET2 }));
    const e = await engine();
    try {
      await e.call('orgs.create', { id: 5, name: 'Acme' });
      await e.call('projects.create', {
        id: 55,
        orgId: 5,
        name: 'Web',
        source: { type: 'demo', eventsPerHour: 10 },
      });
      const destination = (prefix: string) => ({
        type: 's3' as const,
        bucket: BUCKET2,
        region: 'us-east-1',
        prefix,
        profile: TEST_PROFILE,
        endpoint: moto.endpoint,
        forcePathStyle: true,
      });
      for (const [id, name, prefix] of [
        ['cn_cccccccc', 'c-team', 'c/'],
        ['cn_dddddddd', 'd-team', 'd/'],
      ] as const)
        await e.call('connections.create', {
          id,
          name,
          projectId: 55,
          destination: destination(prefix),
          enabled: true,
        });
      const c = target({
        bucket: BUCKET2,
        projectId: 55,
        connectionId: 'cn_cccccccc',
        prefix: 'c/',
      });
      const d = target({ ...c, connectionId: 'cn_dddddddd', prefix: 'd/' });
      const first = await e.call('aws.apply', {
        target: c,
        form: 'legacy',
        step: 'bucket-policy',
        connectionId: 'cn_cccccccc',
      });
      expect(first.backups[0]).toMatchObject({ existed: false, connectionId: 'cn_cccccccc' });
      // A colleague adds a statement; then d-team is set up on the same bucket.
      const withC = (await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET2 }))).Policy!;
      const colleague = {
        Sid: 'ColleagueAnalytics',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::123456789012:root' },
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${BUCKET2}/c/*`,
      };
      const doc = JSON.parse(withC) as { Statement: unknown[] };
      await s3.send(
        new PutBucketPolicyCommand({
          Bucket: BUCKET2,
          Policy: JSON.stringify({ ...doc, Statement: [...doc.Statement, colleague] }),
        }),
      );
      await e.call('aws.apply', {
        target: d,
        form: 'legacy',
        step: 'bucket-policy',
        connectionId: 'cn_dddddddd',
      });

      const as = { profile: TEST_PROFILE, region: 'us-east-1', endpoint: moto.endpoint };
      const id = first.backups[0]!.id;
      const compared = await e.call('backups.compare', { id, as });
      expect(compared.plan.removed.map((n) => [n.label, n.why])).toEqual(
        ['Write', 'List', 'Bucket'].map((part) => [
          `FerryExportcccccccc${part}`,
          'added since for "c-team", which exports with it: it loses this access',
        ]),
      );
      expect(compared.plan.lostIfWhole.map((n) => n.label)).toEqual([
        'ColleagueAnalytics',
        'FerryExportddddddddWrite',
        'FerryExportddddddddList',
        'FerryExportddddddddBucket',
      ]);

      const restored = await e.call('backups.restore', { id, as });
      const now = (await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET2 }))).Policy;
      expect(sidsOf(now)).toEqual([
        'ColleagueAnalytics',
        'FerryExportddddddddWrite',
        'FerryExportddddddddList',
        'FerryExportddddddddBucket',
      ]);
      expect(sidsOf(restored.plan.document)).toEqual(sidsOf(now));

      // Asked for: the whole document as it was — none. It removes a colleague's statement, so
      // it needs the bucket's name typed; refused without it, and nothing changes.
      await expect(e.call('backups.restore', { id, as, whole: true })).rejects.toMatchObject({
        field: 'confirmName',
        message: `This restore removes a statement that is not Ferry's: ColleagueAnalytics. Type the name "${BUCKET2}" to confirm.`,
      });
      await expect(
        e.call('backups.restore', { id, as, whole: true, confirmName: 'other-bucket' }),
      ).rejects.toMatchObject({ field: 'confirmName' });
      expect((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET2 }))).Policy).toBe(now);
      const whole = await e.call('backups.restore', { id, as, whole: true, confirmName: BUCKET2 });
      expect(whole.plan.removed.map((n) => n.label)).toEqual(sidsOf(now));
      await expect(s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET2 }))).rejects.toMatchObject({
        name: 'NoSuchBucketPolicy',
      });
      expect((await e.call('backups.show', { id: whole.replaced.id })).document).toBe(now);
    } finally {
      await e.close();
    }
  });

  it('a role trust backup of "there was none" deletes the role Ferry created — or refuses while a connection uses it', async () => {
    await useProfiles(TEST_CONFIG, TEST_CREDENTIALS);
    const e = await engine();
    const iam = moto.iam();
    try {
      await e.call('orgs.create', { id: 6, name: 'Acme' });
      await e.call('projects.create', {
        id: 66,
        orgId: 6,
        name: 'Web',
        source: { type: 'demo', eventsPerHour: 10 },
      });
      const t = target({ projectId: 66, connectionId: 'cn_eeeeeeee', prefix: 'e/' });
      const applied = await e.call('aws.apply', {
        target: t,
        form: 'role',
        step: 'role',
        connectionId: 'cn_eeeeeeee',
      });
      const trustBackup = applied.backups.find((b) => b.kind === 'role-trust')!;
      expect(trustBackup.existed).toBe(false);
      const identity = await e.call('aws.identity', {
        profile: TEST_PROFILE,
        region: 'us-east-1',
        endpoint: moto.endpoint,
      });
      const conn = await e.call('connections.create', {
        id: 'cn_eeeeeeee',
        name: 'e-team',
        projectId: 66,
        destination: {
          type: 's3',
          bucket: BUCKET,
          region: 'us-east-1',
          prefix: 'e/',
          profile: TEST_PROFILE,
          endpoint: moto.endpoint,
          forcePathStyle: true,
          roleArn: `arn:aws:iam::${identity.account}:role/ferry-export-66`,
        },
      });
      const as = { profile: TEST_PROFILE, region: 'us-east-1', endpoint: moto.endpoint };
      await expect(e.call('backups.restore', { id: trustBackup.id, as })).rejects.toThrow(
        /Ferry created it\. It is not deleted, because "e-team" exports as it/,
      );
      await iam.send(new GetRoleCommand({ RoleName: 'ferry-export-66' })); // still there

      await e.call('connections.update', {
        id: conn.id,
        destination: { ...conn.destination, roleArn: null } as never,
      });
      const done = await e.call('backups.restore', { id: trustBackup.id, as });
      expect(done.roleDeleted).toBe('ferry-export-66');
      await expect(
        iam.send(new GetRoleCommand({ RoleName: 'ferry-export-66' })),
      ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
      // What was deleted is kept: its trust policy is the backup the restore took first.
      expect((await e.call('backups.show', { id: done.replaced.id })).document).toContain(
        'FerryAdminAssumesExportRole',
      );
    } finally {
      await e.close();
    }
  });

  it('a backup file changed after it was taken is not used: the policy stays, the file is named', async () => {
    await useProfiles(TEST_CONFIG, TEST_CREDENTIALS);
    const bucket = 'ferry-tampered-backup';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const original =
      '{"Version":"2012-10-17","Statement":[{"Sid":"OwnerReads","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::ferry-tampered-backup/*"}]}';
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: original }));
    const e = await engine();
    try {
      const { backups } = await e.call('aws.apply', {
        target: target({ bucket }),
        form: 'legacy',
        step: 'bucket-policy',
        connectionId: null,
      });
      const applied = (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy;
      const file = join(e.dataDir, 'backups', backups[0]!.file);
      const as = { profile: TEST_PROFILE, region: 'us-east-1', endpoint: moto.endpoint };
      for (const [content, says] of [
        [
          '{}',
          /holds no document: it was changed or damaged after it was taken, so Ferry does not use it\. Nothing was restored\./,
        ],
        ['{"document":5}', /holds no document/],
        ['null', /holds no document/],
        ['{"document":null}', /holds no document, though one existed/],
        ['{"document":"{\\"Vers', /can not be read as JSON/],
        // Hand-edited: valid, and public — not what was taken.
        [
          JSON.stringify({
            document: original.replace('{"AWS":"arn:aws:iam::123456789012:root"}', '"*"'),
          }),
          /does not match the digest recorded when it was taken/,
        ],
      ] as const) {
        await writeFile(file, content);
        await expect(e.call('backups.restore', { id: backups[0]!.id, as })).rejects.toThrow(says);
        await expect(e.call('backups.restore', { id: backups[0]!.id, as })).rejects.toThrow(file);
        expect((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy).toBe(
          applied,
        );
      }
      // A backup from before digests: a public grant in it is not trusted either.
      await e.close(); // config.json is edited while no Ferry runs
      const configPath = join(e.dataDir, 'config.json');
      const config = JSON.parse(await readFile(configPath, 'utf8'));
      delete config.backups[0].sha256;
      await writeFile(configPath, JSON.stringify(config));
      await writeFile(
        file,
        JSON.stringify({
          document: original.replace('{"AWS":"arn:aws:iam::123456789012:root"}', '"*"'),
        }),
      );
      const legacy = await createEngine({
        dataDir: e.dataDir,
        transport: 'cli',
        role: 'test',
        seedDemo: false,
      });
      try {
        await expect(legacy.call('backups.restore', { id: backups[0]!.id, as })).rejects.toThrow(
          /grants access to everyone/,
        );
      } finally {
        await legacy.close();
      }
    } finally {
      await e.close();
    }
  });
});
