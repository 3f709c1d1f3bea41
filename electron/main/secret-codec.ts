import { FerryError } from '../../shared/api/errors';
import type { SecretCodec } from '../engine';

/** The part of Electron's safeStorage Ferry uses (a fake in tests). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  getSelectedStorageBackend?(): string;
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
}

/** How the desktop app keeps secrets: the OS keychain, or the 0600 file only when asked to. */
export function desktopSecretCodec(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
): SecretCodec | undefined {
  if (env.FERRY_SECRET_STORE === 'file') return undefined; // the admin chose the file store
  const backend =
    platform === 'linux' ? (safeStorage.getSelectedStorageBackend?.() ?? 'unknown') : null;
  if (safeStorage.isEncryptionAvailable() && backend !== 'basic_text')
    return {
      name: 'os-keychain',
      seal: (plain) => safeStorage.encryptString(plain).toString('base64'),
      open: (sealed) => safeStorage.decryptString(Buffer.from(sealed, 'base64')),
    };
  // No keychain that really protects a secret: refuse to store one rather than fall back.
  const why =
    backend === 'basic_text'
      ? 'this Linux desktop has no keyring Electron can use (its safeStorage backend is basic_text, a fixed key)'
      : 'the OS keychain is not available';
  const refuse = (): never => {
    throw new FerryError(
      'validation',
      `Ferry will not store the secret: ${why}. ${platform === 'linux' ? 'Install and unlock a keyring (gnome-keyring or KWallet, with libsecret), then restart Ferry' : 'Unlock the keychain, then restart Ferry'} — or start Ferry with FERRY_SECRET_STORE=file to keep secrets in a file only your user can read (as headless Ferry does).`,
      'secretKey',
    );
  };
  return { name: 'os-keychain', seal: refuse, open: refuse };
}

/**
 * Said at start, not at the first save: the secrets Ferry can not store here, and the exact fix
 * for this desktop. Null where the keychain works (or the admin chose the file store).
 */
export function keychainNotice(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
  settingsPath: string,
): { level: 'warning'; message: string } | null {
  if (env.FERRY_SECRET_STORE === 'file') return null;
  const backend =
    platform === 'linux' ? (safeStorage.getSelectedStorageBackend?.() ?? 'unknown') : null;
  if (safeStorage.isEncryptionAvailable() && backend !== 'basic_text') return null;
  if (platform !== 'linux')
    return {
      level: 'warning',
      message:
        'The OS keychain is not available, so Ferry can not store Amplitude secret keys or the SMTP password: unlock the keychain and start Ferry again.',
    };
  const desktop = env.XDG_CURRENT_DESKTOP || 'this desktop';
  const store = /kde/i.test(env.XDG_CURRENT_DESKTOP ?? '')
    ? env.KDE_SESSION_VERSION === '5'
      ? 'kwallet5'
      : 'kwallet6'
    : 'gnome-libsecret';
  return {
    level: 'warning',
    message: `${desktop} gave Ferry no keyring (Electron chose ${backend === 'basic_text' ? 'basic_text, a fixed key' : 'none'}), so Ferry will not store Amplitude secret keys or the SMTP password. If a keyring runs (gnome-keyring, KWallet), tell Ferry to use it: put {"passwordStore": "${store}"} in ${settingsPath} and start Ferry again. Without one, install gnome-keyring — or start Ferry with FERRY_SECRET_STORE=file to keep secrets in a file only your user can read.`,
  };
}

/**
 * The same codec, asked of the keychain only when a secret is sealed or opened: the `ferry`
 * command run by the app binary (cli-mode.ts) touches the keychain — which may prompt, or not
 * answer on a CI runner — only for a command that needs a secret.
 */
export function lazySecretCodec(
  make: () => SecretCodec | undefined,
  env: NodeJS.ProcessEnv,
): SecretCodec | undefined {
  if (env.FERRY_SECRET_STORE === 'file') return undefined;
  let codec: SecretCodec | undefined;
  const resolve = (): SecretCodec => {
    codec ??= make();
    if (!codec) throw new Error('No secret codec');
    return codec;
  };
  return {
    name: 'os-keychain',
    seal: (plain) => resolve().seal(plain),
    open: (sealed) => resolve().open(sealed),
  };
}
