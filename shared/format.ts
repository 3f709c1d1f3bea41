/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/**
 * 1, "object" → "1 object"; 3, "object" → "3 objects" (words whose plural takes an s). Large
 * counts are grouped (`12,345 events`).
 */
export function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** A message as a sentence: a full stop added unless it ends with one (or ? or !). */
export function sentence(text: string): string {
  const t = text.trimEnd();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/**
 * A moment in UTC as Ferry writes it everywhere (the CLI, messages, the runbook, the console's
 * UTC setting): `2026-12-03 14:05 UTC`, from an ISO time or milliseconds since 1970.
 */
export function utcTime(time: string | number): string {
  const iso = typeof time === 'number' ? new Date(time).toISOString() : time;
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
