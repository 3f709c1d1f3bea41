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
