/**
 * A backfill's per-hour state, compact: one slot per (hour, dataset) in range order — hour by
 * hour, the backfill's datasets within each — holding how that slot ended, or that it has not
 * yet. Five years of both datasets is 87,600 slots: 86 KB in memory, and a few bytes in
 * `config.json`, because the stored form is run-length encoded and a backfill fills its slots
 * mostly in order ("1200s,3f,86397.").
 */

/** A slot's outcome; `.` has not ended yet (waiting, queued or running). */
export const SLOT = { open: 46, succeeded: 115, failed: 102, cancelled: 99 } as const; // . s f c
export type SlotOutcome = 'succeeded' | 'failed' | 'cancelled';

const CODES = new Set<number>(Object.values(SLOT));

/** `n` slots, none ended. */
export function openSlots(n: number): Uint8Array {
  return new Uint8Array(n).fill(SLOT.open);
}

/** Run-length form: `<count><code>` runs joined by commas, e.g. `12s,1f,30.`. */
export function encodeSlots(slots: Uint8Array): string {
  const runs: string[] = [];
  let at = 0;
  while (at < slots.length) {
    const code = slots[at]!;
    let end = at + 1;
    while (end < slots.length && slots[end] === code) end++;
    runs.push(`${end - at}${String.fromCharCode(code)}`);
    at = end;
  }
  return runs.join(',');
}

/** Slots back from their run-length form; throws on anything else (a damaged record). */
export function decodeSlots(text: string, total: number): Uint8Array {
  const slots = new Uint8Array(total);
  let at = 0;
  for (const run of text ? text.split(',') : []) {
    const m = /^(\d+)([.sfc])$/.exec(run);
    if (!m) throw new Error(`unreadable slot run "${run}"`);
    const n = Number(m[1]);
    const code = m[2]!.charCodeAt(0);
    if (!CODES.has(code) || at + n > total) throw new Error('slot runs do not fit the range');
    slots.fill(code, at, at + n);
    at += n;
  }
  if (at !== total) throw new Error(`slot runs cover ${at} of ${total} slots`);
  return slots;
}

export function slotCode(outcome: SlotOutcome): number {
  return SLOT[outcome];
}

/** How many slots ended which way. */
export function countSlots(slots: Uint8Array): {
  succeeded: number;
  failed: number;
  cancelled: number;
  open: number;
} {
  const counts = { succeeded: 0, failed: 0, cancelled: 0, open: 0 };
  for (const code of slots)
    if (code === SLOT.succeeded) counts.succeeded++;
    else if (code === SLOT.failed) counts.failed++;
    else if (code === SLOT.cancelled) counts.cancelled++;
    else counts.open++;
  return counts;
}

/** The first slot at or after `from` that has not ended, or -1. */
export function nextOpen(slots: Uint8Array, from: number): number {
  return slots.indexOf(SLOT.open, from);
}
