import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../engine';

/**
 * Settings the desktop app needs before Electron is ready, so they can not live in config.json
 * (read by the engine, later): `desktop.json` in the data folder, written by the admin.
 *
 * `passwordStore` tells Electron which keyring to use on Linux (its `--password-store` switch):
 * on sway, i3, Hyprland, LXQt … Electron picks `basic_text` even where gnome-keyring or KWallet
 * runs, and an app started from a menu can not be given a switch or an environment variable.
 * `updates: false` stops the app checking for updates by itself (the tray's checkbox sets it).
 */
export interface DesktopSettings {
  passwordStore?: PasswordStore;
  updates?: boolean;
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
  const fields = (parsed ?? {}) as { passwordStore?: unknown; updates?: unknown };
  const settings: DesktopSettings = {};
  const problems: string[] = [];
  const store = fields.passwordStore;
  if (typeof store === 'string' && (PASSWORD_STORES as readonly string[]).includes(store))
    settings.passwordStore = store as PasswordStore;
  else if (store !== undefined)
    problems.push(
      `${path}: passwordStore must be one of ${PASSWORD_STORES.join(', ')}; it was not used.`,
    );
  if (typeof fields.updates === 'boolean') settings.updates = fields.updates;
  else if (fields.updates !== undefined)
    problems.push(`${path}: updates must be true or false; it was not used.`);
  return { settings, problem: problems.length ? problems.join(' ') : null };
}

/**
 * Change some settings in desktop.json, keeping what else the admin wrote there. A file that is
 * not JSON is the admin's to fix: it is not overwritten.
 */
export async function saveDesktopSettings(dataDir: string, change: DesktopSettings): Promise<void> {
  const path = join(dataDir, DESKTOP_SETTINGS_FILE);
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '{}';
    throw error;
  });
  let current: unknown;
  try {
    current = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON: fix or remove it, then change the setting again.`);
  }
  const next = { ...(current as object), ...change };
  await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`);
}
