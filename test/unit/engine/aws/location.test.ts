import { describe, expect, it } from 'vitest';
import { regionOfLocation } from '../../../../electron/engine/aws/verify';

describe('regionOfLocation', () => {
  it('reads GetBucketLocation as S3 answers it: none is us-east-1, the legacy EU is eu-west-1', () => {
    expect(regionOfLocation(undefined)).toBe('us-east-1');
    expect(regionOfLocation('')).toBe('us-east-1');
    expect(regionOfLocation('EU')).toBe('eu-west-1');
    expect(regionOfLocation('ap-southeast-2')).toBe('ap-southeast-2');
  });
});
