/**
 * Times as the console shows them: UTC first (export hours are UTC), the local time beside it,
 * labelled — never an unlabelled local time next to a UTC one.
 */

/** `2026-11-30 11:00 UTC` */
export function utcLabel(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** `12:00 your time` */
export function localLabel(iso: string): string {
  return `${new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })} your time`;
}

/** `2026-11-30 11:00 UTC (12:00 your time)` */
export function timeLabel(iso: string): string {
  return `${utcLabel(iso)} (${localLabel(iso)})`;
}
