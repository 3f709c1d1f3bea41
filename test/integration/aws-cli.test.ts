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
    await ferry('project', 'add', '--id', '7', '--org', '1', '--name', 'Web');
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
});
