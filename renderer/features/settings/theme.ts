import { applyMode, Mode } from '@cloudscape-design/global-styles';
import { readSaved, writeSaved } from '../common/saved';

export type Theme = 'light' | 'dark';

/** The console's colour theme, kept per browser/desktop profile. */
export function readTheme(): Theme {
  return readSaved('theme') === 'dark' ? 'dark' : 'light';
}

export function writeTheme(theme: Theme): void {
  writeSaved('theme', theme);
  applyMode(theme === 'dark' ? Mode.Dark : Mode.Light);
}
