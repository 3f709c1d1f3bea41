/**
 * What the console remembers on this computer (per browser or desktop profile: table settings,
 * the time zone, the theme), read and written in one place that never throws. Storage can be
 * off (a browser policy, some private modes: even reading `localStorage` then throws) or hold a
 * value edited by hand: the console then starts with its defaults, and a choice it can not
 * keep still applies until the page is reloaded.
 */
interface Storage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

const storage = (): Storage | undefined => (globalThis as { localStorage?: Storage }).localStorage;

/** The text saved under `ferry.<key>`, or null. */
export function readSaved(key: string): string | null {
  try {
    return storage()?.getItem(`ferry.${key}`) ?? null;
  } catch {
    return null;
  }
}

/** An object saved as JSON under `ferry.<key>`; {} when absent or not an object. */
export function readSavedObject<T extends object>(key: string): Partial<T> {
  try {
    const value: unknown = JSON.parse(readSaved(key) ?? '{}');
    return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

/** Save text, or an object as JSON, under `ferry.<key>`; false when it could not be kept. */
export function writeSaved(key: string, value: string | object): boolean {
  try {
    const s = storage();
    if (!s) return false;
    s.setItem(`ferry.${key}`, typeof value === 'string' ? value : JSON.stringify(value));
    return true;
  } catch {
    return false;
  }
}
