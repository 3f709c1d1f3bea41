/**
 * The rules about hours that every entry point shares — the console, the CLI, the API and the
 * schedule: which hours Ferry exports at all, when an hour has ended, how a range is ordered,
 * and how long a range may be before the admin has to confirm it. One place, so the CLI can not
 * accept an hour the console refuses.
 */
import { hourIndex, hourString } from './export-format';

export const HOUR_MS = 3_600_000;

/** The first hour Ferry exports; earlier ones are a typo (Amplitude did not exist yet). */
export const FIRST_HOUR = '2010-01-01T00';

/**
 * Ranges longer than two years are only started when the admin confirms (731 days, so any two
 * calendar years, leap day included, still pass without asking).
 */
export const LARGE_RANGE_HOURS = 731 * 24;

/**
 * An export hour (`2026-11-30T11`, or an ISO time in it) as Ferry says it everywhere, console,
 * CLI and messages alike: `2026-11-30 11:00 UTC`.
 */
export function hourText(hour: string): string {
  return `${hourLabel(hour)} UTC`;
}

/** The same without the zone, where a heading already says UTC (tables, charts, tiles). */
export function hourLabel(hour: string): string {
  return `${hour.slice(0, 10)} ${hour.slice(11, 13)}:00`;
}

/** The hour `nowMs` falls in (`yyyy-MM-ddTHH`). */
export function currentHour(nowMs: number): string {
  return hourString(Math.floor(nowMs / HOUR_MS));
}

/** The newest hour that is over at `nowMs`. */
export function lastEndedHour(nowMs: number): string {
  return hourString(Math.floor(nowMs / HOUR_MS) - 1);
}

/** True when `hour` is over at `nowMs` (its last millisecond has passed). */
export function hourEnded(hour: string, nowMs: number): boolean {
  return hourIndex(hour) < Math.floor(nowMs / HOUR_MS);
}

/**
 * Why a well-formed hour is outside what Ferry exports, or null: before FIRST_HOUR, or not
 * started yet at `nowMs`. The API's hour schema applies this to every hour it is given.
 */
export function hourBoundsProblem(hour: string, nowMs: number): string | null {
  if (hour < FIRST_HOUR)
    return `${hourText(hour)} is before ${hourText(FIRST_HOUR)}; Ferry exports hours from 2010 on`;
  if (hourIndex(hour) > Math.floor(nowMs / HOUR_MS))
    return `${hourText(hour)} is in the future (it is ${hourText(currentHour(nowMs))} now)`;
  return null;
}

/** Why an hour can not be exported yet at `nowMs` (it has not ended), or null. */
export function notEndedProblem(hour: string, nowMs: number): string | null {
  if (hourEnded(hour, nowMs)) return null;
  return `${hourText(hour)} has not ended yet; the newest hour that can be exported is ${hourText(lastEndedHour(nowMs))}`;
}

/** Why `from`–`to` is not a range (it runs backwards), or null. */
export function rangeOrderProblem(from: string, to: string): string | null {
  return from <= to
    ? null
    : `The range must start before it ends (${hourText(from)} is after ${hourText(to)})`;
}

/** How many hours `from`–`to` holds, both included. */
export function rangeHours(from: string, to: string): number {
  return hourIndex(to) - hourIndex(from) + 1;
}

/** True when a range is long enough that starting it needs the admin's confirmation. */
export function needsConfirmation(from: string, to: string): boolean {
  return rangeHours(from, to) > LARGE_RANGE_HOURS;
}
