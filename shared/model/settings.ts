/**
 * The app's settings (failure emails) and the index of policy backups, as config.json holds them.
 */
import { z } from 'zod';
import { email } from './fields';

/** Where failure emails go out from. The password is a secret (never in config.json). */
export const smtpSettings = z.object({
  host: z
    .string()
    .trim()
    .min(1, { error: 'SMTP host is required, e.g. smtp.example.com' })
    .max(253, { error: 'SMTP host can be at most 253 characters' })
    .refine(
      (v) =>
        /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*)$/.test(
          v,
        ),
      {
        error: 'SMTP host is a host name or address such as smtp.example.com (no spaces)',
      },
    ),
  port: z
    .number({ error: 'Port must be a number' })
    .int()
    .min(1, { error: 'Port must be from 1 to 65535' })
    .max(65535, { error: 'Port must be from 1 to 65535' })
    .default(587),
  /** TLS from the first byte (port 465); otherwise STARTTLS, which the server must offer. */
  secure: z.boolean().default(false),
  /**
   * Send without encryption when the server offers none. Off by default: the password and the
   * failure emails would cross the network in clear.
   */
  allowUnencrypted: z.boolean().default(false),
  user: z
    .string()
    .trim()
    .nullish()
    .transform((v) => v || null),
  from: email,
});
export type SmtpSettings = z.infer<typeof smtpSettings>;

export const appSettings = z.object({
  smtp: smtpSettings.nullable().default(null),
  /** Whether an SMTP password is stored (the password itself is never returned). */
  smtpPasswordStored: z.boolean().default(false),
  /** Exports running at once across all connections. */
  concurrency: z.number().int().min(1).max(16).default(2),
});
export type AppSettings = z.infer<typeof appSettings>;

export const settingsUpdate = z.object({
  smtp: smtpSettings.nullable().optional(),
  /** Write-only; an empty string removes the stored password. */
  smtpPassword: z.string().max(500).optional(),
  concurrency: z
    .number({ error: 'Exports at once must be a number from 1 to 16' })
    .int({ error: 'Exports at once must be a whole number from 1 to 16' })
    .min(1, { error: 'Run at least 1 export at a time' })
    .max(16, { error: 'Run at most 16 exports at a time' })
    .optional(),
});
export type SettingsUpdate = z.input<typeof settingsUpdate>;

// ---------------------------------------------------------------------------------------------
// Backups

export const BACKUP_KINDS = [
  'bucket-policy',
  'bucket-encryption',
  'key-policy',
  'role-trust',
  'role-policy',
  'glue-table',
] as const;

/** What a setting was before Ferry changed it. The file under backups/ is never deleted by Ferry. */
export const backup = z.object({
  id: z.string(),
  kind: z.enum(BACKUP_KINDS),
  /** `s3://bucket`, a key ARN, a role name. */
  target: z.string(),
  /** File name under backups/. */
  file: z.string(),
  takenAt: z.string(),
  connectionId: z.string().nullable(),
  /** False when there was nothing to keep (no policy yet): restoring then removes Ferry's. */
  existed: z.boolean(),
  reason: z.string(),
  /**
   * Who took it (profile, Region, endpoint): who reads and restores it by default, even when no
   * connection was saved (the wizard applies before it creates one). Missing on older backups.
   */
  via: z
    .object({
      profile: z.string(),
      region: z.string(),
      endpoint: z.string().nullable(),
      forcePathStyle: z.boolean(),
    })
    .nullish(),
  /**
   * SHA-256 (hex) of the document kept (of `null` when there was none): a file changed after
   * it was taken is refused. Missing on backups taken before 0.9.
   */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type Backup = z.infer<typeof backup>;

/** The digest a backup's index keeps of its document (see Backup.sha256). */
export function backupDigestInput(document: string | null): string {
  return JSON.stringify(document);
}
