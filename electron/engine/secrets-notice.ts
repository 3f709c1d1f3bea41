import type { Notice } from '../../shared/api/contract';
import type { Project } from '../../shared/model/entities';
import type { Catalog } from './catalog';
import { amplitudeOrigin } from './secret-binding';
import { amplitudeSecretName } from './store/secrets';
import type { SecretsPort } from './store/ports';

/**
 * The Amplitude projects whose secret key must be entered again (a damaged or deleted
 * secrets.json, a changed address), as one notice at every start until they are.
 */
export async function secretsNotice(
  catalog: Catalog,
  secrets: SecretsPort,
  readOnly = false,
): Promise<Notice | null> {
  let unreadable: Set<number>;
  try {
    unreadable = new Set((await catalog.checkSecrets(readOnly)).map((p) => p.id));
  } catch (error) {
    return { level: 'warning', message: (error as Error).message };
  }
  const missing: Project[] = [];
  for (const p of catalog.listProjects()) {
    if (p.source.type !== 'amplitude') continue;
    const name = amplitudeSecretName(p.id);
    // A secret from the environment counts only where it may be used (its bound origin).
    const usable = secrets.inEnvironment(name)
      ? await secrets.has(name, amplitudeOrigin(p.source))
      : p.secretKeyStored && !unreadable.has(p.id);
    if (!usable) missing.push(p);
  }
  if (missing.length === 0 && !secrets.damaged) return null;
  const aside = !secrets.damaged
    ? ''
    : secrets.damaged.endsWith('secrets.json')
      ? `${secrets.damaged} is damaged (Ferry moves it aside the next time it writes). `
      : `secrets.json was damaged and was moved aside to ${secrets.damaged}. `;
  const which = missing.map((p) => `"${p.name}" (${p.id})`).join(', ');
  return {
    level: 'warning',
    message: `${aside}${missing.length > 0 ? `Enter the Amplitude secret key again for ${which}: ${missing.length === 1 ? 'its' : 'their'} exports fail until then.` : 'None of the secrets in use was in it.'}`,
  };
}
