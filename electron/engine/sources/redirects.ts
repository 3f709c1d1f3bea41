import { isLoopbackHost } from '../../../shared/model/fields';

/**
 * Which redirects an Amplitude download follows. Amplitude's Export API answers with the hour's
 * zip itself; a redirect comes from something in between (a proxy, a sign-in page) or from
 * whoever runs the endpoint — and whatever answers at its end is read, and the start of an answer
 * that is not a zip is shown in the job's error, which everyone who reads the history sees. Left
 * to `fetch`, a redirect to `http://169.254.169.254/…` (a cloud computer's metadata service,
 * which answers with that computer's AWS credentials) or to a service on the office network
 * would be fetched and its answer shown.
 *
 * So a redirect is followed to https only — or, from an http endpoint on this computer (a test
 * server, a local proxy), to http on this computer — at most MAX_REDIRECTS times; the project's
 * keys go only to the endpoint's own origin.
 */
const MAX_REDIRECTS = 5;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Where a redirect from `from` leads, or why Ferry does not follow it. */
export function redirectTarget(
  from: URL,
  location: string | null,
): { target: URL } | { refused: string; to?: string } {
  if (!location) return { refused: 'the redirect names no address' };
  let target: URL;
  try {
    target = new URL(location, from);
  } catch {
    return { refused: 'the redirect names no valid address' };
  }
  const to = target.origin === 'null' ? target.protocol : target.origin;
  if (target.username || target.password)
    return { refused: 'the address carries a user name or password', to };
  if (target.protocol === 'https:') return { target };
  const local = (url: URL) => url.protocol === 'http:' && isLoopbackHost(url.hostname);
  if (local(target) && local(from)) return { target };
  if (target.protocol === 'http:')
    return { refused: 'Ferry follows redirects to https:// addresses only', to };
  return { refused: `Ferry does not follow redirects to ${target.protocol} addresses`, to };
}

export class RedirectRefused extends Error {
  constructor(
    readonly reason: string,
    readonly to: string | undefined,
  ) {
    super(reason);
  }
}

/**
 * `fetch` of `url` that follows redirects as above: Authorization is sent to the origin of `url`
 * only. Throws RedirectRefused for a redirect it does not follow, or after MAX_REDIRECTS.
 */
export async function fetchFollowing(
  fetchFn: typeof fetch,
  url: string,
  {
    authorization,
    headers,
    signal,
  }: {
    authorization: string;
    headers: Record<string, string>;
    signal: AbortSignal;
  },
): Promise<Response> {
  const origin = new URL(url).origin;
  let at = new URL(url);
  for (let hop = 0; ; hop++) {
    const response = await fetchFn(at, {
      headers: at.origin === origin ? { ...headers, Authorization: authorization } : headers,
      signal,
      redirect: 'manual',
    });
    if (!REDIRECTS.has(response.status)) return response;
    await response.body?.cancel().catch(() => undefined);
    const next = redirectTarget(at, response.headers.get('location'));
    if ('refused' in next) throw new RedirectRefused(next.refused, next.to);
    if (hop + 1 > MAX_REDIRECTS)
      throw new RedirectRefused(`more than ${MAX_REDIRECTS} redirects`, next.target.origin);
    at = next.target;
  }
}
