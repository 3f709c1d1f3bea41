// Hash-route paths as plain strings: pure, so they are unit-tested without a browser.

/** Match a path against a pattern like `/connections/:id`; returns the params or null. */
export function matchRoute(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const a = path.split('?')[0]!.split('/');
  if (p.length !== a.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i]!;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(a[i]!);
    else if (part !== a[i]) return null;
  }
  return params;
}

/** Query parameters of the current hash route (`#/connections/new?project=5`). */
export function routeQuery(path: string): URLSearchParams {
  return new URLSearchParams(path.split('?')[1] ?? '');
}

/**
 * The same path with one query parameter set (or removed, with null), the others kept:
 * `withQuery('/jobs?state=x', 'job', 'jb_1')` → `/jobs?state=x&job=jb_1`.
 */
export function withQuery(path: string, key: string, value: string | null): string {
  const [route, search] = [path.split('?')[0]!, routeQuery(path)];
  if (value === null) search.delete(key);
  else search.set(key, value);
  const query = search.toString();
  return query ? `${route}?${query}` : route;
}
