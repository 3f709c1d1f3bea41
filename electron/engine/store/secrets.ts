import { readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { FerryError } from '../../../shared/api/errors';
import { holdSecret } from '../redact';
import type { SecretsPort } from './ports';
import { writeFileAtomic } from './atomic';
import { dataFolderWriteError } from './data-dir';
import { EnvironmentSecrets } from './env-secrets';
import { isUsable, SecretUnusable } from './secret-unusable';

export { SecretUnusable };

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

const secretEntry = z.object({
  codec: z.string(),
  value: z.string(),
  /** Where the secret may be sent (`https://host:port`, `smtp://host:port`); absent before 0.2. */
  origin: z.string().optional(),
});

/** secrets.json as read back: parsed, never cast (a file that is not one is set aside). */
const secretsFile = z.object({
  version: z.literal(1),
  secrets: z.record(z.string(), secretEntry),
});
type SecretsFile = z.infer<typeof secretsFile>;

/**
 * Secrets (an Amplitude secret key, the SMTP password): never in config.json.
 *
 * Stored in `secrets.json` (mode 0600) sealed by the codec, each bound to the origin it was
 * given for: a secret is only handed out for that origin, so a changed endpoint or SMTP host
 * never receives it. An environment variable `FERRY_SECRET_<NAME>` wins over the file, for
 * hosts that inject secrets; it is bound too — to the origin configured when Ferry started
 * (`bindEnvironment`), or else to the first it is used for — and refused for any other.
 *
 * A `secrets.json` that can not be parsed is never overwritten: it is renamed aside
 * (`secrets.json.damaged-<time>`) before anything is written, and `damaged` says where it went.
 */
export class SecretStore implements SecretsPort {
  private readonly path: string;
  private readonly environment: EnvironmentSecrets;
  /** Where a damaged secrets file was moved, when this store found one. */
  damaged: string | null = null;
  /** Called once a damaged file has been moved aside (the engine tells the admin). */
  onDamaged: ((aside: string) => void) | null = null;

  constructor(
    dataDir: string,
    private readonly codec: SecretCodec = PLAIN_FILE_CODEC,
    env: NodeJS.ProcessEnv = process.env,
    private readonly now: () => Date = () => new Date(),
    /** Read-only (a `show`/`list` command): a damaged file is reported, never moved. */
    private readonly readOnly = false,
  ) {
    this.path = join(dataDir, 'secrets.json');
    this.environment = new EnvironmentSecrets(env);
  }

  /**
   * Bind the secrets given in the environment to the origins configured as Ferry starts: an
   * address changed afterwards (by hand in config.json, or in the console) never receives
   * them. Secrets not named here are bound to the first origin they are used for.
   */
  bindEnvironment(origins: Iterable<readonly [name: string, origin: string]>): void {
    this.environment.bind(origins);
  }

  /** True when the secret comes from the environment (FERRY_SECRET_<NAME>). */
  inEnvironment(name: string): boolean {
    return this.environment.has(name);
  }

  /** `amplitude-secret-key:187520` → `FERRY_SECRET_AMPLITUDE_SECRET_KEY_187520`. */
  static envName(name: string): string {
    return EnvironmentSecrets.envName(name);
  }

  /**
   * The secret, or null when none is stored. With `origin`, a secret stored for another origin
   * throws SecretUnusable instead of being returned.
   */
  async get(name: string, origin?: string): Promise<string | null> {
    const fromEnv = this.environment.get(name, origin);
    if (fromEnv) return held(fromEnv);
    const entry = (await this.read()).secrets[name];
    if (!entry) return null;
    if (entry.codec !== this.codec.name)
      throw new SecretUnusable(
        `The secret "${name}" was sealed by ${entry.codec}, which this Ferry can not open`,
        entry.codec === PLAIN_FILE_CODEC.name
          ? 'It is in the file store: start Ferry with FERRY_SECRET_STORE=file to use it, or enter it again here.'
          : 'Enter it again here.',
      );
    if (origin && entry.origin && entry.origin !== origin)
      throw new SecretUnusable(
        `The secret "${name}" was given for ${entry.origin}, not ${origin}`,
        'Enter it again for the new address; Ferry never sends a secret anywhere else.',
      );
    return held(this.codec.open(entry.value));
  }

  /**
   * True when a usable secret is stored (for `origin`, when given). A store that can not be
   * read throws: "could not read" is never reported as "not stored".
   */
  async has(name: string, origin?: string): Promise<boolean> {
    return isUsable(() => this.get(name, origin));
  }

  /** The origin a stored secret is bound to (null: none stored, or not bound). */
  async originOf(name: string): Promise<string | null> {
    return (await this.read()).secrets[name]?.origin ?? null;
  }

  /** Store a secret for one origin; on disk (fsynced) before this resolves. */
  async set(name: string, value: string, origin: string): Promise<void> {
    holdSecret(value);
    const file = await this.read();
    file.secrets[name] = { codec: this.codec.name, value: this.codec.seal(value), origin };
    await this.write(file);
  }

  async delete(name: string): Promise<void> {
    const file = await this.read();
    if (!(name in file.secrets)) return;
    delete file.secrets[name];
    await this.write(file);
  }

  /** The whole file, atomically: a refused write leaves the secrets as they were. */
  private async write(file: SecretsFile): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`).catch(
      (error: unknown) => {
        throw dataFolderWriteError(error, dirname(this.path));
      },
    );
  }

  private async read(): Promise<SecretsFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { version: 1, secrets: {} };
      // Unreadable (permissions, a folder in its place, I/O): never treated as empty.
      throw new FerryError(
        'internal',
        `The secret store ${this.path} can not be read (${code ?? (error as Error).message}), so no secret was read or changed. Check that it is a file this user may read and write.`,
      );
    }
    const parsed = parseSecrets(text);
    if (parsed) return parsed;
    await this.setAside();
    return { version: 1, secrets: {} };
  }

  /** Move a damaged file out of the way so a later write can not destroy what is left of it. */
  private async setAside(): Promise<void> {
    if (this.readOnly) {
      this.damaged = this.path;
      return;
    }
    const aside = `${this.path}.damaged-${this.now().toISOString().replace(/[:.]/g, '-')}`;
    await rename(this.path, aside);
    this.damaged = aside;
    this.onDamaged?.(aside);
  }
}

function parseSecrets(text: string): SecretsFile | null {
  try {
    const parsed = secretsFile.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Every secret handed out is held by the redaction gate first. */
function held(secret: string): string {
  holdSecret(secret);
  return secret;
}

/** The name of the SMTP password among the secrets. */
export const SMTP_PASSWORD_SECRET = 'smtp-password';

export const amplitudeSecretName = (projectId: number) => `amplitude-secret-key:${projectId}`;
