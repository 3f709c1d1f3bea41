import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from '../support/ferry';
import { startMoto, TEST_PROFILE, type Moto } from '../support/moto';
import { useTempDirs } from '../support/temp';

const newDir = useTempDirs();
let moto: Moto;
beforeAll(async () => {
  moto = await startMoto();
  await moto.s3().send(new CreateBucketCommand({ Bucket: 'ferry-cli-setup' }));
}, 60_000);
afterAll(() => moto?.stop());

describe('AWS setup from the command line', () => {
  it('lists profiles, shows and applies the bucket policy, and verifies access (exit 1 when a check fails)', async () => {
    const env = { ...moto.env, FERRY_DATA_DIR: await newDir() };
    const ferry = (...args: string[]) => runFerry(args, env);
    const profiles = await ferry('profiles');
    expect(profiles.code).toBe(0);
    expect(profiles.stdout).toMatch(new RegExp(`${TEST_PROFILE}\\s+static\\s+us-east-1`));
    expect(
      (await ferry('profiles', '--check', TEST_PROFILE, '--endpoint', moto.endpoint)).stdout,
    ).toMatch(/is arn:aws:/);

    await ferry('org', 'add', '--id', '1', '--name', 'Acme');
    await ferry('project', 'add', '--id', '7', '--org', '1', '--name', 'Web', '--source', 'demo');
    for (const [name, bucket] of [
      ['good', 'ferry-cli-setup'],
      ['missing', 'no-such-bucket-here'],
    ] as const)
      await ferry(
        'connection',
        'add',
        '--name',
        name,
        '--project',
        '7',
        '--bucket',
        bucket,
        '--region',
        'us-east-1',
        '--prefix',
        `${name}/`,
        '--profile',
        TEST_PROFILE,
        '--endpoint',
        moto.endpoint,
        '--path-style',
      );

    const shown = await ferry('policy', 'bucket', 'good');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/# bucket-policy for s3:\/\/ferry-cli-setup \(none there yet\)/);
    expect(shown.stdout).toContain('"arn:aws:s3:::ferry-cli-setup/good/*"');
    const applied = await ferry('policy', 'bucket', 'good', '--apply');
    expect(applied.stdout).toMatch(
      /Applied the bucket-policy of s3:\/\/ferry-cli-setup; the one it replaced is backed up as bk_/,
    );

    const verified = await ferry('verify', 'good');
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/✓ Write an object/);
    expect(verified.stdout).toMatch(/Access works\.\n$/);

    const failed = await ferry('verify', 'missing');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(
      /✗ Find the bucket and its region: There is no bucket named "no-such-bucket-here"\.\n\s+fix: Create the bucket first/,
    );
  });

  it('two Ferrys applying the bucket policy at once both keep their statements (5 trials)', async () => {
    const bucket = 'ferry-cli-two-writers';
    await moto.s3().send(new CreateBucketCommand({ Bucket: bucket }));
    // Two data folders, each with its own connection (project 7 and 8) to the same bucket.
    const ferrys = [] as ((...args: string[]) => ReturnType<typeof runFerry>)[];
    for (const project of ['7', '8']) {
      const env = { ...moto.env, FERRY_DATA_DIR: await newDir() };
      const ferry = (...args: string[]) => runFerry(args, env);
      await ferry('org', 'add', '--id', '1', '--name', 'Acme');
      await ferry(
        'project',
        'add',
        '--id',
        project,
        '--org',
        '1',
        '--name',
        `P${project}`,
        '--source',
        'demo',
      );
      const added = await ferry(
        ...['connection', 'add', '--name', 'c', '--project', project, '--bucket', bucket],
        ...['--region', 'us-east-1', '--prefix', `p${project}/`, '--profile', TEST_PROFILE],
        ...['--endpoint', moto.endpoint, '--path-style'],
      );
      expect(added.code, added.stderr).toBe(0);
      ferrys.push(ferry);
    }
    const resources = async () => {
      const { GetBucketPolicyCommand } = await import('@aws-sdk/client-s3');
      const doc = await moto.s3().send(new GetBucketPolicyCommand({ Bucket: bucket }));
      return JSON.stringify(JSON.parse(doc.Policy!));
    };
    for (let trial = 1; trial <= 5; trial++) {
      const applied = await Promise.all(
        ferrys.map((ferry) => ferry('policy', 'bucket', 'c', '--apply')),
      );
      for (const a of applied) expect(a.code, a.stdout + a.stderr).toBe(0);
      const now = await resources();
      expect(now, `trial ${trial}`).toContain(`arn:aws:s3:::${bucket}/p7/*`);
      expect(now, `trial ${trial}`).toContain(`arn:aws:s3:::${bucket}/p8/*`);
      // Start each trial from a policy without the other's statements, as a first apply does.
      const { DeleteBucketPolicyCommand } = await import('@aws-sdk/client-s3');
      await moto.s3().send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    }
  });
});
