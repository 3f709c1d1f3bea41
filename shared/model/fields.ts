/**
 * Field rules shared by the UI forms, the CLI and the engine.
 *
 * Every rule lives here once so a field error reads the same wherever it is raised. Messages say
 * what is wrong and what a valid value looks like, because a data admin sees them verbatim.
 */
import { z } from 'zod';
import { unsafeTextProblem } from '../text';
import './plain-errors';
import { hourBoundsProblem } from './hours';

/** Largest id we accept: Amplitude ids are well inside JavaScript's safe integer range. */
const MAX_ID_DIGITS = 15;

/**
 * A numeric id (organization, project) typed by a person or passed by a script.
 *
 * Accepts a positive integer or a string of digits, so a form field and `--id 187520` both work;
 * the value is always stored as a number.
 */
export function numericId(label: string) {
  const message = `${label} must be a whole number made of digits only, e.g. 187520`;
  return z.union([z.number(), z.string()], { error: message }).transform((value, ctx) => {
    const text = typeof value === 'number' ? String(value) : value.trim();
    if (text === '') {
      ctx.addIssue({ code: 'custom', message: `${label} is required` });
      return z.NEVER;
    }
    if (!new RegExp(`^[1-9]\\d{0,${MAX_ID_DIGITS - 1}}$`).test(text)) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return Number(text);
  });
}

/** A human-readable name: trimmed, not empty, one line. */
export function displayName(label: string, max = 100) {
  return z
    .string({ error: `${label} is required` })
    .trim()
    .min(1, { error: `${label} is required` })
    .max(max, { error: `${label} can be at most ${max} characters` })
    .superRefine((v, ctx) => {
      const problem = unsafeTextProblem(label, v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}

/** Host names that stay on this computer: the only ones a secret may be sent to over http. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Whether a URL's requests are shielded on their way: TLS, or plain http that never leaves this
 * computer. What secrets (secureUrlProblem) and exported events (sentOverProtectedPath,
 * plainHttpNotice) may be sent over.
 */
function crossesNoOpenNetwork(url: { protocol: string; hostname: string }): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/** The WHATWG URL parser, in every runtime Ferry runs in (shared/ is typed without DOM or Node). */
const WhatwgUrl = (
  globalThis as unknown as {
    URL: new (input: string) => {
      protocol: string;
      hostname: string;
      username: string;
      password: string;
      origin: string;
      host: string;
      pathname: string;
      search: string;
      hash: string;
    };
  }
).URL;

/**
 * Why a URL that credentials will be sent to is not acceptable, or null: https only, except
 * plain http to this computer (a local proxy, a test server).
 *
 * The URL is parsed as `fetch` parses it (`new URL`), and the decision is made on the parsed
 * host — never on text a parser may read differently. What parsers disagree about is refused
 * outright: a backslash (`http://evil.example\@127.0.0.1/` is evil.example to `fetch`), white
 * space, and a user name or password in the URL.
 */
export function secureUrlProblem(value: string): string | null {
  const ambiguous = ambiguousUrlProblem(value, 'https://amplitude.com');
  if (ambiguous) return ambiguous;
  const url = new WhatwgUrl(value);
  if (crossesNoOpenNetwork(url)) return null;
  if (url.protocol === 'http:')
    return 'Use https:// — the API key and secret key would cross the network in clear over http (http is accepted for this computer only: localhost, 127.0.0.1)';
  return 'Enter an https:// URL such as https://amplitude.com';
}

/** An endpoint as the SDK reads it; null when there is none or it is no URL (said by the URL check). */
function endpointUrl(value: string | null | undefined): InstanceType<typeof WhatwgUrl> | null {
  if (!value) return null;
  try {
    return new WhatwgUrl(value);
  } catch {
    return null;
  }
}

/**
 * What an admin should know about an S3-compatible endpoint reached over plain http on another
 * computer, or null: accepted (a MinIO on the office network is common), but every exported
 * event crosses that network readable by anyone on it, with the AWS identity's session token.
 * http to this computer (localhost, 127.0.0.1) crosses no network.
 */
export function plainHttpNotice(endpoint: string | null | undefined): string | null {
  const url = endpointUrl(endpoint);
  if (!url || crossesNoOpenNetwork(url)) return null;
  return `Exports to ${url.host} travel unencrypted (http): anyone on the network between can read the events. Use https:// unless that network is trusted.`;
}

/**
 * Whether what is sent to an S3 endpoint is shielded on its way — by TLS (Amazon S3 itself, or
 * any https endpoint) or because it never leaves this computer (http to localhost) — so nobody
 * between can read or change it. False for plain http to another computer, and for an endpoint
 * that does not parse.
 */
export function sentOverProtectedPath(endpoint: string | null | undefined): boolean {
  if (!endpoint) return true;
  const url = endpointUrl(endpoint);
  return url !== null && crossesNoOpenNetwork(url);
}

/**
 * Why an S3-compatible endpoint is more than a scheme, host and port, or null. A path would be
 * put before every request's bucket and key (`http://minio:9000/sub` sends bucket "b" to the
 * bucket "sub", under "b/…"): the files would land in another bucket, or under other names, than
 * the connection names and Ferry reports. Checked where an endpoint is given and again where a
 * client is made, so an endpoint saved before still writes nowhere unexpected.
 */
export function endpointPathProblem(value: string | null | undefined): string | null {
  const url = endpointUrl(value);
  if (!url) return null;
  if (url.pathname === '/' && !url.search && !url.hash) return null;
  return `Enter the endpoint without a path, such as ${url.origin}: the bucket and prefix have fields of their own, and a path here would put the files in another bucket, or under other names, than the connection shows`;
}

/**
 * Why a URL could be read differently by two parsers, or null: it must parse as `new URL`
 * parses it (what `fetch` and the AWS SDK use), with no backslash, white space or user info —
 * so the host a check looks at is the host requests go to. Used for every endpoint field.
 */
export function ambiguousUrlProblem(value: string, example: string): string | null {
  if (/[\\\s]/.test(value))
    return `Enter the URL without backslashes or spaces, such as ${example}`;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return `Enter a URL such as ${example}`;
  let url: InstanceType<typeof WhatwgUrl>;
  try {
    url = new WhatwgUrl(value);
  } catch {
    return `Enter a URL such as ${example}`;
  }
  // The authority as written must be the host as parsed: no user info, nothing read around.
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(value)![1]!;
  if (url.username || url.password || authority.includes('@'))
    return 'Leave user names and passwords out of the URL: Ferry sends the credentials itself';
  return null;
}

/** Prefixes and suffixes AWS reserves for its own bucket kinds. */
const RESERVED_BUCKET_PREFIXES = ['xn--', 'sthree-', 'sthree-configurator', 'amzn-s3-demo-'];
const RESERVED_BUCKET_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/**
 * Why a name is not a valid general-purpose S3 bucket name, or null when it is.
 *
 * Follows the AWS naming rules (3–63 characters; lowercase letters, digits, dots and hyphens;
 * starts and ends with a letter or digit; no `..`; not an IP address; reserved prefixes and
 * suffixes refused), so a bad name is caught before any AWS call is made.
 */
export function bucketNameProblem(name: string): string | null {
  if (name.length === 0) return 'Bucket name is required';
  if (name.startsWith('s3://'))
    return 'Enter the bucket name only, without "s3://" (e.g. acme-analytics-export)';
  if (name.length < 3 || name.length > 63)
    return `Bucket names are 3 to 63 characters long (this one has ${name.length})`;
  if (/[A-Z]/.test(name)) return 'Bucket names use lowercase letters only';
  if (/[^a-z0-9.-]/.test(name))
    return 'Bucket names may contain only lowercase letters, digits, dots (.) and hyphens (-)';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name))
    return 'Bucket names must begin and end with a letter or a digit';
  if (name.includes('..')) return 'Bucket names must not contain two dots in a row';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'Bucket names must not look like an IP address';
  for (const prefix of RESERVED_BUCKET_PREFIXES)
    if (name.startsWith(prefix))
      return `Bucket names must not start with "${prefix}" (reserved by AWS)`;
  for (const suffix of RESERVED_BUCKET_SUFFIXES)
    if (name.endsWith(suffix))
      return `Bucket names must not end with "${suffix}" (reserved by AWS)`;
  return null;
}

export const bucketName = z
  .string({ error: 'Bucket name is required' })
  .trim()
  .superRefine((value, ctx) => {
    const problem = bucketNameProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

export const region = z
  .string({ error: 'Region is required' })
  .trim()
  .min(1, { error: 'Region is required, e.g. us-east-1' })
  .refine((v) => REGION_PATTERN.test(v), {
    error: 'Region must be an AWS Region code such as us-east-1 or eu-central-1',
  });

/** Characters AWS lists as safe in object keys, plus "/" as the folder separator. */
const SAFE_PREFIX = /^[A-Za-z0-9!_.*'()/-]*$/;
/** Longest key we ever write after the prefix: `-<15 digits>_<yyyy-MM-dd>_<HH>#<nnnn>.json.gz`. */
const LONGEST_FILE_NAME = 48;

/**
 * The folder inside the bucket that exports go to, e.g. `amplitude/events/`.
 *
 * Stored with exactly one trailing slash (or empty for the bucket root), so the object key is
 * always `<prefix><file name>` and "amplitude" and "amplitude/" mean the same folder.
 */
export const prefix = z
  .string()
  .trim()
  .default('')
  .superRefine((value, ctx) => {
    const add = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (value.startsWith('/'))
      add('Prefix must not start with "/" (write amplitude/events, not /amplitude/events)');
    else if (value.startsWith('s3://'))
      add('Enter only the folder inside the bucket, without "s3://bucket/"');
    else if (value.includes('//')) add('Prefix must not contain empty folders ("//")');
    else if (!SAFE_PREFIX.test(value))
      add("Prefix may contain letters, digits, / and the characters ! - _ . * ' ( ) only");
    else if (value.split('/').some((part) => part === '.' || part === '..'))
      add('Prefix must not contain "." or ".." folders');
    else if (value.length > 1024 - LONGEST_FILE_NAME)
      add(`Prefix can be at most ${1024 - LONGEST_FILE_NAME} characters`);
  })
  .transform((value) => (value === '' || value.endsWith('/') ? value : `${value}/`));

/**
 * An AWS profile name as it appears in `~/.aws/config` (`[profile NAME]`) or credentials.
 *
 * Ferry never stores keys; it stores the profile name and lets the AWS SDK resolve it.
 */
export const profileName = z
  .string({ error: 'AWS profile is required' })
  .trim()
  .min(1, { error: 'AWS profile is required (use "default" for the default profile)' })
  .max(128, { error: 'AWS profile names can be at most 128 characters' })
  .refine((v) => /^[A-Za-z0-9_.+=,@/-]+$/.test(v), {
    error:
      'AWS profile names contain letters, digits and _ . + = , @ / - only (no spaces or brackets)',
  });

export const DATASETS = ['events', 'merged-ids'] as const;
export const dataset = z.enum(DATASETS, { error: 'Dataset must be "events" or "merged-ids"' });
export type Dataset = z.infer<typeof dataset>;

/** Which datasets a connection exports: events, merged IDs, or both — at least one, no repeats. */
export const datasets = z
  .array(dataset, { error: 'Choose what to export: events, merged-ids, or both' })
  .min(1, { error: 'Choose at least one dataset: events, merged IDs, or both' })
  .transform((list) => DATASETS.filter((d) => list.includes(d)));

export const email = z.email({ error: 'Enter an email address such as data-team@example.com' });

/** An absolute local folder path (POSIX or Windows). */
export const folderPath = z
  .string({ error: 'Folder is required' })
  .trim()
  .min(1, { error: 'Folder is required' })
  .refine((v) => v.startsWith('/') || /^[A-Za-z]:[\\/]/.test(v) || v.startsWith('\\\\'), {
    error: 'Enter an absolute folder path, e.g. /home/me/ferry-export or C:\\ferry-export',
  })
  // Stored as the folder it names: `/a/../../etc/x` is /etc/x, said so wherever it is shown.
  .transform(normalFolderPath);

/**
 * An absolute folder path with `.` and `..` steps and repeated separators resolved, as the
 * operating system would resolve them (never above the root): pure, for the browser too.
 */
export function normalFolderPath(path: string): string {
  const unc = path.startsWith('\\\\');
  if (!unc && !/^[A-Za-z]:[\\/]/.test(path)) return `/${resolveSteps(path.split('/')).join('/')}`;
  const steps = path.split(/[\\/]+/).filter(Boolean);
  const head = unc ? `\\\\${steps.slice(0, 2).join('\\')}\\` : `${steps[0]}\\`;
  return head + resolveSteps(steps.slice(unc ? 2 : 1)).join('\\');
}

/** Path steps with `.`, `..` and empty steps resolved (`..` never climbs above the first). */
function resolveSteps(steps: readonly string[]): string[] {
  const out: string[] = [];
  for (const step of steps) {
    if (step === '' || step === '.') continue;
    if (step === '..') out.pop();
    else out.push(step);
  }
  return out;
}

/**
 * A UTC hour, written `yyyy-MM-ddTHH` (e.g. `2020-01-25T17`): a real calendar hour from 2010 on
 * that has started (hours.ts holds the bounds; whether it has *ended* depends on the engine's
 * clock and is checked where an export starts).
 */
export const hour = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}$/, {
    error: 'Hours are written yyyy-MM-ddTHH in UTC, e.g. 2020-01-25T17',
  })
  .refine(
    (v) =>
      !Number.isNaN(Date.parse(`${v}:00:00Z`)) &&
      new Date(`${v}:00:00Z`).toISOString().startsWith(v),
    {
      error: 'That hour does not exist on the calendar',
    },
  )
  .superRefine((v, ctx) => {
    const problem = hourBoundsProblem(v, Date.now());
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
