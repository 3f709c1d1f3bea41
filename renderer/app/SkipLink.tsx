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

/** The first stop of Tab: past the navigation to the page's heading. */
export function SkipLink() {
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
        const main = document.getElementById('main-content');
        const target = main?.querySelector<HTMLElement>('h1') ?? main;
        if (!target) return;
        target.tabIndex = -1;
        target.focus();
      }}
    >
      Skip to main content
    </a>
  );
}
