import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic';

/**
 * How secrets are sealed at rest. The desktop app passes one backed by the OS keychain
 * (Electron safeStorage); headless Ferry keeps them in a file only its user can read.
 */
export interface SecretCodec {
  /** Recorded with each secret, so a file sealed by the desktop app is not misread headless. */
  readonly name: string;
  seal(plain: string): string;
  open(sealed: string): string;
}

export const PLAIN_FILE_CODEC: SecretCodec = { name: 'file-0600', seal: (s) => s, open: (s) => s };

interface SecretsFile {
  version: 1;
  secrets: Record<string, { codec: string; value: string }>;
}

/**
 * Secrets (an Amplitude secret key, the SMTP password): never in config.json.
 *
 * Stored in `secrets.json` (mode 0600) sealed by the codec. An environment variable
 * `FERRY_SECRET_<NAME>` wins over the file, for hosts that inject secrets.
 */
export class SecretStore {
  private readonly path: string;

  constructor(
    dataDir: string,
    private readonly codec: SecretCodec = PLAIN_FILE_CODEC,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.path = join(dataDir, 'secrets.json');
  }

  /** `amplitude-secret-key:187520` → `FERRY_SECRET_AMPLITUDE_SECRET_KEY_187520`. */
  static envName(name: string): string {
    return `FERRY_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
  }

  async get(name: string): Promise<string | null> {
    const fromEnv = this.env[SecretStore.envName(name)];
    if (fromEnv) return fromEnv;
    const entry = (await this.read()).secrets[name];
    if (!entry) return null;
    if (entry.codec !== this.codec.name)
      throw new Error(`The secret "${name}" was sealed by ${entry.codec}; enter it again here`);
    return this.codec.open(entry.value);
  }

  async has(name: string): Promise<boolean> {
    return (await this.get(name).catch(() => null)) !== null;
  }

  async set(name: string, value: string): Promise<void> {
    const file = await this.read();
    file.secrets[name] = { codec: this.codec.name, value: this.codec.seal(value) };
    await writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`);
  }

  async delete(name: string): Promise<void> {
    const file = await this.read();
    if (!(name in file.secrets)) return;
    delete file.secrets[name];
    await writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`);
  }

  private async read(): Promise<SecretsFile> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as SecretsFile;
      return parsed.version === 1 && parsed.secrets ? parsed : { version: 1, secrets: {} };
    } catch {
      return { version: 1, secrets: {} };
    }
  }
}

export const amplitudeSecretName = (projectId: number) => `amplitude-secret-key:${projectId}`;
