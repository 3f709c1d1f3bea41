/**
 * Which links may leave the app for the system browser: https pages of AWS (console and
 * documentation) and Amplitude (app and documentation) — the only sites the console links to.
 * Anything else a page might try to open (another scheme, a look-alike host, a file, a custom
 * protocol handler) is refused. Kept free of Electron so it is unit-tested.
 */
const ALLOWED_SITES = ['aws.amazon.com', 'amplitude.com'];
/**
 * Not `*.amazonaws.com`: anyone can host a page there (an S3 website bucket, an API Gateway
 * stage), so a link to it is a link to anyone. Only AWS's sign-in pages on that domain.
 */
const ALLOWED_HOSTS = new Set([
  'signin.aws.amazon.com',
  'signin.amazonaws.com',
  // The consoles of the China and GovCloud partitions (shared/aws/console-links.ts).
  'console.amazonaws.cn',
  'console.amazonaws-us-gov.com',
]);

export function isAllowedExternal(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.port) return false;
  const host = url.hostname.toLowerCase();
  return (
    ALLOWED_HOSTS.has(host) ||
    ALLOWED_SITES.some((site) => host === site || host.endsWith(`.${site}`))
  );
}
