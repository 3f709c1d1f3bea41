import { afterEach, describe, expect, it } from 'vitest';
import { readSaved, readSavedObject, writeSaved } from '../../../renderer/features/common/saved';
import { readTheme } from '../../../renderer/features/settings/theme';

const g = globalThis as { localStorage?: unknown };
afterEach(() => {
  delete g.localStorage;
});

/** A working storage, as a browser has. */
function storage(entries: Record<string, string> = {}) {
  const map = new Map(Object.entries(entries));
  g.localStorage = {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
  };
  return map;
}

describe('what the console remembers', () => {
  it('is kept under ferry.<key>, objects as JSON', () => {
    const map = storage();
    expect(writeSaved('theme', 'dark')).toBe(true);
    expect(writeSaved('table.jobs', { pageSize: 50 })).toBe(true);
    expect(map.get('ferry.theme')).toBe('dark');
    expect(readSaved('theme')).toBe('dark');
    expect(readSavedObject('table.jobs')).toEqual({ pageSize: 50 });
  });

  it('gives the defaults for a value edited by hand', () => {
    storage({ 'ferry.table.jobs': '{not json', 'ferry.table.other': '[1,2]' });
    expect(readSavedObject('table.jobs')).toEqual({});
    expect(readSavedObject('table.other')).toEqual({});
  });

  it('never throws where storage is off: even reading localStorage throws there', () => {
    Object.defineProperty(globalThis, 'localStorage', {
      configurable: true,
      get() {
        throw new Error('SecurityError: Access is denied for this document');
      },
    });
    expect(readSaved('theme')).toBeNull();
    expect(readSavedObject('table.jobs')).toEqual({});
    expect(writeSaved('theme', 'dark')).toBe(false);
    // The console starts (main.tsx reads the theme first), in its light theme.
    expect(readTheme()).toBe('light');
  });

  it('without any storage (no browser): defaults, nothing kept', () => {
    expect(readSaved('theme')).toBeNull();
    expect(writeSaved('theme', 'dark')).toBe(false);
  });
});
