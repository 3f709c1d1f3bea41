import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Settings the desktop app needs before Electron is ready, so they can not live in config.json
 * (read by the engine, later): `desktop.json` in the data folder, written by the admin.
 *
 * `passwordStore` tells Electron which keyring to use on Linux (its `--password-store` switch):
 * on sway, i3, Hyprland, LXQt … Electron picks `basic_text` even where gnome-keyring or KWallet
 * runs, and an app started from a menu can not be given a switch or an environment variable.
 */
export interface DesktopSettings {
  passwordStore?: PasswordStore;
}

export const PASSWORD_STORES = ['gnome-libsecret', 'kwallet', 'kwallet5', 'kwallet6'] as const;
export type PasswordStore = (typeof PASSWORD_STORES)[number];

export const DESKTOP_SETTINGS_FILE = 'desktop.json';

/** The settings, or none when the file is missing; a wrong value is left out and said why. */
export function readDesktopSettings(
  dataDir: string,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): { settings: DesktopSettings; problem: string | null } {
  const path = join(dataDir, DESKTOP_SETTINGS_FILE);
  let text: string;
  try {
    text = read(path);
  } catch {
    return { settings: {}, problem: null };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { settings: {}, problem: `${path} is not JSON: it was not used.` };
  }
  const store = (parsed as { passwordStore?: unknown } | null)?.passwordStore;
  if (store === undefined) return { settings: {}, problem: null };
  if (typeof store === 'string' && (PASSWORD_STORES as readonly string[]).includes(store))
    return { settings: { passwordStore: store as PasswordStore }, problem: null };
  return {
    settings: {},
    problem: `${path}: passwordStore must be one of ${PASSWORD_STORES.join(', ')}; it was not used.`,
  };
}
