/**
 * The AWS Regions a bucket can be in, with the names the AWS console shows. A connection to AWS
 * (no custom endpoint) must name one of them; an S3-compatible store names its own.
 * test/unit/shared/regions.test.ts checks this list against the S3 SDK's, so an SDK update that
 * knows a new Region fails a test until it is added here.
 */
export const AWS_REGIONS = [
  ['us-east-1', 'US East (N. Virginia)'],
  ['us-east-2', 'US East (Ohio)'],
  ['us-west-1', 'US West (N. California)'],
  ['us-west-2', 'US West (Oregon)'],
  ['af-south-1', 'Africa (Cape Town)'],
  ['ap-east-1', 'Asia Pacific (Hong Kong)'],
  ['ap-east-2', 'Asia Pacific (Taipei)'],
  ['ap-south-1', 'Asia Pacific (Mumbai)'],
  ['ap-south-2', 'Asia Pacific (Hyderabad)'],
  ['ap-southeast-1', 'Asia Pacific (Singapore)'],
  ['ap-southeast-2', 'Asia Pacific (Sydney)'],
  ['ap-southeast-3', 'Asia Pacific (Jakarta)'],
  ['ap-southeast-4', 'Asia Pacific (Melbourne)'],
  ['ap-southeast-5', 'Asia Pacific (Malaysia)'],
  ['ap-southeast-6', 'Asia Pacific (New Zealand)'],
  ['ap-southeast-7', 'Asia Pacific (Thailand)'],
  ['ap-northeast-1', 'Asia Pacific (Tokyo)'],
  ['ap-northeast-2', 'Asia Pacific (Seoul)'],
  ['ap-northeast-3', 'Asia Pacific (Osaka)'],
  ['ca-central-1', 'Canada (Central)'],
  ['ca-west-1', 'Canada West (Calgary)'],
  ['eu-central-1', 'Europe (Frankfurt)'],
  ['eu-central-2', 'Europe (Zurich)'],
  ['eu-west-1', 'Europe (Ireland)'],
  ['eu-west-2', 'Europe (London)'],
  ['eu-west-3', 'Europe (Paris)'],
  ['eu-south-1', 'Europe (Milan)'],
  ['eu-south-2', 'Europe (Spain)'],
  ['eu-north-1', 'Europe (Stockholm)'],
  ['il-central-1', 'Israel (Tel Aviv)'],
  ['me-south-1', 'Middle East (Bahrain)'],
  ['me-central-1', 'Middle East (UAE)'],
  ['mx-central-1', 'Mexico (Central)'],
  ['sa-east-1', 'South America (São Paulo)'],
  ['us-gov-east-1', 'AWS GovCloud (US-East)'],
  ['us-gov-west-1', 'AWS GovCloud (US-West)'],
  ['cn-north-1', 'China (Beijing)'],
  ['cn-northwest-1', 'China (Ningxia)'],
] as const;

const CODES = new Set<string>(AWS_REGIONS.map(([code]) => code));

export function isAwsRegion(code: string): boolean {
  return CODES.has(code);
}

/** "us-east-9 is not an AWS Region…", with the nearest codes when there are some. */
export function unknownRegionMessage(code: string): string {
  const family = code.replace(/-\d+$/, '');
  const near = AWS_REGIONS.filter(([c]) => c.startsWith(family)).slice(0, 3);
  const hint = near.length
    ? ` Did you mean ${near.map(([c, name]) => `${c} (${name})`).join(', ')}?`
    : ' Pick one from the list, e.g. us-east-1 (US East, N. Virginia).';
  return `${code} is not an AWS Region.${hint} (A custom endpoint accepts its own region names.)`;
}

/** What is wrong with a bucket's Region, or null: on AWS (no endpoint) it must be one of AWS's. */
export function regionProblem(region: string, endpoint: string | null | undefined): string | null {
  const code = region.trim();
  return !endpoint && code && !isAwsRegion(code) ? unknownRegionMessage(code) : null;
}

/**
 * What is wrong with a KMS key for a bucket, or null: S3 encrypts only with a key in the bucket's
 * own Region, so a key ARN of another Region can never work (checked before AWS says it in its
 * own words). An alias or an ARN without a Region is left to AWS.
 */
export function kmsKeyProblem(
  keyArn: string | null | undefined,
  bucketRegion: string,
): string | null {
  const keyRegion = keyArn?.match(/^arn:aws[a-z-]*:kms:([a-z0-9-]+):/)?.[1];
  if (!keyRegion || !bucketRegion || keyRegion === bucketRegion.trim()) return null;
  return `The KMS key is in ${keyRegion}, but the bucket is in ${bucketRegion}: S3 can only encrypt with a key in the bucket's own Region. Create or pick a key in ${bucketRegion} (a multi-Region key needs its replica there).`;
}
