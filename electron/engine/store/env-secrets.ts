import { SecretUnusable } from './secret-unusable';

/**
 * Secrets given by the environment (`FERRY_SECRET_<NAME>`), for hosts that inject them: they
 * win over stored ones, and are bound too — to the origin configured when Ferry started
 * (`bind`), or else to the first they are used for — and refused for any other.
 */
export class EnvironmentSecrets {
  /** Where each secret from the environment may go. */
  private readonly origins = new Map<string, string>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** `amplitude-secret-key:187520` → `FERRY_SECRET_AMPLITUDE_SECRET_KEY_187520`. */
  static envName(name: string): string {
    return `FERRY_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
  }

  /**
   * Bind the secrets given in the environment to the origins configured as Ferry starts: an
   * address changed afterwards never receives them. Secrets not named here are bound to the
   * first origin they are used for.
   */
  bind(origins: Iterable<readonly [name: string, origin: string]>): void {
    for (const [name, origin] of origins)
      if (this.env[EnvironmentSecrets.envName(name)] && !this.origins.has(name))
        this.origins.set(name, origin);
  }

  has(name: string): boolean {
    return !!this.env[EnvironmentSecrets.envName(name)];
  }

  /** The secret from the environment (undefined: none given); throws SecretUnusable off-origin. */
  get(name: string, origin?: string): string | undefined {
    const value = this.env[EnvironmentSecrets.envName(name)];
    if (!value || !origin) return value || undefined;
    const bound = this.origins.get(name);
    if (bound === undefined) this.origins.set(name, origin);
    else if (bound !== origin)
      throw new SecretUnusable(
        `The secret "${name}" from ${EnvironmentSecrets.envName(name)} was given for ${bound} when Ferry started, not ${origin}`,
        `Ferry never sends a secret anywhere else. If ${origin} is right, start Ferry again so the environment's secret is given for it; if not, change the address back.`,
      );
    return value;
  }
}
