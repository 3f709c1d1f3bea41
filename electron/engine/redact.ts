import { UNSAFE_ALL } from '../../shared/text';

/**
 * Upstream answers (an Amplitude error body, a server's message) before they go into a job's
 * error, the history files, a log or the CLI: nothing that could be a credential, no control
 * characters, and not too long.
 */

/** How much of an upstream answer a job error keeps. */
export const UPSTREAM_TEXT_MAX = 300;

const REDACTED = '[redacted]';
/** `Authorization: Basic …`, `Bearer …` and the like, wherever they appear. */
const AUTH_SCHEME = /\b(Basic|Bearer|Digest|AWS4-HMAC-SHA256|Token)\s+[A-Za-z0-9+/=._~,:-]{4,}/gi;
/** `password=…`, `"secret_key": "…"`, `x-api-key: …`: the name stays, the value goes. */
const NAMED_VALUE =
  /\b((?:proxy-)?authorization|x-api-key|api[-_ ]?key|secret[-_ ]?key|secret|password|passwd|pass|token|access[-_ ]?key(?:[-_ ]?id)?|session[-_ ]?token|cookie)("?\s*[:=]\s*"?)([^\s",;&}]+)/gi;
/** Base64 long enough to carry `user:password`. */
const BASE64 = /[A-Za-z0-9+/]{8,}={0,2}/g;

/**
 * An upstream answer (an error body, a server's message) with everything that could be a
 * credential taken out, control characters replaced, and capped in length.
 *
 * Removes: each of `secrets` verbatim (and base64 of it); values after authorization schemes
 * and after credential-like names; any base64 run that decodes to printable `name:value`
 * (HTTP Basic credentials).
 */
export function redactUpstream(
  text: string,
  secrets: readonly (string | null | undefined)[] = [],
  max = UPSTREAM_TEXT_MAX,
): string {
  let out = text.replace(UNSAFE_ALL, ' ');
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    out = out.split(secret).join(REDACTED);
    const encoded = base64(secret);
    if (encoded.length >= 6) out = out.split(encoded).join(REDACTED);
  }
  out = out
    .replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(NAMED_VALUE, (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`)
    .replace(BASE64, (run) => (looksLikeCredentials(run) ? REDACTED : run))
    .replace(/\s+/g, ' ')
    .trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

function looksLikeCredentials(run: string): boolean {
  return /^[\x20-\x7e]+:[\x20-\x7e]+$/.test(Buffer.from(run, 'base64').toString('latin1'));
}

function base64(text: string): string {
  return Buffer.from(text).toString('base64').replace(/=+$/, '');
}
