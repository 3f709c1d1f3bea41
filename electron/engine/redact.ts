import { UNSAFE_ALL } from '../../shared/text';

/**
 * The one redaction gate. Every secret this process handles (Amplitude secret keys, the SMTP
 * password, AWS secret keys and session tokens, the console's access token) is held here the
 * moment it is read, and every exit — API answers, pushed events, job errors, emails, the
 * runbook, CLI output, logs — passes through `redactSecrets` or `redactUpstream`, which take it
 * out in every form an upstream may echo it: raw, JSON-escaped, URL-encoded, and base64
 * (including SMTP AUTH PLAIN's `\0user\0password` and HTTP Basic's `user:password`).
 */

/** How much of an upstream answer a job error keeps. */
export const UPSTREAM_TEXT_MAX = 300;

const REDACTED = '[redacted]';
/** Shorter secrets are not taken out of text: they would match ordinary words. */
const MIN_SECRET = 4;
/** `Authorization: Basic …`, `Bearer …` and the like, wherever they appear. */
const AUTH_SCHEME = /\b(Basic|Bearer|Digest|AWS4-HMAC-SHA256|Token)\s+[A-Za-z0-9+/=._~,:-]{4,}/gi;
/**
 * `password=…`, `"secret_key": "…"`, `x-api-key: …`: the name stays, the value goes. Ferry's
 * own name of a secret (`amplitude-secret-key:187520`) is a name, not a value, and stays whole.
 */
const NAMED_VALUE =
  /(?<!amplitude-)\b((?:proxy-)?authorization|x-api-key|api[-_ ]?key|secret[-_ ]?key|secret|password|passwd|pass|token|access[-_ ]?key(?:[-_ ]?id)?|session[-_ ]?token|cookie)("?\s*[:=]\s*"?)([^\s",;&}]+)/gi;
/** A base64 (or base64url) run long enough to carry a credential. */
const BASE64 = /[A-Za-z0-9+/_-]{8,}={0,2}/g;

/**
 * The most secrets held at once. AWS session credentials are renewed every hour, so a process
 * that runs for weeks would otherwise hold hundreds of dead ones and check every answer against
 * all of them; past this, the one held longest (an expired session token, in practice) goes.
 */
export const MAX_HELD = 64;

/** Held secrets, oldest first (a secret held again moves to the end). */
const held = new Set<string>();

/**
 * What checking text against a set of secrets needs, worked out once per set (every API answer
 * and event passes the gate, so this is on a hot path): the secrets longest first, every form
 * of each, and the shortest base64 run that could decode to one of them — shorter runs (ids,
 * hours, hashes) are never decoded.
 */
interface SecretsView {
  secrets: string[];
  forms: string[];
  base64Run: RegExp;
}
let heldView: SecretsView | null = null;

function viewOf(secrets: Iterable<string>): SecretsView {
  // Longest first, so a secret that contains another is taken out whole.
  const sorted = [...secrets].sort((a, b) => b.length - a.length);
  const shortest = Math.min(...sorted.map((secret) => Buffer.byteLength(secret)));
  // n bytes anywhere in a base64 run need at least floor(4n/3) characters of it.
  const minRun = Math.max(8, Math.floor((4 * shortest) / 3));
  return {
    secrets: sorted,
    forms: sorted.flatMap(formsOf),
    base64Run: new RegExp(`[A-Za-z0-9+/_-]{${minRun},}={0,2}`, 'g'),
  };
}

/** A secret this process now holds: from here on, no exit lets it through. */
export function holdSecret(secret: string | null | undefined): void {
  if (!secret || secret.length < MIN_SECRET) return;
  held.delete(secret);
  held.add(secret);
  while (held.size > MAX_HELD) {
    const oldest = held.values().next().value!;
    held.delete(oldest);
  }
  heldView = null;
}

/** The secrets held so far (tests). */
export function heldSecrets(): readonly string[] {
  return [...held];
}

/** Forget every held secret (tests only: a process never un-learns a secret). */
export function forgetHeldSecrets(): void {
  held.clear();
  heldView = null;
}

/**
 * Text with every held secret (and each of `extra`) taken out in all its forms. Nothing else
 * changes: Ferry's own words, names and numbers stay as they are.
 */
export function redactSecrets(
  text: string,
  extra: readonly (string | null | undefined)[] = [],
): string {
  const view = viewFor(extra);
  return view ? redactWith(text, view) : text;
}

function redactWith(text: string, view: SecretsView): string {
  let out = text;
  for (const form of view.forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
  return out.replace(view.base64Run, (run) =>
    decodesToSecret(run, view.secrets) ? REDACTED : run,
  );
}

/** Frozen values (answers shared by many calls) redacted once per set of held secrets. */
const deepCache = new WeakMap<object, { view: SecretsView; out: unknown }>();

/** A JSON value (an API answer, a pushed event) with every string passed through redactSecrets. */
export function redactDeep<T>(value: T): T {
  const view = viewFor([]);
  return view ? (walk(value, view) as T) : value;
}

function walk(value: unknown, view: SecretsView): unknown {
  if (typeof value === 'string') return redactWith(value, view);
  if (typeof value !== 'object' || value === null) return value;
  const frozen = Object.isFrozen(value);
  if (frozen) {
    const hit = deepCache.get(value);
    if (hit?.view === view) return hit.out;
  }
  const out = walkObject(value, view);
  if (!frozen) return out;
  // A redacted copy of a shared answer is frozen too: shared (and its bytes cached) the same way.
  const shared = out === value ? value : Object.freeze(out);
  deepCache.set(value, { view, out: shared });
  return shared;
}

function walkObject(value: object, view: SecretsView): unknown {
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = walk(item, view);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let out: Record<string, unknown> | null = null;
  for (const [key, item] of Object.entries(value)) {
    const next = walk(item, view);
    if (next !== item) (out ??= { ...(value as Record<string, unknown>) })[key] = next;
  }
  return out ?? value;
}

/**
 * An upstream answer (an error body, a server's message) with everything that could be a
 * credential taken out, control characters replaced, and capped in length.
 *
 * Removes: every held secret and each of `secrets`, in all forms (see redactSecrets); values
 * after authorization schemes and after credential-like names; any base64 run that decodes to
 * `name:value` or `\0name\0value` (HTTP Basic and SMTP AUTH PLAIN credentials).
 */
export function redactUpstream(
  text: string,
  secrets: readonly (string | null | undefined)[] = [],
  max = UPSTREAM_TEXT_MAX,
): string {
  let out = redactSecrets(text.replace(UNSAFE_ALL, ' '), secrets);
  out = out
    .replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(NAMED_VALUE, (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`)
    .replace(BASE64, (run) => (looksLikeCredentials(run) ? REDACTED : run))
    .replace(/\s+/g, ' ')
    .trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/** The view of the held secrets (cached) plus `extra` (worked out for this call). */
function viewFor(extra: readonly (string | null | undefined)[]): SecretsView | null {
  const more = extra.filter(
    (secret): secret is string => !!secret && secret.length >= MIN_SECRET && !held.has(secret),
  );
  if (more.length > 0) return viewOf([...held, ...more]);
  if (held.size === 0) return null;
  return (heldView ??= viewOf(held));
}

/** The ways a secret appears in text an upstream echoes (worked out once per view). */
function formsOf(secret: string): string[] {
  const b64 = Buffer.from(secret).toString('base64').replace(/=+$/, '');
  return [
    ...new Set([
      secret,
      JSON.stringify(secret).slice(1, -1),
      encodeURIComponent(secret),
      encodeURIComponent(secret).replace(/%20/g, '+'),
      b64,
      b64.replace(/\+/g, '-').replace(/\//g, '_'),
    ]),
  ].filter((form) => form.length >= MIN_SECRET);
}

function decodesToSecret(run: string, secrets: readonly string[]): boolean {
  const bytes = Buffer.from(run, 'base64');
  const latin1 = bytes.toString('latin1');
  const utf8 = bytes.toString('utf8');
  return secrets.some(
    (secret) =>
      latin1.includes(secret) ||
      utf8.includes(secret) ||
      latin1.includes(Buffer.from(secret).toString('latin1')),
  );
}

function looksLikeCredentials(run: string): boolean {
  const decoded = Buffer.from(run, 'base64').toString('latin1');
  return (
    /^[\x20-\x7e]+:[\x20-\x7e]+$/.test(decoded) ||
    // eslint-disable-next-line no-control-regex -- AUTH PLAIN separates its parts with NUL
    /^[\x20-\x7e]*\x00[\x20-\x7e]+\x00[\x20-\x7e]+$/.test(decoded)
  );
}
