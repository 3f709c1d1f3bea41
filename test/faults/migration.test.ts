import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
} from '@aws-sdk/client-s3';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../electron/engine';
import { createAwsClients, type AwsClients } from '../../electron/engine/aws/clients';
import { formatPolicy } from '../../shared/aws/policies';
import { startMoto, TEST_PROFILE, type Moto } from '../support/moto';
import { awsError } from '../support/schedule';
import { useTempDirs } from '../support/temp';

const newDir = useTempDirs();
let moto: Moto;
const savedEnv = { ...process.env };
const BUCKET = 'ferry-migrate-faults';

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, moto.env);
  await moto.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 60_000);
afterAll(async () => {
  process.env = savedEnv;
  await moto?.stop();
});

/**
 * The real clients, except that commands named in `refused` answer AccessDenied, and those in
 * `lost` are done but their answer never arrives (a dropped connection, a kill).
 */
function refusingAws(refused: Set<string>, lost = new Set<string>()): AwsClients {
  const real = createAwsClients();
  const wrap = <C extends { send(command: unknown): Promise<unknown> }>(client: C): C =>
    new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
        return async (command: { constructor: { name: string } }) => {
          if (refused.has(command.constructor.name))
            throw awsError(
              'AccessDenied',
              403,
              `User is not authorized to perform ${command.constructor.name}`,
            );
          const answer = await target.send(command);
          if (lost.has(command.constructor.name))
            throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
          return answer;
        };
      },
    });
  return {
    s3: (destination) => real.s3(destination),
    reset: () => real.reset(),
    async setup(target) {
      const c = await real.setup(target);
      return { s3: wrap(c.s3), iam: wrap(c.iam), kms: wrap(c.kms), sts: c.sts, glue: c.glue };
    },
  };
}

/** An engine on `aws`, with a legacy connection of a new project on the bucket under `prefix`. */
async function legacyEngine(aws: AwsClients, projectId: number, prefix: string, enabled: boolean) {
  const engine = await createEngine({
    dataDir: await newDir(),
    transport: 'cli',
    role: 'test',
    seedDemo: false,
    aws,
  });
  await engine.call('orgs.create', { id: 1, name: 'Acme' });
  await engine.call('projects.create', { id: projectId, orgId: 1, name: 'Web' });
  const old = await engine.call('connections.create', {
    name: 'legacy',
    projectId,
    destination: {
      type: 's3',
      bucket: BUCKET,
      region: 'us-east-1',
      prefix,
      profile: TEST_PROFILE,
      endpoint: moto.endpoint,
      forcePathStyle: true,
    },
    enabled,
  });
  return { engine, old };
}

describe('a KMS migration refused half-way', () => {
  it('keeps what a failed step did, and a rollback that fails half-way says what is restored and can be retried', async () => {
    const refused = new Set<string>();
    const { engine, old } = await legacyEngine(refusingAws(refused), 187540, 'amplitude/', true);
    try {
      await engine.call('migrations.start', { connectionId: old.id });
      for (let n = 1; n <= 5; n++) await engine.call('migrations.next', { id: old.id });

      // Step 6: the role is created and the bucket policy applied, then the key policy is refused.
      refused.add('PutKeyPolicyCommand');
      let view = await engine.call('migrations.next', { id: old.id });
      const step6 = view.steps[5]!;
      expect(step6.status).toBe('failed');
      expect(step6.outcome).toMatch(/PutKeyPolicyCommand/);
      expect(view.current).toBe('apply-policies');
      expect(view.roleCreated).toBe(true);
      await moto.iam().send(new GetRoleCommand({ RoleName: 'ferry-export-187540' }));

      // Rollback while restoring the bucket's documents is refused: the rest is undone.
      refused.clear();
      refused.add('DeleteBucketPolicyCommand').add('PutBucketEncryptionCommand');
      refused.add('DeleteBucketEncryptionCommand');
      view = await engine.call('migrations.rollback', { id: old.id });
      expect(view.state).toBe('rolling-back');
      const byId = Object.fromEntries(view.rollback.map((i) => [i.id, i]));
      expect(byId['bucket-policy']?.status).toBe('failed');
      expect(byId['bucket-policy']?.detail).toMatch(/DeleteBucketPolicyCommand/);
      // Step 6 never reached the default encryption: nothing to put back, nothing written.
      expect(byId['bucket-encryption']).toMatchObject({
        status: 'done',
        detail: expect.stringMatching(
          /^As backed up already \(backup bk_\w+\): nothing to change\.$/,
        ),
      });
      expect(byId['role']?.status).toBe('done');
      expect(byId['enable-old']?.status).toBe('done');
      expect(view.backups.length).toBeGreaterThanOrEqual(4); // every backup kept
      expect(view.canRollback).toBe(true);
      await expect(
        moto.iam().send(new GetRoleCommand({ RoleName: 'ferry-export-187540' })),
      ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
      expect((await engine.call('connections.get', { id: old.id })).enabled).toBe(true);
      // Steps can not go on while a rollback is unfinished.
      await expect(engine.call('migrations.next', { id: old.id })).rejects.toThrow(
        /is rolling back; retry the rollback/,
      );

      // Retried once the refusal is gone: only what failed runs again.
      refused.clear();
      view = await engine.call('migrations.rollback', { id: old.id });
      expect(view.state).toBe('rolled-back');
      expect(view.rollback.filter((i) => i.status === 'failed')).toEqual([]);
      expect(view.rollback.filter((i) => i.id === 'role')).toHaveLength(1);
      // There was no bucket policy before: there is none now; the encryption is as backed up.
      await expect(
        moto.s3().send(new GetBucketPolicyCommand({ Bucket: BUCKET })),
      ).rejects.toMatchObject({ name: 'NoSuchBucketPolicy' });
      const kept = await engine.call('backups.show', { id: view.restorePoint!.bucketEncryption });
      const now = await moto
        .s3()
        .send(new GetBucketEncryptionCommand({ Bucket: BUCKET }))
        .then((r) => formatPolicy(r.ServerSideEncryptionConfiguration!))
        .catch(() => null);
      expect(now).toBe(kept.document);
    } finally {
      await engine.close();
    }
  }, 120_000);

  it('finds the key step 2 created when KMS answered and the answer was lost: one key, not two', async () => {
    const lost = new Set(['CreateKeyCommand']);
    const { engine, old } = await legacyEngine(
      refusingAws(new Set(), lost),
      187541,
      'lost/',
      false,
    );
    try {
      const started = await engine.call('migrations.start', { connectionId: old.id });
      await engine.call('migrations.next', { id: old.id });
      let view = await engine.call('migrations.next', { id: old.id });
      expect(view.steps[1]!.status).toBe('failed');
      expect(view.keyArn).toBeNull();
      expect(view.steps[1]!.outcome).toMatch(/run the step again/);

      lost.clear();
      view = await engine.call('migrations.next', { id: old.id });
      expect(view.steps[1]!.status).toBe('done');
      expect(view.steps[1]!.outcome).toMatch(/found again/);
      const kms = moto.kms();
      const keys = (await kms.send(new ListKeysCommand({}))).Keys ?? [];
      const ours = [];
      for (const k of keys) {
        const meta = (await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId! }))).KeyMetadata!;
        if (meta.Description?.includes(started.id)) ours.push(meta.Arn);
      }
      expect(ours).toEqual([view.keyArn]);
    } finally {
      await engine.close();
    }
  }, 120_000);
});
