import { gunzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
} from '@aws-sdk/client-s3';
import { CreateRoleCommand, GetRoleCommand, GetRolePolicyCommand } from '@aws-sdk/client-iam';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine';
import { formatPolicy } from '../../shared/aws/policies';
import { hoursBetween } from '../../shared/model/export-format';
import { setupTargetFor } from '../../shared/model/aws';
import type { MigrationView } from '../../shared/model/migration';
import { FakeClock } from '../support/fake-clock';
import { listObjects, startMoto, TEST_PROFILE, type Moto } from '../support/moto';
import { exportedHours } from '../support/schedule';
import { runBackfill } from '../support/engine';
import { useTempDirs } from '../support/temp';

const newDir = useTempDirs();
let moto: Moto;
const savedEnv = { ...process.env };
const HOUR = 3_600_000;
const EVENTS_PER_HOUR = 20;

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, moto.env);
}, 60_000);
afterAll(async () => {
  process.env = savedEnv;
  await moto?.stop();
});

interface Ferry {
  engine: Engine;
  clock: FakeClock;
  dataDir: string;
  oldId: string;
}

/** A fake clock whose `advance` lets the engine's queue drain between timers. */
function settlingClock(start: string, current: () => Engine | null): FakeClock {
  return new FakeClock(start, async () => {
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 15));
      await current()?.scheduler.idle();
    }
  });
}

/** An engine on the fake clock, as `ferry serve` runs it, over a data dir (new or reopened). */
async function open(dataDir: string, clock: FakeClock): Promise<Engine> {
  const engine = await createEngine({
    dataDir,
    transport: 'cli',
    role: 'test',
    seedDemo: false,
    timers: clock,
    workers: 1,
    scheduleRetry: { random: () => 1 },
  });
  await engine.scheduler.start();
  return engine;
}

/** A demo project exporting to a bucket with the legacy form, enabled at the clock's start. */
async function exportingFerry(bucket: string, start: string, projectId: number): Promise<Ferry> {
  await moto.s3().send(new CreateBucketCommand({ Bucket: bucket }));
  const dataDir = await newDir();
  const f = { dataDir } as Ferry;
  f.clock = settlingClock(start, () => f.engine ?? null);
  f.engine = await open(dataDir, f.clock);
  const engine = f.engine;
  await engine.call('orgs.create', { id: 1, name: 'Acme' });
  await engine.call('projects.create', {
    id: projectId,
    orgId: 1,
    name: 'Web',
    source: { type: 'demo', eventsPerHour: EVENTS_PER_HOUR },
  });
  const old = await engine.call('connections.create', {
    name: 'legacy',
    projectId,
    destination: {
      type: 's3',
      bucket,
      region: 'us-east-1',
      prefix: 'amplitude/',
      profile: TEST_PROFILE,
      endpoint: moto.endpoint,
      forcePathStyle: true,
    },
    enabled: true,
    schedule: { settleMinutes: 0 },
  });
  // The old connection's bucket policy (legacy form: the account root), as a real one has.
  await engine.call('aws.apply', {
    target: {
      connectionId: old.id,
      profile: TEST_PROFILE,
      region: 'us-east-1',
      endpoint: moto.endpoint,
      forcePathStyle: true,
      bucket,
      prefix: 'amplitude/',
      projectId,
    },
    form: 'legacy',
    step: 'bucket-policy',
    connectionId: old.id,
  });
  f.oldId = old.id;
  return f;
}

/** Run `next` until the given step is done; each step must end done. */
async function stepsThrough(
  engine: Engine,
  ref: string,
  last: number,
  options: { confirm?: boolean } = {},
): Promise<MigrationView> {
  let view = await engine.call('migrations.get', { id: ref });
  for (;;) {
    const step = view.current;
    if (!step) return view;
    const n = view.steps.findIndex((s) => s.id === step) + 1;
    if (n > last) return view;
    view = await engine.call('migrations.next', { id: ref, confirm: options.confirm });
    const done = view.steps[n - 1]!;
    expect(done.status, `step ${n} (${step}): ${done.outcome}`).toBe('done');
  }
}

/** Keys under the prefix, per hour: `2026-03-01T05` → the keys of that hour. */
async function keysByHour(bucket: string): Promise<Map<string, string[]>> {
  // Sorted by hour below: S3 lists keys as text (…_10#1 before …_2#1).
  const objects = await listObjects(moto.s3(), bucket, 'amplitude/');
  const byHour = new Map<string, string[]>();
  const seen = new Map<string, string>();
  for (const o of objects) {
    if (/^amplitude\/-\d+_/.test(o.key)) continue; // a merged-ID file: no events in it
    const m = /^amplitude\/\d+_(\d{4}-\d{2}-\d{2})_(\d+)#\d+\.json\.gz$/.exec(o.key);
    expect(m, o.key).not.toBeNull();
    const hour = `${m![1]}T${m![2]!.padStart(2, '0')}`;
    byHour.set(hour, [...(byHour.get(hour) ?? []), o.key]);
    // Exactly once: no event twice, in one file or across hours.
    for (const line of gunzipSync(o.body).toString().trim().split('\n')) {
      const id = (JSON.parse(line) as { $insert_id: string }).$insert_id;
      expect(seen.has(id), `${id} in ${o.key} and ${seen.get(id)}`).toBe(false);
      seen.set(id, o.key);
    }
  }
  return new Map([...byHour].sort(([a], [b]) => a.localeCompare(b)));
}

describe('KMS migration against moto', () => {
  it('runs all ten steps: the new connection exports with KMS, the old one is archived', async () => {
    const bucket = 'ferry-migrate-full';
    const f = await exportingFerry(bucket, '2026-03-01T00:00:30Z', 187520);
    const { engine, clock } = f;
    try {
      await clock.advance(3 * HOUR); // hours 00, 01, 02 exported by the legacy connection
      expect(await exportedHours(engine, f.oldId)).toEqual(
        hoursBetween('2026-03-01T00', '2026-03-01T02'),
      );

      // Merged IDs too: step 9 must read back every object of the hour, not one of them.
      await engine.call('connections.update', { id: f.oldId, datasets: ['events', 'merged-ids'] });
      const started = await engine.call('migrations.start', { connectionId: 'legacy' });
      expect(started.current).toBe('prerequisites');
      expect(started.newConnectionName).toBe('legacy (KMS)');
      let view = await stepsThrough(engine, 'legacy', 8);
      expect(view.checks.some((c) => c.status === 'passed')).toBe(true);
      expect(view.keyArn).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\//);
      expect(view.keyCreated).toBe(true);
      expect(view.takeOverFrom).toBe('2026-03-01T03');
      expect(view.current).toBe('first-export');
      expect(view.backups.map((b) => b.kind)).toEqual(
        expect.arrayContaining(['bucket-policy', 'bucket-encryption', 'role-trust', 'key-policy']),
      );
      // Neither connection is deleted by hand mid-way: rollback needs them.
      await expect(engine.call('connections.delete', { id: f.oldId })).rejects.toThrow(
        /being moved to KMS .* can not be deleted now; .* roll it back first/,
      );
      await expect(
        engine.call('connections.update', {
          id: f.oldId,
          destination: { type: 'folder', path: '/tmp/elsewhere' },
        }),
      ).rejects.toThrow(/destination can not change now/);
      const oldNow = await engine.call('connections.get', { id: f.oldId });
      expect(oldNow.enabled).toBe(false);
      const created = await engine.call('connections.get', { id: view.newConnectionId });
      expect(created).toMatchObject({ enabled: true, replaces: f.oldId });
      expect(created.destination).toMatchObject({
        sse: 'aws:kms',
        kmsKeyArn: view.keyArn,
        roleArn: expect.stringMatching(/:role\/ferry-export-187520$/),
      });

      // The hour after: the new connection exports 03 by itself; step 9 reads it back.
      await clock.advance(HOUR);
      view = await stepsThrough(engine, 'legacy', 9);
      expect(view.objects.map((o) => [o.key, o.serverSideEncryption]).sort()).toEqual([
        ['amplitude/-1_2026-03-01_3.json.gz', 'aws:kms'],
        ['amplitude/187520_2026-03-01_3#1.json.gz', 'aws:kms'],
      ]);
      expect(view.steps.find((st) => st.id === 'first-export')?.outcome).toMatch(
        /2 objects: (events and merged-ids|merged-ids and events)/,
      );

      // Step 10 asks first: no rollback after it.
      await expect(engine.call('migrations.next', { id: 'legacy' })).rejects.toThrow(
        /rollback is no longer possible\. Confirm/,
      );
      view = await engine.call('migrations.next', { id: 'legacy', confirm: true });
      expect(view.state).toBe('finished');
      expect(view.current).toBeNull();
      await expect(engine.call('migrations.rollback', { id: view.id })).rejects.toThrow(
        /can no longer be rolled back/,
      );

      // The old connection is gone, archived; its history stays readable.
      await expect(engine.call('connections.get', { id: f.oldId })).rejects.toThrow(
        /no connection/,
      );
      const archived = await engine.call('connections.archived');
      expect(archived.map((c) => [c.id, c.reason])).toEqual([
        [f.oldId, expect.stringContaining(view.id)],
      ]);
      // Its three hours, each with both data sets (merged IDs caught up after they were added).
      expect(await exportedHours(engine, f.oldId)).toEqual(
        hoursBetween('2026-03-01T00', '2026-03-01T02').flatMap((h) => [h, h]),
      );
      const stillNew = await engine.call('connections.get', { id: view.newConnectionId });
      expect(stillNew.replaces).toBeNull();

      // The bucket policy trusts the role now; the old connection's statements are gone.
      const policy = (await moto.s3().send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!;
      expect(policy).toContain('role/ferry-export-187520');
      expect(policy).not.toContain(f.oldId.replace('cn_', ''));
      const encryption = await moto.s3().send(new GetBucketEncryptionCommand({ Bucket: bucket }));
      expect(
        encryption.ServerSideEncryptionConfiguration?.Rules?.[0]
          ?.ApplyServerSideEncryptionByDefault,
      ).toMatchObject({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: view.keyArn });

      // Every hour is in the bucket once; 03 on is encrypted with the key.
      const byHour = await keysByHour(bucket);
      expect([...byHour.keys()]).toEqual(hoursBetween('2026-03-01T00', '2026-03-01T03'));
      for (const keys of byHour.values()) expect(keys).toHaveLength(1);
      const head = await moto
        .s3()
        .send(
          new HeadObjectCommand({ Bucket: bucket, Key: 'amplitude/187520_2026-03-01_3#1.json.gz' }),
        );
      expect(head.ServerSideEncryption).toBe('aws:kms');

      const book = await engine.call('migrations.runbook', { id: view.id });
      expect(book.fileName).toBe(`ferry-migration-${view.id}.md`);
      expect(book.markdown).toContain('| 10 | Delete the old connection | done');
      expect(book.markdown).toContain('```json');
      expect(book.markdown).toContain('can no longer be rolled back as a whole');
    } finally {
      await engine.close();
    }
  }, 120_000);

  it('rolls back from step 8: policy and encryption as they were, a later connection’s statements kept, the old one exports again', async () => {
    const bucket = 'ferry-migrate-rollback';
    const f = await exportingFerry(bucket, '2026-04-01T00:00:30Z', 187521);
    const { engine, clock } = f;
    const s3 = moto.s3();
    try {
      // The owner's own statement and an explicit AES256 default: both must come back as they were.
      const owner = `{"Version":"2012-10-17","Statement":[{"Sid":"OwnerReads","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::${bucket}/reports/*"}]}`;
      const merged = JSON.parse(
        (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!,
      ) as { Statement: unknown[] };
      merged.Statement.push(JSON.parse(owner).Statement[0]);
      await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: formatPolicy(merged) }));
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket: bucket,
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
        }),
      );
      // The project's export role exists already (an owner's CI may assume it): it stays, as it was.
      const ownerTrust = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OwnerCIRole',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::123456789012:role/ci' },
            Action: 'sts:AssumeRole',
          },
        ],
      });
      await moto.iam().send(
        new CreateRoleCommand({
          RoleName: 'ferry-export-187521',
          AssumeRolePolicyDocument: ownerTrust,
        }),
      );
      await clock.advance(2 * HOUR); // 00, 01
      const policyBefore = (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!;

      await engine.call('migrations.start', { connectionId: f.oldId });
      let view = await stepsThrough(engine, f.oldId, 8);
      expect(view.current).toBe('first-export');
      expect((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy).not.toBe(
        policyBefore,
      );

      // After step 5, a colleague sets up another connection on the bucket: a rollback must
      // not take its access away.
      const old = await engine.call('connections.get', { id: f.oldId });
      const sibling = await engine.call('connections.create', {
        name: 'sibling',
        projectId: old.projectId,
        destination: { ...old.destination, prefix: 'sibling/' } as never,
      });
      const siblingTarget = setupTargetFor(sibling)!;
      await engine.call('aws.apply', {
        target: siblingTarget,
        form: 'legacy',
        step: 'bucket-policy',
        connectionId: sibling.id,
      });

      view = await engine.call('migrations.rollback', { id: f.oldId, deleteKey: true });
      expect(view.rollback.filter((i) => i.status === 'failed')).toEqual([]);
      expect(view.state).toBe('rolled-back');
      expect(view.rollback.find((i) => i.id === 'bucket-policy')?.detail).toMatch(
        /Kept what was added since by others: FerryExport\w+Write \(connection "sibling" exports with it\)/,
      );
      const withSibling = (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!;
      const sidsIn = (doc: string) =>
        (JSON.parse(doc) as { Statement: { Sid: string }[] }).Statement.map((st) => st.Sid);
      const siblingSids = sidsIn(withSibling).filter((sid) => !sidsIn(policyBefore).includes(sid));
      expect(siblingSids.length).toBeGreaterThan(0);
      for (const sid of siblingSids) expect(sid).toMatch(/^FerryExport\w+$/);
      // Taking the sibling's statements out leaves exactly what was there before the migration.
      await engine.call('connections.delete', { id: sibling.id });
      await engine.call('aws.unapply', { target: siblingTarget, form: 'legacy' });

      // Equal to the step 5 backups.
      const policyBackup = await engine.call('backups.show', {
        id: view.restorePoint!.bucketPolicy,
      });
      const encryptionBackup = await engine.call('backups.show', {
        id: view.restorePoint!.bucketEncryption,
      });
      const policyNow = (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!;
      expect(JSON.parse(policyNow)).toEqual(JSON.parse(policyBackup.document!));
      expect(JSON.parse(policyNow)).toEqual(JSON.parse(policyBefore));
      const encryptionNow = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
      expect(formatPolicy(encryptionNow.ServerSideEncryptionConfiguration!)).toBe(
        encryptionBackup.document,
      );
      expect(encryptionBackup.document).toContain('AES256');

      // The role that was there has its trust back and no Ferry permissions; the key Ferry
      // created is pending deletion. (A role Ferry created is deleted: test/faults/migration.test.ts.)
      expect(view.roleCreated).toBe(false);
      const role = await moto.iam().send(new GetRoleCommand({ RoleName: 'ferry-export-187521' }));
      expect(JSON.parse(decodeURIComponent(role.Role!.AssumeRolePolicyDocument!))).toEqual(
        JSON.parse(ownerTrust),
      );
      await expect(
        moto.iam().send(
          new GetRolePolicyCommand({
            RoleName: 'ferry-export-187521',
            PolicyName: 'ferry-export',
          }),
        ),
      ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
      const key = await moto.kms().send(new DescribeKeyCommand({ KeyId: view.keyArn! }));
      expect(key.KeyMetadata?.KeyState).toBe('PendingDeletion');

      // The new connection is gone; the old one is enabled and exports again by itself.
      await expect(engine.call('connections.get', { id: view.newConnectionId })).rejects.toThrow(
        /no connection/,
      );
      expect((await engine.call('connections.get', { id: f.oldId })).enabled).toBe(true);
      expect((await engine.call('connections.archived')).map((c) => c.id)).toEqual([
        view.newConnectionId,
      ]);
      await clock.advance(HOUR);
      expect(await exportedHours(engine, f.oldId)).toEqual(
        hoursBetween('2026-04-01T00', '2026-04-01T02'),
      );
      const byHour = await keysByHour(bucket);
      for (const keys of byHour.values()) expect(keys).toHaveLength(1);

      await expect(engine.call('migrations.rollback', { id: f.oldId })).rejects.toThrow(
        /rolled back already/,
      );
      // A new migration of the same connection may start again.
      const again = await engine.call('migrations.start', { connectionId: f.oldId });
      expect(again.current).toBe('prerequisites');
    } finally {
      await engine.close();
    }
  }, 120_000);

  it('resumes at the same step after a restart', async () => {
    const bucket = 'ferry-migrate-restart';
    const f = await exportingFerry(bucket, '2026-05-01T00:00:30Z', 187522);
    try {
      await f.clock.advance(HOUR);
      const started = await f.engine.call('migrations.start', { connectionId: f.oldId });
      await stepsThrough(f.engine, started.id, 4);
      await f.engine.close();

      const reopened = await open(f.dataDir, f.clock);
      f.engine = reopened;
      const view = await reopened.call('migrations.get', { id: f.oldId });
      expect(view.current).toBe('backup');
      expect(view.steps.slice(0, 4).map((s) => s.status)).toEqual(['done', 'done', 'done', 'done']);
      expect(view.documents.map((d) => d.kind)).toContain('bucket-policy');
      const after = await reopened.call('migrations.next', { id: f.oldId });
      expect(after.steps[4]!.status).toBe('done');
      expect(after.current).toBe('apply-policies');
    } finally {
      await f.engine.close();
    }
  }, 120_000);

  it('shows a 30-hour gap as a backfill proposal; after it every hour is in the bucket once', async () => {
    const bucket = 'ferry-migrate-gap';
    const f = await exportingFerry(bucket, '2026-06-01T00:00:30Z', 187523);
    const { engine, clock } = f;
    try {
      await clock.advance(3 * HOUR); // 00–02 by the old connection
      const started = await engine.call('migrations.start', { connectionId: f.oldId });
      await stepsThrough(engine, started.id, 3); // disabled at 03:00
      await clock.advance(30 * HOUR); // nobody exports 03 … 06-02T08
      let view = await stepsThrough(engine, started.id, 8);
      expect(view.takeOverFrom).toBe('2026-06-01T03');
      // The catch-up window (24 h) covers 06-01T09 … 06-02T08; older missed hours are proposed.
      expect(view.gap).toEqual({ from: '2026-06-01T03', to: '2026-06-01T08', hours: 6 });

      await clock.advance(0);
      await engine.scheduler.idle();
      const backfill = await runBackfill(engine, {
        connectionId: view.newConnectionId,
        from: view.gap!.from,
        to: view.gap!.to,
      });
      expect(backfill.status).toBe('succeeded');
      view = await engine.call('migrations.get', { id: started.id });
      expect(view.gap).toBeNull();

      const all = hoursBetween('2026-06-01T00', '2026-06-02T08');
      const byHour = await keysByHour(bucket);
      expect([...byHour.keys()]).toEqual(all);
      for (const keys of byHour.values()) expect(keys).toHaveLength(1);
      // One successful export per hour across both connections: nothing written twice.
      const oldHours = await exportedHours(engine, f.oldId);
      const newHours = await exportedHours(engine, view.newConnectionId);
      expect([...oldHours, ...newHours].sort()).toEqual(all);
    } finally {
      await engine.close();
    }
  }, 180_000);
});
