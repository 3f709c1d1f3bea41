import type { Project } from '../../shared/model/entities';
import type { SmtpSettings } from '../../shared/model/settings';
import { amplitudeSecretName, SMTP_PASSWORD_SECRET } from './store/secrets';
import { AMPLITUDE_ENDPOINTS } from './sources/amplitude';

/*
 * Secrets bound to where they go: the origin each kind of secret may be sent to (the notice that
 * names the projects whose secret must be entered again is in secrets-notice.ts).
 *
 * A stored secret is only handed out for its own origin (store/secrets.ts), so changing a
 * project's Amplitude endpoint or region, or the SMTP host or port, needs the secret again.
 */

/** The origin (scheme, host, port) an Amplitude source's keys are sent to. */
export function amplitudeOrigin(source: Extract<Project['source'], { type: 'amplitude' }>): string {
  return new URL(source.endpoint ?? AMPLITUDE_ENDPOINTS[source.region]).origin;
}

/**
 * Where the SMTP password may go: the server, and whether the way there is encrypted. A
 * password given for an encrypted connection is asked for again before it may travel in clear
 * (`smtp+plain://`).
 */
export function smtpOrigin(
  smtp: Pick<SmtpSettings, 'host' | 'port'> &
    Partial<Pick<SmtpSettings, 'secure' | 'allowUnencrypted'>>,
): string {
  const plain = !smtp.secure && smtp.allowUnencrypted === true;
  return `${plain ? 'smtp+plain' : 'smtp'}://${smtp.host.toLowerCase()}:${smtp.port}`;
}

/** An SMTP origin as the admin reads it: `smtp.example.com:587 (unencrypted allowed)`. */
export function smtpOriginLabel(origin: string): string {
  return origin.startsWith('smtp+plain://')
    ? `${origin.slice('smtp+plain://'.length)} (unencrypted allowed)`
    : origin.replace('smtp://', '');
}

/**
 * Each secret's name and the origin it is for, as configured now: what the environment's
 * secrets are bound to when Ferry starts (SecretStore.bindEnvironment).
 */
export function configuredOrigins(
  projects: readonly Pick<Project, 'id' | 'source'>[],
  smtp: SmtpSettings | null,
): [name: string, origin: string][] {
  const pairs: [string, string][] = [];
  for (const project of projects) {
    const origin = projectSecretOrigin(project);
    if (origin) pairs.push([amplitudeSecretName(project.id), origin]);
  }
  if (smtp) pairs.push([SMTP_PASSWORD_SECRET, smtpOrigin(smtp)]);
  return pairs;
}

/** The origin of a project's source secret, or null when its source takes none. */
export function projectSecretOrigin(project: Pick<Project, 'source'>): string | null {
  return project.source.type === 'amplitude' ? amplitudeOrigin(project.source) : null;
}
