import { utcTime } from '../../../shared/format';
import { create } from 'zustand';
import { readSaved, writeSaved } from './saved';

/**
 * Times as the console shows them, in one format: `yyyy-MM-dd HH:mm` and the zone it is in —
 * UTC (the default: export hours and object names are UTC) or this computer's time, as the
 * admin chose in Settings (remembered per browser/desktop profile). Export hours are always
 * UTC, `yyyy-MM-dd HH:00 UTC`: they name files.
 */
export type TimeZonePref = 'utc' | 'local';

function readPref(): TimeZonePref {
  return readSaved('timeZone') === 'local' ? 'local' : 'utc';
}

/** The chosen zone; the console's root reads it, so a change redraws every time shown. */
export const useTimeZone = create<{ zone: TimeZonePref; set(zone: TimeZonePref): void }>()(
  (set) => ({
    zone: readPref(),
    set(zone) {
      writeSaved('timeZone', zone);
      set({ zone });
    },
  }),
);

const pad = (n: number) => String(n).padStart(2, '0');

/** "UTC+01:00" for a date's offset here ("UTC" at zero). */
function offsetLabel(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  if (minutes === 0) return 'UTC';
  const sign = minutes > 0 ? '+' : '-';
  return `UTC${sign}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
}

/** `2026-11-30 11:00 UTC`, or in this computer's time `2026-11-30 12:00 UTC+01:00`. */
export function formatTime(iso: string, zone: TimeZonePref = useTimeZone.getState().zone): string {
  if (zone === 'utc') return utcTime(iso);
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${day} ${pad(d.getHours())}:${pad(d.getMinutes())} ${offsetLabel(d)}`;
}

/**
 * An export hour (`2026-11-30T11` or an ISO time in it): `2026-11-30 11:00 UTC`, always UTC;
 * `hourLabel` the same without the zone, where a heading already says UTC.
 */
export { hourLabel, hourText } from '../../../shared/model/hours';

/** The same time in the other zone, for a tooltip. */
export function otherZone(iso: string): string {
  return formatTime(iso, useTimeZone.getState().zone === 'utc' ? 'local' : 'utc');
}
