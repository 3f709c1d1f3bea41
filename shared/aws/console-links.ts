/**
 * Links to the AWS console page of a bucket, a KMS key or an IAM role: Region-aware, in the
 * console of the ARN's partition (aws, aws-cn, aws-us-gov). An S3-compatible store (a custom
 * endpoint) has no AWS console: no link. Pure, so every link is unit-tested.
 */

/** The console's address for a partition and Region ("https://eu-west-1.console.aws.amazon.com"). */
function consoleOrigin(partition: string, region: string | null): string {
  if (partition === 'aws-cn') return 'https://console.amazonaws.cn';
  if (partition === 'aws-us-gov') return 'https://console.amazonaws-us-gov.com';
  return region ? `https://${region}.console.aws.amazon.com` : 'https://console.aws.amazon.com';
}

/** The partition a Region belongs to. */
function partitionOf(region: string): string {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** The parts of an ARN, or null for text that is not one. */
function parseArn(
  arn: string,
): { partition: string; service: string; region: string; resource: string } | null {
  const m = /^arn:(aws|aws-cn|aws-us-gov):([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:(.+)$/.exec(arn);
  return m ? { partition: m[1]!, service: m[2]!, region: m[3]!, resource: m[5]! } : null;
}

/** The S3 console at a bucket's prefix; null for an S3-compatible endpoint. */
export function s3ConsoleUrl(destination: {
  bucket: string;
  prefix: string;
  region: string;
  endpoint?: string | null;
}): string | null {
  if (destination.endpoint) return null;
  const { bucket, prefix, region } = destination;
  // shared/ runs everywhere, so the query is built by hand (no URLSearchParams in its lib).
  const folder = prefix
    ? `&prefix=${encodeURIComponent(prefix.endsWith('/') ? prefix : `${prefix}/`)}`
    : '';
  return `${consoleOrigin(partitionOf(region), region)}/s3/buckets/${encodeURIComponent(bucket)}?region=${encodeURIComponent(region)}&bucketType=general${folder}`;
}

/** The KMS console at a key (by its ARN); null for anything else. */
export function kmsKeyConsoleUrl(keyArn: string, endpoint?: string | null): string | null {
  const arn = parseArn(keyArn);
  if (endpoint || !arn || arn.service !== 'kms' || !arn.region) return null;
  const key = /^(key|alias)\/(.+)$/.exec(arn.resource);
  if (!key) return null;
  const page = key[1] === 'key' ? `keys/${key[2]}` : `aliases`;
  return `${consoleOrigin(arn.partition, arn.region)}/kms/home?region=${arn.region}#/kms/${page}`;
}

/** The IAM console at a role (by its ARN); null for anything else. */
export function iamRoleConsoleUrl(roleArn: string, endpoint?: string | null): string | null {
  const arn = parseArn(roleArn);
  if (endpoint || !arn || arn.service !== 'iam') return null;
  const role = /^role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn.resource);
  if (!role) return null;
  return `${consoleOrigin(arn.partition, null)}/iam/home#/roles/details/${encodeURIComponent(role[1]!)}`;
}
