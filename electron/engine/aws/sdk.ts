/**
 * The AWS SDK, loaded on first use: most commands (and folder exports) never need it, and
 * loading it costs about a tenth of a second at every start.
 */
const lazy = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let loaded: Promise<T> | null = null;
  return () => (loaded ??= load());
};

export const s3Sdk = lazy(() => import('@aws-sdk/client-s3'));
export const credentialsSdk = lazy(() => import('@aws-sdk/credential-providers'));
export const kmsSdk = lazy(() => import('@aws-sdk/client-kms'));
export const iamSdk = lazy(() => import('@aws-sdk/client-iam'));
export const glueSdk = lazy(() => import('@aws-sdk/client-glue'));
export const stsSdk = lazy(() => import('@aws-sdk/client-sts'));
