import { applyMode, Mode } from '@cloudscape-design/global-styles';

export type Theme = 'light' | 'dark';
const KEY = 'ferry.theme';

/** The console's colour theme, kept per browser/desktop profile. */
export function readTheme(): Theme {
  return localStorage.getItem(KEY) === 'dark' ? 'dark' : 'light';
}

export function writeTheme(theme: Theme): void {
  localStorage.setItem(KEY, theme);
  applyMode(theme === 'dark' ? Mode.Dark : Mode.Light);
}
