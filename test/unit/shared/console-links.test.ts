import { describe, expect, it } from 'vitest';
import {
  iamRoleConsoleUrl,
  kmsKeyConsoleUrl,
  s3ConsoleUrl,
} from '../../../shared/aws/console-links';
import { isAllowedExternal } from '../../../electron/main/links';

describe('links to the AWS console', () => {
  it("opens a bucket at its prefix in the bucket's Region", () => {
    expect(s3ConsoleUrl({ bucket: 'acme-exports', prefix: 'amplitude', region: 'eu-west-1' })).toBe(
      'https://eu-west-1.console.aws.amazon.com/s3/buckets/acme-exports?region=eu-west-1&bucketType=general&prefix=amplitude%2F',
    );
    expect(s3ConsoleUrl({ bucket: 'b', prefix: '', region: 'us-east-1' })).toBe(
      'https://us-east-1.console.aws.amazon.com/s3/buckets/b?region=us-east-1&bucketType=general',
    );
  });

  it('gives no link for an S3-compatible store', () => {
    const endpoint = 'http://127.0.0.1:9000';
    expect(s3ConsoleUrl({ bucket: 'b', prefix: 'p/', region: 'us-east-1', endpoint })).toBeNull();
    expect(kmsKeyConsoleUrl('arn:aws:kms:us-east-1:123456789012:key/abcd', endpoint)).toBeNull();
    expect(iamRoleConsoleUrl('arn:aws:iam::123456789012:role/x', endpoint)).toBeNull();
  });

  it("opens a key and a role in their partition's console", () => {
    expect(
      kmsKeyConsoleUrl('arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef'),
    ).toBe(
      'https://eu-central-1.console.aws.amazon.com/kms/home?region=eu-central-1#/kms/keys/1234abcd-12ab-34cd-56ef',
    );
    expect(kmsKeyConsoleUrl('arn:aws-cn:kms:cn-north-1:123456789012:key/k1')).toBe(
      'https://console.amazonaws.cn/kms/home?region=cn-north-1#/kms/keys/k1',
    );
    expect(iamRoleConsoleUrl('arn:aws:iam::123456789012:role/ferry/FerryExport-187520')).toBe(
      'https://console.aws.amazon.com/iam/home#/roles/details/FerryExport-187520',
    );
    expect(iamRoleConsoleUrl('arn:aws-us-gov:iam::123456789012:role/R')).toBe(
      'https://console.amazonaws-us-gov.com/iam/home#/roles/details/R',
    );
  });

  it('gives no link for text that is not such an ARN', () => {
    expect(kmsKeyConsoleUrl('not-an-arn')).toBeNull();
    expect(kmsKeyConsoleUrl('arn:aws:s3:::bucket')).toBeNull();
    expect(iamRoleConsoleUrl('arn:aws:iam::123456789012:user/u')).toBeNull();
    expect(iamRoleConsoleUrl('arn:aws:iam::123456789012:role/"><script>')).toBeNull();
  });

  it('makes only links the desktop app lets out to the browser', () => {
    for (const url of [
      s3ConsoleUrl({ bucket: 'b', prefix: 'p', region: 'ap-southeast-2' }),
      s3ConsoleUrl({ bucket: 'b', prefix: 'p', region: 'cn-north-1' }),
      kmsKeyConsoleUrl('arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/k'),
      iamRoleConsoleUrl('arn:aws:iam::123456789012:role/R'),
    ])
      expect(isAllowedExternal(url!), url!).toBe(true);
  });
});
