import { useEffect, useRef, type RefObject } from 'react';
import type { Health } from '../../shared/health';
import type { AppState } from '../features/app/store';
import { preloadPages } from './routes';

/**
 * One title per page ("Jobs — Ferry"), led by what is failing ("1 connection failing · Jobs —
 * Ferry"), so a background tab says it too.
 */
export function usePageTitle(pageTitle: string | undefined, health: Health): void {
  const failing = health.level === 'failing' ? `${health.headline} · ` : '';
  useEffect(() => {
    document.title = `${failing}${pageTitle ? `${pageTitle} — Ferry` : 'Ferry'}`;
  }, [pageTitle, failing]);
}

/** How long after the first page is ready the others' code starts to come (when idle). */
const PRELOAD_AFTER_MS = 2000;

/**
 * Once the first page is ready and the browser is idle, every other page's code, so it opens
 * even while Ferry is unreachable — not before: the first load carries only its own page.
 * `data-pages` on #root says when they are all here (tests wait on it).
 */
export function usePreloadPages(state: AppState['state']): void {
  useEffect(() => {
    if (state !== 'ready') return;
    let idle = 0;
    const timer = setTimeout(() => {
      idle = requestIdleCallback(
        () =>
          void preloadPages().then(
            () => document.getElementById('root')?.setAttribute('data-pages', 'loaded'),
            () => undefined,
          ),
        { timeout: PRELOAD_AFTER_MS },
      );
    }, PRELOAD_AFTER_MS);
    return () => {
      clearTimeout(timer);
      cancelIdleCallback(idle);
    };
  }, [state]);
}

/**
 * After a move, the new page's heading has the focus, so a screen reader starts there and Tab
 * goes on from it — never taken from a field the admin is already in. Not on the first page of a
 * visit: there the skip links stay the first stops of Tab.
 */
export function useFocusHeadingOnMove(
  mainRef: RefObject<HTMLDivElement | null>,
  path: string,
  state: AppState['state'],
): void {
  const firstPage = useRef<string | null>(null);
  useEffect(() => {
    const main = mainRef.current;
    if (state !== 'ready' || !main) return;
    firstPage.current ??= path;
    if (firstPage.current === path) return;
    firstPage.current = '';
    const focusHeading = (): boolean => {
      // The new page's heading: a page still loading keeps the old one in the DOM, hidden.
      const heading = [...main.querySelectorAll<HTMLElement>('h1')].find((h) =>
        h.checkVisibility(),
      );
      if (!heading) return false;
      if (main.contains(document.activeElement)) return true;
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
      return document.activeElement === heading;
    };
    // A page loads its code first (its own chunk): wait for its heading to appear.
    const observer = new MutationObserver(() => focusHeading() && observer.disconnect());
    const frame = requestAnimationFrame(() => {
      if (!focusHeading()) observer.observe(main, { childList: true, subtree: true });
    });
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
    };
  }, [mainRef, path, state]);
}
