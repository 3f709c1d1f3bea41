import { describe, expect, it } from 'vitest';
import { contract } from '../../../shared/api/contract';
import { effectiveSse } from '../../../shared/model/entities';
import {
  bucketNameProblem,
  datasets,
  endpointPathProblem,
  plainHttpNotice,
  sentOverProtectedPath,
  folderPath,
  hour,
  numericId,
  prefix,
  profileName,
  region,
} from '../../../shared/model/fields';

describe('bucket names', () => {
  it.each(['acme-analytics', 'abc', 'my.bucket.name', 'a1b2c3', 'x'.repeat(63)])(
    'accepts %s',
    (name) => {
      expect(bucketNameProblem(name)).toBeNull();
    },
  );

  it.each([
    ['', 'required'],
    ['ab', '3 to 63'],
    ['x'.repeat(64), '3 to 63'],
    ['Acme', 'lowercase'],
    ['acme_export', 'only lowercase letters, digits'],
    ['-acme', 'begin and end'],
    ['acme.', 'begin and end'],
    ['acme..export', 'two dots'],
    ['192.168.5.4', 'IP address'],
    ['xn--acme', 'xn--'],
    ['sthree-acme', 'sthree-'],
    ['acme-s3alias', '-s3alias'],
    ['acme--ol-s3', '--ol-s3'],
    ['s3://acme', 'without "s3://"'],
  ])('refuses %j with a message about %s', (name, words) => {
    expect(bucketNameProblem(name)).toContain(words);
  });
});

describe('other connection fields', () => {
  it('accepts region codes and refuses names', () => {
    expect(region.safeParse('eu-central-1').success).toBe(true);
    expect(region.safeParse('us-gov-west-1').success).toBe(true);
    const bad = region.safeParse('Frankfurt');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/AWS Region code/);
  });

  it('normalises a prefix to one trailing slash and refuses bad ones', () => {
    expect(prefix.parse('amplitude')).toBe('amplitude/');
    expect(prefix.parse('amplitude/events/')).toBe('amplitude/events/');
    expect(prefix.parse('')).toBe('');
    expect(prefix.parse(undefined)).toBe('');
    for (const bad of ['/amplitude', 'a//b', 'a b', 'a/../b', 's3://bucket/x'])
      expect(prefix.safeParse(bad).success, bad).toBe(false);
  });

  it('checks AWS profile names', () => {
    expect(profileName.safeParse('data-admin').success).toBe(true);
    expect(profileName.safeParse('default').success).toBe(true);
    expect(profileName.safeParse('').success).toBe(false);
    expect(profileName.safeParse('[profile x]').success).toBe(false);
    expect(profileName.safeParse('has space').success).toBe(false);
  });

  it('reads numeric ids from numbers and digit strings only', () => {
    const id = numericId('Project ID');
    expect(id.parse('187520')).toBe(187520);
    expect(id.parse(42)).toBe(42);
    for (const bad of ['12x', '-5', '0', 1.5, '1e5', null])
      expect(id.safeParse(bad).error?.issues[0]?.message, String(bad)).toBe(
        'Project ID must be a whole number made of digits only, e.g. 187520',
      );
    expect(id.safeParse('  ').error?.issues[0]?.message).toBe('Project ID is required');
  });

  it('orders datasets and refuses an empty choice', () => {
    expect(datasets.parse(['merged-ids', 'events', 'events'])).toEqual(['events', 'merged-ids']);
    expect(datasets.safeParse([]).success).toBe(false);
    expect(datasets.safeParse(['users']).success).toBe(false);
  });

  it('reads hours as yyyy-MM-ddTHH in UTC and refuses impossible ones', () => {
    expect(hour.safeParse('2020-01-25T17').success).toBe(true);
    expect(hour.safeParse('2020-01-25T5').success).toBe(false);
    expect(hour.safeParse('2020-02-30T05').success).toBe(false);
    expect(hour.safeParse('2020-01-25T24').success).toBe(false);
  });
});

describe('connection input', () => {
  const input = contract['connections.create'].input;
  const valid = {
    name: 'prod-events',
    projectId: '187520',
    destination: {
      type: 's3',
      bucket: 'acme-export',
      region: 'us-east-1',
      prefix: 'amplitude',
      profile: 'default',
    },
  };

  it('fills defaults: events only, disabled, no KMS key', () => {
    const parsed = input.parse(valid);
    expect(parsed).toMatchObject({
      projectId: 187520,
      datasets: ['events'],
      enabled: false,
      destination: { prefix: 'amplitude/', kmsKeyArn: null, endpoint: null, forcePathStyle: false },
    });
  });

  it('names the field that is wrong', () => {
    const result = input.safeParse({
      ...valid,
      destination: { ...valid.destination, bucket: 'Bad_Bucket' },
    });
    expect(result.error?.issues[0]?.path).toEqual(['destination', 'bucket']);
  });

  it('accepts a local folder destination', () => {
    expect(
      input.safeParse({ ...valid, destination: { type: 'folder', path: '/tmp/export' } }).success,
    ).toBe(true);
    expect(
      input.safeParse({ ...valid, destination: { type: 'folder', path: 'relative/dir' } }).success,
    ).toBe(false);
  });

  it('checks the KMS key ARN form', () => {
    const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(
      input.safeParse({ ...valid, destination: { ...valid.destination, kmsKeyArn: arn } }).success,
    ).toBe(true);
    expect(
      input.safeParse({ ...valid, destination: { ...valid.destination, kmsKeyArn: 'my-key' } })
        .success,
    ).toBe(false);
  });

  it('encrypts with aws:kms whenever a KMS key is given: one rule for the form and the schema', () => {
    const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(effectiveSse(arn, 'AES256')).toBe('aws:kms');
    expect(effectiveSse(arn, 'bucket-default')).toBe('aws:kms');
    expect(effectiveSse(null, 'AES256')).toBe('AES256');
    expect(effectiveSse('', 'bucket-default')).toBe('bucket-default');
    const parsed = input.parse({
      ...valid,
      destination: { ...valid.destination, kmsKeyArn: arn, sse: 'AES256' },
    });
    expect(parsed.destination).toMatchObject({ kmsKeyArn: arn, sse: 'aws:kms' });
  });
});

describe('folder paths', () => {
  it('are stored as the folder they name, never with .. steps', () => {
    for (const [given, stored] of [
      ['/a/../../etc/x', '/etc/x'],
      ['/home//me/./exports/', '/home/me/exports'],
      ['/', '/'],
      ['C:\\data\\..\\..\\exports', 'C:\\exports'],
      ['C:/data/./exports', 'C:\\data\\exports'],
      ['\\\\server\\share\\a\\..\\..\\b', '\\\\server\\share\\b'],
    ])
      expect(folderPath.parse(given), given).toBe(stored);
    const created = contract['connections.create'].input.parse({
      name: 'local',
      projectId: 187520,
      destination: { type: 'folder', path: '/srv/ferry/../../etc/cron.d' },
    });
    expect(created.destination).toMatchObject({ path: '/etc/cron.d' });
  });
});

describe('S3-compatible endpoints', () => {
  it('are refused where two parsers could read a different host', () => {
    const input = contract['connections.create'].input;
    const withEndpoint = (endpoint: string) =>
      input.safeParse({
        name: 'minio',
        projectId: 187520,
        destination: { type: 's3', bucket: 'acme', region: 'us-east-1', profile: 'p', endpoint },
      });
    expect(withEndpoint('http://127.0.0.1:9000').success).toBe(true);
    expect(withEndpoint('https://minio.internal.example').success).toBe(true);
    for (const bad of [
      'http://attacker.example\\@127.0.0.1:9000/',
      'http://user:pass@minio.internal.example',
      'http://minio.internal .example',
    ])
      expect(withEndpoint(bad).success, bad).toBe(false);
  });

  // `http://minio:9000/sub` sent bucket "acme" to the bucket "sub", under "acme/…" (seen with
  // moto): Ferry would report files that are not where it says.
  it('are a scheme, host and port: a path, query or fragment is refused, with the origin', () => {
    expect(endpointPathProblem(null)).toBeNull();
    expect(endpointPathProblem('http://127.0.0.1:9000')).toBeNull();
    expect(endpointPathProblem('https://minio.internal.example/')).toBeNull();
    expect(endpointPathProblem('http://127.0.0.1:9000/sub')).toBe(
      'Enter the endpoint without a path, such as http://127.0.0.1:9000: the bucket and prefix have fields of their own, and a path here would put the files in another bucket, or under other names, than the connection shows',
    );
    for (const bad of [
      'https://s3.eu-west-1.amazonaws.com/acme-bucket',
      'https://minio.example/?x=1',
      'https://minio.example/#b',
    ])
      expect(endpointPathProblem(bad), bad).toMatch(/^Enter the endpoint without a path/);
    // The setup wizard's target (aws.verify, aws.apply) refuses it as a field error.
    const target = contract['aws.verify'].input.safeParse({
      target: {
        connectionId: 'cn_abcdefgh',
        profile: 'p',
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:9000/sub',
        bucket: 'acme',
        prefix: '',
        projectId: 187520,
      },
      form: 'role',
    });
    expect(target.success).toBe(false);
    expect(JSON.stringify(target.error?.issues)).toContain('without a path');
  });

  // Accepted (a MinIO on the office network), but the events cross that network in clear: the
  // admin is told where the endpoint is entered and shown.
  it('over plain http to another computer come with a notice; https and this computer none', () => {
    for (const quiet of [
      null,
      '',
      'https://minio.internal.example',
      'http://127.0.0.1:9000',
      'http://localhost:9000',
      'http://[::1]:9000',
      'not a url',
    ])
      expect(plainHttpNotice(quiet), String(quiet)).toBeNull();
    expect(plainHttpNotice('http://minio.lan:9000')).toBe(
      'Exports to minio.lan:9000 travel unencrypted (http): anyone on the network between can read the events. Use https:// unless that network is trusted.',
    );
    expect(plainHttpNotice('HTTP://10.0.0.5')).toMatch(
      /^Exports to 10\.0\.0\.5 travel unencrypted/,
    );
  });

  // What decides whether S3 parts may go without their bytes in the signature (sinks/s3.ts).
  it('count as protected on the way only with TLS or on this computer', () => {
    for (const safe of [null, '', 'https://minio.internal.example', 'HTTPS://s3.example:9000'])
      expect(sentOverProtectedPath(safe), String(safe)).toBe(true);
    for (const loopback of ['http://127.0.0.1:9000', 'http://localhost:9000', 'http://[::1]:9000'])
      expect(sentOverProtectedPath(loopback), loopback).toBe(true);
    for (const open of [
      'http://minio.lan:9000',
      'http://10.0.0.5',
      'http://127.example.com',
      'not a url',
    ])
      expect(sentOverProtectedPath(open), open).toBe(false);
  });
});
