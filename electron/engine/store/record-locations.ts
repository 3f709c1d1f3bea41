/**
 * Where a job's latest full record is on disk, so a page reads the rows it shows and not the
 * months they are in: the file (a month's snapshot, rotated journal or journal), the byte offset
 * and the length. Pure helpers over bytes; `JobsStore` keeps the locations in the index.
 */
export const WHERE = { unknown: 0, snapshot: 1, rotated: 2, journal: 3 } as const;
export type Where = (typeof WHERE)[keyof typeof WHERE];

export interface RecordRange {
  id: string;
  offset: number;
  length: number;
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const ID_AT_START = /^\{\s*"id"\s*:\s*"((?:[^"\\]|\\.)*)"/;

/**
 * The byte range of every object in a snapshot's `jobs` array (`{"schemaVersion":…,"jobs":[…]}`,
 * compact or pretty-printed), with the id its first key names. A byte scan: UTF-8 never uses
 * ASCII bytes inside a multi-byte character, so braces and quotes are found exactly.
 */
export function snapshotRanges(bytes: Buffer): RecordRange[] {
  const out: RecordRange[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
      continue;
    }
    if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (depth === 2 && b === OPEN_BRACE) start = i;
      depth++;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
      if (depth === 2 && b === CLOSE_BRACE && start >= 0) {
        const id = idAt(bytes, start);
        if (id !== null) out.push({ id, offset: start, length: i + 1 - start });
        start = -1;
      }
    }
  }
  return out;
}

/** The byte range of every line of a journal, without its newline. */
export function lineRanges(bytes: Buffer): { offset: number; length: number }[] {
  const out: { offset: number; length: number }[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end < 0) end = bytes.length;
    if (end > start) out.push({ offset: start, length: end - start });
    start = end + 1;
  }
  return out;
}

function idAt(bytes: Buffer, start: number): string | null {
  const head = bytes.toString('utf8', start, Math.min(bytes.length, start + 256));
  const match = ID_AT_START.exec(head);
  if (!match) return null;
  try {
    return JSON.parse(`"${match[1]}"`) as string;
  } catch {
    return null;
  }
}
