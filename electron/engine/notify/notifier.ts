import { hourText } from '../../../shared/model/hours';
import { FerryError } from '../../../shared/api/errors';
import type { PushEvent } from '../../../shared/api/events';
import type { Connection, Organization, Project } from '../../../shared/model/entities';
import type { SmtpSettings } from '../../../shared/model/settings';
import type { Job } from '../../../shared/model/jobs';
import { appSettings } from '../../../shared/model/settings';
import type { DesktopNotification } from '../../../shared/model/schedule';
import { statementForDestination } from '../aws/permissions';
import type { Clock } from '../time/clock';
import { smtpOrigin } from '../secret-binding';
import { SMTP_PASSWORD_SECRET } from '../store/secrets';
import { redactSecrets, redactUpstream } from '../redact';
import type { ConfigPort, SecretsPort } from '../store/ports';

/** How much of an SMTP server's answer Ferry repeats. */
const SMTP_ANSWER_MAX = 500;
/** How a desktop shows a notification (Electron `Notification`); headless has none. */
export interface DesktopPort {
  show(notification: DesktopNotification): void;
}

export { SMTP_PASSWORD_SECRET } from '../store/secrets';
const DAY_MS = 24 * 3_600_000;

export interface NotifierDeps {
  config: ConfigPort;
  secrets: SecretsPort;
  clock: Clock;
  emit(event: PushEvent): void;
  desktop?: DesktopPort;
  log?(error: unknown): void;
  /** Extra certificate authority to trust for the SMTP server (a private CA; tests). */
  smtpCa?: string;
}

interface Subject {
  connection: Connection;
  project: Project;
  org: Organization;
  job: Job;
}

/**
 * Tells people when a connection fails after its tries, and when it works again: a desktop
 * notification (and the push stream, which headless consoles show), and an email to the
 * organization's admin and the connection's creator when SMTP is set up — at most one failure
 * email per connection per day while it keeps failing.
 */
export class Notifier {
  constructor(private readonly deps: NotifierDeps) {}

  /** A connection failed after its tries. Returns when the email (if any) was sent. */
  async failure(subject: Subject, options: { stopped: boolean }): Promise<void> {
    const { connection, job } = subject;
    const error = job.error;
    const now = this.deps.clock.now();
    await this.deps.config.settled(); // an alert still being written counts
    const alert = this.deps.config.data.alerts[connection.id];
    const firstTime = !alert;
    if (firstTime || options.stopped)
      this.desktop({
        title: `Export "${connection.name}" is failing`,
        body: `${hourText(job.hour)} (${job.dataset}): ${error?.message ?? 'failed'}${options.stopped ? ' — its exports are stopped until you fix this and retry.' : ''}`,
        connectionId: connection.id,
        level: 'error',
      });
    // Decide and claim today's email in one config update (they run one at a time), so two
    // hours failing together still send one email.
    const { due, previous } = await this.deps.config.update((data) => {
      const before = data.alerts[connection.id];
      const previous = before?.emailedAt ?? null;
      const due = previous === null || now.getTime() - Date.parse(previous) >= DAY_MS;
      data.alerts[connection.id] = {
        stopped: options.stopped || (before?.stopped ?? false),
        failingSince: before?.failingSince ?? now.toISOString(),
        hour: job.hour,
        dataset: job.dataset,
        error: error ?? { kind: 'transient', code: 'failed', message: 'failed', fix: null },
        emailedAt: due ? now.toISOString() : previous,
      };
      return { due, previous };
    });
    if (!due) return;
    const sent = await this.email(subject, failureEmail(subject, options.stopped));
    if (!sent)
      await this.deps.config.update((data) => {
        const current = data.alerts[connection.id];
        if (current) current.emailedAt = previous;
      });
  }

  /** A connection that was failing exported an hour again. */
  async recovery(subject: Subject): Promise<void> {
    const { connection, job } = subject;
    // Most exports follow a success: no alert, no write. An alert still being written counts.
    await this.deps.config.settled();
    if (!this.deps.config.data.alerts[connection.id]) return;
    // Taken and cleared in one update, so two recoveries send one notice.
    const alert = await this.deps.config.update((data) => {
      const taken = data.alerts[connection.id];
      delete data.alerts[connection.id];
      return taken ?? null;
    });
    if (!alert) return;
    this.desktop({
      title: `Export "${connection.name}" works again`,
      body: `${hourText(job.hour)} (${job.dataset}) was exported.`,
      connectionId: connection.id,
      level: 'info',
    });
    if (alert.emailedAt) await this.email(subject, recoveryEmail(subject, alert.failingSince));
  }

  /** Clear a connection's stop (the admin fixed it, or asked to retry). */
  async unstop(connectionId: string): Promise<void> {
    await this.deps.config.settled();
    if (!this.deps.config.data.alerts[connectionId]?.stopped) return;
    await this.deps.config.update((data) => {
      const alert = data.alerts[connectionId];
      if (alert) alert.stopped = false;
    });
  }

  /** Send a test message with the stored SMTP settings; throws with the server's answer. */
  async testEmail(to: string): Promise<void> {
    const smtp = this.smtp();
    if (!smtp)
      throw new FerryError('validation', 'Set up SMTP in Settings first (host and from address)');
    await this.send(smtp, [to], {
      subject: 'Ferry test email',
      text: 'This is a test email from Ferry. Failure and recovery notices will arrive like this one.',
    }).catch((error: unknown) => {
      throw new FerryError(
        'upstream',
        `The SMTP server refused: ${redactUpstream((error as Error).message, [], SMTP_ANSWER_MAX)}`,
      );
    });
  }

  private desktop(notification: DesktopNotification): void {
    this.deps.emit({ type: 'notification', notification });
    try {
      this.deps.desktop?.show(notification);
    } catch (error) {
      this.deps.log?.(error);
    }
  }

  private smtp(): SmtpSettings | null {
    return appSettings.parse(this.deps.config.data.settings).smtp;
  }

  /** Email the org admin and the connection's creator; false when there is no one or no SMTP. */
  private async email(subject: Subject, message: { subject: string; text: string }) {
    const smtp = this.smtp();
    const to = [
      ...new Set(
        [subject.org.adminEmail, subject.connection.createdBy].filter((v): v is string => !!v),
      ),
    ];
    if (!smtp || to.length === 0) return false;
    try {
      await this.send(smtp, to, message);
      return true;
    } catch (error) {
      this.deps.emit({
        type: 'notice',
        notice: {
          level: 'warning',
          message: `Could not send the email about "${subject.connection.name}" (${redactUpstream((error as Error).message, [], SMTP_ANSWER_MAX)}). Check SMTP in Settings.`,
        },
      });
      this.deps.log?.(error);
      return false;
    }
  }

  private async send(
    smtp: SmtpSettings,
    to: string[],
    message: { subject: string; text: string },
  ): Promise<void> {
    const pass = smtp.user
      ? await this.deps.secrets.get(SMTP_PASSWORD_SECRET, smtpOrigin(smtp))
      : null;
    // Loaded at the first mail: most Ferrys never send one, and the client costs ~20 MB.
    const { createTransport } = await import('nodemailer');
    const transport = createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      // STARTTLS is required unless the admin allowed a server without encryption.
      requireTLS: !smtp.secure && !smtp.allowUnencrypted,
      ignoreTLS: false,
      ...(this.deps.smtpCa && { tls: { ca: this.deps.smtpCa } }),
      auth: smtp.user ? { user: smtp.user, pass: pass ?? '' } : undefined,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    });
    try {
      // The redaction gate for emails: no secret Ferry holds goes out in one.
      await transport.sendMail({
        from: smtp.from,
        to,
        date: this.deps.clock.now(),
        subject: redactSecrets(message.subject),
        text: redactSecrets(message.text),
      });
    } catch (error) {
      const e = error as Error & { code?: string };
      if (
        !smtp.secure &&
        !smtp.allowUnencrypted &&
        (e.code === 'ETLS' || /STARTTLS/i.test(e.message))
      )
        throw new Error(
          `${smtp.host}:${smtp.port} offers no encryption (STARTTLS), so Ferry sent nothing — not the password, not the email. Use the server's TLS port (465, "TLS from the start"), or allow an unencrypted server in Settings if this one is on a trusted network`,
          { cause: error },
        );
      throw error;
    } finally {
      transport.close();
    }
  }
}

/** The failure email: which connection, which hour, what is missing and the statement to add. */
export function failureEmail(
  { connection, project, org, job }: Subject,
  stopped: boolean,
): { subject: string; text: string } {
  const error = job.error;
  const permission = error && /^(s3|kms|sts):/.test(error.code) ? error.code : null;
  const dest = connection.destination;
  const statement =
    permission && dest.type === 's3'
      ? statementForDestination(permission, dest, project.id, connection.id)
      : null;
  const where = dest.type === 's3' ? `s3://${dest.bucket}/${dest.prefix}` : dest.path;
  const lines = [
    `Ferry could not export "${connection.name}" (project ${project.name}, ${project.id}; organization ${org.name}) to ${where}.`,
    '',
    `Failing hour: ${hourText(job.hour)} (${job.dataset}), after ${job.attempts} tries.`,
    `Error: ${error?.message ?? 'unknown'}`,
  ];
  if (permission) lines.push(`Missing permission: ${permission}`);
  if (statement) {
    lines.push('', 'This policy statement grants it:', JSON.stringify(statement, null, 2));
  }
  if (error?.fix) lines.push('', `What to do: ${error.fix}`);
  lines.push(
    '',
    stopped
      ? 'The connection’s exports are stopped until this is fixed. After fixing it, press Retry on the connection in Ferry; missed hours are caught up.'
      : 'Ferry keeps trying; missed hours are caught up when it works again.',
    'You get at most one of these emails per connection per day, and one more when it works again.',
  );
  return {
    subject: `Ferry: export "${connection.name}" is failing (${hourText(job.hour)}${permission ? `, missing ${permission}` : ''})`,
    text: `${lines.join('\n')}\n`,
  };
}

function recoveryEmail(
  { connection, job }: Subject,
  failingSince: string,
): { subject: string; text: string } {
  return {
    subject: `Ferry: export "${connection.name}" works again`,
    text: `Ferry exported "${connection.name}" again: ${hourText(job.hour)} (${job.dataset}) succeeded.\nIt had been failing since ${failingSince}. Missed hours within the lookback are caught up by themselves; older ones show as a gap with a backfill button.\n`,
  };
}
