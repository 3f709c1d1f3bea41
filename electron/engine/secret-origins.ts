import type { Project, SmtpSettings } from '../../shared/model/entities';
import { AMPLITUDE_ENDPOINTS } from './sources/amplitude';

/**
 * Where each kind of secret may be sent: the origin (scheme, host, port) it is stored for.
 *
 * A stored secret is only handed out for its own origin (store/secrets.ts), so changing a
 * project's Amplitude endpoint or region, or the SMTP host or port, needs the secret again.
 */
export function amplitudeOrigin(source: Extract<Project['source'], { type: 'amplitude' }>): string {
  return new URL(source.endpoint ?? AMPLITUDE_ENDPOINTS[source.region]).origin;
}

export function smtpOrigin(smtp: Pick<SmtpSettings, 'host' | 'port'>): string {
  return `smtp://${smtp.host.toLowerCase()}:${smtp.port}`;
}

/** The origin of a project's source secret, or null when its source takes none. */
export function projectSecretOrigin(project: Pick<Project, 'source'>): string | null {
  return project.source.type === 'amplitude' ? amplitudeOrigin(project.source) : null;
}
