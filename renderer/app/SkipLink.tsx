import { useState } from 'react';

const HIDDEN = {
  position: 'absolute',
  left: -10_000,
  width: 1,
  height: 1,
  overflow: 'hidden',
} as const;
const SHOWN = {
  position: 'fixed',
  left: 8,
  top: 8,
  zIndex: 2000,
  padding: '8px 16px',
  background: '#fff',
  color: '#0972d3',
  borderRadius: 8,
  boxShadow: '0 2px 8px rgba(0,0,0,0.3)',
} as const;

/** A link seen only while it has the focus, that moves the focus to `target()`. */
function Skip({ label, target }: { label: string; target(): HTMLElement | null }) {
  const [focused, setFocused] = useState(false);
  return (
    <a
      href="#main-content"
      style={focused ? SHOWN : HIDDEN}
      onFocus={() => setFocused(true)}
      onBlur={() => setFocused(false)}
      onClick={(e) => {
        // Not a hash change: the hash is the route.
        e.preventDefault();
        // What it leads to may be drawn a moment later (a navigation that was folded).
        const go = (tries: number) => {
          const to = target();
          if (!to) return tries > 0 && requestAnimationFrame(() => go(tries - 1));
          if (!to.matches('a[href], button, input')) to.tabIndex = -1;
          to.focus();
        };
        go(10);
      }}
    >
      {label}
    </a>
  );
}

/**
 * The first stops of Tab: past the navigation to the page's heading, or to the navigation
 * itself (Tab, Tab, Enter from anywhere a page starts).
 */
export function SkipLink({ openNavigation }: { openNavigation(): void }) {
  return (
    <>
      <Skip
        label="Skip to main content"
        target={() => {
          const main = document.getElementById('main-content');
          return main?.querySelector<HTMLElement>('h1') ?? main;
        }}
      />
      <Skip
        label="Skip to navigation"
        target={() => {
          // A folded navigation (a narrow window) opens first.
          openNavigation();
          // The side navigation (the one that links to Jobs; breadcrumbs are a nav too).
          const nav = [...document.querySelectorAll('nav')].find((n) =>
            n.querySelector('a[href="#/jobs"]'),
          );
          return nav?.querySelector<HTMLElement>('a[href]') ?? null;
        }}
      />
    </>
  );
}
