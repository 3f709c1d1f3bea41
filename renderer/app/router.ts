import { create } from 'zustand';

/** Hash routes (`#/connections/cn_…`): they work the same on app:// and http://. */
interface RouterState {
  path: string;
  navigate(path: string): void;
}

const current = () => window.location.hash.replace(/^#/, '') || '/connections';

export const useRouter = create<RouterState>()((set) => ({
  path: current(),
  navigate(path) {
    if (window.location.hash !== `#${path}`) window.location.hash = path;
    set({ path });
  },
}));

window.addEventListener('hashchange', () => useRouter.setState({ path: current() }));

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
