import { S3Client } from '@aws-sdk/client-s3';
import { fromIni } from '@aws-sdk/credential-providers';
import type { S3Destination } from '../../../shared/model/entities';

/**
 * Makes AWS clients for a connection: its region, its endpoint (S3-compatible stores, local
 * test servers) and credentials from its AWS profile, resolved by the SDK's own providers —
 * static keys, SSO, assume-role chains, credential_process. Ferry never stores AWS keys.
 */
export interface AwsClients {
  s3(destination: S3Destination): S3Client;
  /** Forget cached clients (profiles changed on disk, or the engine closes). */
  reset(): void;
}

export function createAwsClients(): AwsClients {
  const cache = new Map<string, S3Client>();
  return {
    s3(destination) {
      const key = [
        destination.profile,
        destination.region,
        destination.endpoint ?? '',
        destination.forcePathStyle,
      ].join('|');
      let client = cache.get(key);
      if (!client) {
        client = new S3Client({
          region: destination.region,
          ...(destination.endpoint ? { endpoint: destination.endpoint } : {}),
          forcePathStyle: destination.forcePathStyle,
          // A bucket in another region than configured still works; verification reports it.
          followRegionRedirects: true,
          credentials: fromIni({ profile: destination.profile, ignoreCache: true }),
          maxAttempts: 4,
        });
        cache.set(key, client);
      }
      return client;
    },
    reset() {
      for (const client of cache.values()) client.destroy();
      cache.clear();
    },
  };
}
