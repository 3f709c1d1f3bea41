import type { Destination } from './entities';

/** A destination as a person reads it: `s3://bucket/prefix` or the folder path. */
export function describeDestination(destination: Destination): string {
  if (destination.type === 'folder') return destination.path;
  return `s3://${destination.bucket}/${destination.prefix}`;
}
