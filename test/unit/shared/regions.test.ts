import { BucketLocationConstraint } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import {
  AWS_REGIONS,
  isAwsRegion,
  kmsKeyProblem,
  unknownRegionMessage,
} from '../../../shared/aws/regions';

describe('AWS Regions', () => {
  it('knows every Region the S3 SDK knows (us-east-1 has no location constraint)', () => {
    const sdk = Object.values(BucketLocationConstraint).filter((r) => r !== 'EU');
    const ours = AWS_REGIONS.map(([code]) => code as string);
    expect(sdk.filter((r) => !ours.includes(r))).toEqual([]);
    expect(ours).toContain('us-east-1');
    expect(new Set(ours).size).toBe(ours.length);
  });

  it('names the nearest Regions for a code that is not one', () => {
    expect(isAwsRegion('eu-central-1')).toBe(true);
    expect(isAwsRegion('us-east-9')).toBe(false);
    expect(unknownRegionMessage('us-east-9')).toBe(
      'us-east-9 is not an AWS Region. Did you mean us-east-1 (US East (N. Virginia)), us-east-2 (US East (Ohio))? (A custom endpoint accepts its own region names.)',
    );
    expect(unknownRegionMessage('xx-moon-1')).toMatch(/Pick one from the list/);
  });

  it('says in plain words that a KMS key of another Region can not encrypt the bucket', () => {
    const key = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(kmsKeyProblem(key, 'us-east-1')).toBe(
      "The KMS key is in eu-west-1, but the bucket is in us-east-1: S3 can only encrypt with a key in the bucket's own Region. Create or pick a key in us-east-1 (a multi-Region key needs its replica there).",
    );
    expect(kmsKeyProblem(key, 'eu-west-1')).toBeNull();
    expect(kmsKeyProblem(null, 'us-east-1')).toBeNull();
    expect(kmsKeyProblem('alias/exports', 'us-east-1')).toBeNull();
  });
});
