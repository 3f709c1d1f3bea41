import { BucketLocationConstraint } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { AWS_REGIONS, isAwsRegion, unknownRegionMessage } from '../../../shared/aws/regions';

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
});
