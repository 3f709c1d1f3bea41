import { type AppSettings, type SettingsUpdate } from '../../../shared/model/settings';

/** The settings form as the admin types it (the password only when a new one is typed). */
export interface Draft {
  host: string;
  port: string;
  secure: boolean;
  allowUnencrypted: boolean;
  user: string;
  password: string;
  from: string;
  concurrency: string;
}

export const draftFrom = (s: AppSettings): Draft => ({
  host: s.smtp?.host ?? '',
  port: String(s.smtp?.port ?? 587),
  secure: s.smtp?.secure ?? false,
  allowUnencrypted: s.smtp?.allowUnencrypted ?? false,
  user: s.smtp?.user ?? '',
  password: '',
  from: s.smtp?.from ?? '',
  concurrency: String(s.concurrency),
});

/** What the draft asks to store: no SMTP server when the host is empty. */
export function settingsInput(draft: Draft): SettingsUpdate {
  return {
    smtp: draft.host.trim()
      ? {
          host: draft.host,
          port: Number(draft.port),
          secure: draft.secure,
          allowUnencrypted: draft.allowUnencrypted,
          user: draft.user || null,
          from: draft.from,
        }
      : null,
    ...(draft.password ? { smtpPassword: draft.password } : {}),
    concurrency: Number(draft.concurrency),
  };
}
