import { SourceError } from './types';

/**
 * Split NDJSON byte chunks into lines without copying more than the carry-over between chunks.
 *
 * Yields blocks: one buffer plus the line boundaries inside it, so a consumer can run a tight
 * synchronous loop over many lines and only await between blocks.
 */
export interface LineBlock {
  buf: Uint8Array;
  /** starts[k]..ends[k] is line k (without its newline, and without a trailing \r). */
  starts: number[];
  ends: number[];
  /** 1-based number of the first line of this block in its stream. */
  firstLine: number;
}

/**
 * The longest line read: far above any real event (Amplitude caps an event's properties well
 * below it), low enough that a stream without newlines can not grow memory without end.
 */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export async function* lineBlocks(
  chunks: AsyncIterable<Uint8Array>,
  maxLine = MAX_LINE_BYTES,
): AsyncGenerator<LineBlock> {
  let carry: Uint8Array | null = null;
  let lineNo = 1;
  for await (const chunk of chunks) {
    const buf: Uint8Array = carry ? concat(carry, chunk) : chunk;
    const starts: number[] = [];
    const ends: number[] = [];
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      starts.push(pos);
      ends.push(nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl);
      pos = nl + 1;
    }
    carry = pos < buf.length ? buf.subarray(pos) : null;
    if (carry && carry.length > maxLine) throw lineTooLong(maxLine, lineNo + starts.length);
    if (starts.length > 0) {
      yield { buf, starts, ends, firstLine: lineNo };
      lineNo += starts.length;
    }
    // Keep the carry-over independent of a chunk the producer may reuse.
    if (carry && carry.buffer === chunk.buffer) carry = carry.slice();
  }
  if (carry && carry.length > 0) {
    const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
    yield { buf: carry, starts: [0], ends: [end], firstLine: lineNo };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** A stream that runs on without a line break past the longest line Ferry reads. */
export function lineTooLong(maxLine = MAX_LINE_BYTES, lineNo?: number): SourceError {
  return new SourceError(
    `${lineNo ? `Line ${lineNo}` : 'A line'} is longer than ${Math.round(maxLine / 1048576)} MiB without a line break`,
    'This is not newline-delimited JSON: check the source (a damaged or wrong file).',
    { code: 'line-too-long' },
  );
}
