import type { GlueClient } from '@aws-sdk/client-glue';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { FerryError } from '../../../shared/api/errors';
import type { S3Destination } from '../../../shared/model/entities';
import { endpointPathProblem } from '../../../shared/model/fields';
import { resolveCredentials } from './profiles';
import { credentialsSdk, glueSdk, iamSdk, kmsSdk, s3Sdk, stsSdk } from './sdk';
import { holdSecret } from '../redact';

/** What an AWS client is made for: whose profile, which region, which endpoint, which role. */
export interface AwsTarget {
  profile: string;
  region: string;
  /** An S3-compatible endpoint; a local test server (moto) serves IAM, KMS and STS there too. */
  endpoint: string | null;
  forcePathStyle?: boolean;
  /** Act as this role (assumed with the profile's credentials), as exports in the role form do. */
  roleArn?: string | null;
  /** A one-time MFA code, for profiles that need one. */
  mfaCode?: string;
}

export interface SetupClients {
  s3: S3Client;
  iam: IAMClient;
  kms: KMSClient;
  sts: STSClient;
  /** The Glue Data Catalog of the connection's Region (the query copy's table). */
  glue: GlueClient;
}

/**
 * Makes AWS clients for a connection: its region, its endpoint and credentials from its AWS
 * profile, resolved by the SDK's own providers — static keys, SSO, assume-role chains,
 * credential_process, MFA. Ferry never stores AWS keys.
 */
export interface AwsClients {
  /** The export's S3 client (cached per destination). */
  s3(destination: S3Destination): Promise<S3Client>;
  /** Fresh clients for setup and verification (policies, roles, keys). */
  setup(target: AwsTarget): Promise<SetupClients>;
  /** Forget cached clients (profiles changed on disk, or the engine closes). */
  reset(): void;
}

export function createAwsClients(): AwsClients {
  const cache = new Map<string, S3Client>();
  return {
    async s3(destination) {
      const key = [
        destination.profile,
        destination.region,
        destination.endpoint ?? '',
        destination.forcePathStyle,
        destination.roleArn ?? '',
      ].join('|');
      let client = cache.get(key);
      if (!client) {
        const { S3Client } = await s3Sdk();
        client = new S3Client({
          ...common(destination),
          credentials: await credentialsFor(destination),
          maxAttempts: 4,
        });
        cache.set(key, client);
      }
      return client;
    },
    async setup(target) {
      const [{ S3Client }, { IAMClient }, { KMSClient }, { STSClient }, { GlueClient }] =
        await Promise.all([s3Sdk(), iamSdk(), kmsSdk(), stsSdk(), glueSdk()]);
      const credentials = await credentialsFor(target, true);
      const config = { ...common(target), credentials };
      return {
        s3: new S3Client(config),
        iam: new IAMClient({ ...config, region: 'us-east-1' }),
        kms: new KMSClient(config),
        sts: new STSClient(config),
        glue: new GlueClient(config),
      };
    },
    reset() {
      for (const client of cache.values()) client.destroy();
      cache.clear();
    },
  };
}

function common(target: AwsTarget) {
  // A connection saved before endpoints were checked: refused here, never sent elsewhere.
  const path = endpointPathProblem(target.endpoint);
  if (path) throw new FerryError('validation', path, 'destination.endpoint');
  return {
    region: target.region,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    forcePathStyle: target.forcePathStyle ?? false,
    // A bucket in another region than configured still works; verification reports it.
    followRegionRedirects: true,
  };
}

/**
 * The profile's credentials, or a role assumed with them. Exports use the SDK's provider as is
 * (refreshed as credentials expire); setup steps resolve once, turning each failure (expired
 * SSO, missing MFA code, a hanging credential_process…) into an error that says what to do.
 */
async function credentialsFor(
  target: AwsTarget,
  explainFailures = false,
): Promise<AwsCredentialIdentityProvider> {
  const { fromIni, fromTemporaryCredentials } = await credentialsSdk();
  let resolved: ReturnType<typeof resolveCredentials> | null = null;
  const profileCredentials: AwsCredentialIdentityProvider = explainFailures
    ? () => (resolved ??= resolveCredentials(target.profile, { mfaCode: target.mfaCode }))
    : fromIni({ profile: target.profile, ignoreCache: true });
  if (!target.roleArn) return heldBy(profileCredentials);
  const assumed = fromTemporaryCredentials({
    masterCredentials: heldBy(profileCredentials),
    params: { RoleArn: target.roleArn, RoleSessionName: 'ferry-export', DurationSeconds: 3600 },
    clientConfig: {
      region: target.region,
      ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    },
  });
  return heldBy(assumed);
}

/** Credentials the redaction gate knows as they are resolved, refreshed ones included. */
function heldBy(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  return async (options) => {
    const identity = await provider(options);
    holdSecret(identity.secretAccessKey);
    holdSecret(identity.sessionToken);
    return identity;
  };
}
