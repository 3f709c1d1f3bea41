import { measureMemory } from 'node:vm';
import { lineTooLong, MAX_LINE_BYTES } from '../sources/lines';

const BLOCK_BYTES = 1024 * 1024;
/** Room for a block plus the read chunk that completes it. */
const BLOCK_CAPACITY = 2 * 1024 * 1024;
/** Blocks being scanned ahead of the one being written. */
export const LOOKAHEAD = 4;
/** Spare blocks kept for the next export: enough for a few exports running at once. */
const MAX_SPARE_BLOCKS = 4 * (LOOKAHEAD + 2);
const SPARE_BLOCKS: SharedArrayBuffer[] = [];

let sinceCollection = 0;
let collecting = false;
/** Input between two forced collections (see collectGarbage). */
export const COLLECT_EVERY = 256 * 1024 * 1024;

/**
 * Start a garbage collection after every 256 MiB of input. What an export leaves behind (answers
 * of the workers, parsed lines) is memory V8 reclaims late on its own, which on a
 * 10-million-event hour adds about 20 MiB to the peak (measured by `npm run bench -- --events
 * 10000000`). Every 64 MiB cost ~0.3 s of a 1M-event export's main thread, the export's
 * bottleneck; 256 became affordable once the S3 sink stopped leaving a dead 5 MiB buffer per
 * part (10M events: S3 export 286 MB, folder 250 MB; limit 300). `vm.measureMemory` with eager
 * execution is Node's public way to start a collection now — in the CLI and in Electron's main
 * process alike, with no V8 flag set at run time. Its measurement is not used; one runs at a time.
 */
export function collectGarbage(bytes: number): void {
  sinceCollection += bytes;
  if (sinceCollection < COLLECT_EVERY || collecting) return;
  sinceCollection = 0;
  collecting = true;
  const done = () => void (collecting = false);
  withoutExperimentalWarning('measureMemory', () =>
    measureMemory({ mode: 'summary', execution: 'eager' }),
  ).then(done, done);
}

/**
 * Call `run` without the one-time ExperimentalWarning Node prints for `feature` (it would
 * reach the admin's terminal as if something were wrong); every other warning is printed.
 */
function withoutExperimentalWarning<T>(feature: string, run: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string })?.type;
    if (type === 'ExperimentalWarning' && String(warning).includes(feature)) return;
    (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return run();
  } finally {
    process.emitWarning = emit;
  }
}

/**
 * Cuts byte streams into blocks of whole lines (about 1 MiB) in shared memory, which the
 * workers read without a copy. Blocks are reused once released: fresh memory costs page faults
 * that would otherwise be a real share of an export's CPU time.
 */
export class SharedBlocks {
  /**
   * Spare blocks, shared by every export of the process: a backfill of thousands of small hours
   * reuses a handful of buffers instead of allocating (and leaving the allocator holding) 2 MiB
   * per hour — which grew a server past 600 MB.
   */
  private readonly spare = SPARE_BLOCKS;

  async *from(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    const pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const emit = (upTo: number): Uint8Array => {
      const sab =
        upTo <= BLOCK_CAPACITY
          ? (this.spare.pop() ?? new SharedArrayBuffer(BLOCK_CAPACITY))
          : new SharedArrayBuffer(upTo);
      const view = new Uint8Array(sab, 0, upTo);
      let at = 0;
      while (at < upTo) {
        const head = pending[0]!;
        const take = Math.min(head.length, upTo - at);
        view.set(head.subarray(0, take), at);
        at += take;
        if (take === head.length) pending.shift();
        else pending[0] = head.subarray(take);
      }
      pendingBytes -= upTo;
      return view;
    };
    for await (const chunk of chunks) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes < BLOCK_BYTES) continue;
      const nl = chunk.lastIndexOf(10);
      if (nl < 0) {
        // A line longer than the block: keep collecting, up to the longest line Ferry reads.
        if (pendingBytes > MAX_LINE_BYTES + BLOCK_BYTES) throw lineTooLong();
        continue;
      }
      yield emit(pendingBytes - (chunk.length - nl - 1));
      // What is left is the start of the next line; keep it independent of the producer's buffer.
      if (pending.length === 1) pending[0] = pending[0]!.slice();
    }
    if (pendingBytes > 0) yield emit(pendingBytes);
  }

  /** The same blocks, read straight into shared memory (plain files): no intermediate buffers. */
  async *fromReader(
    read: (target: Uint8Array, offset: number, length: number) => Promise<number>,
  ): AsyncGenerator<Uint8Array> {
    let carry: Uint8Array | null = null;
    let capacity = BLOCK_CAPACITY;
    for (;;) {
      const sab =
        capacity === BLOCK_CAPACITY
          ? (this.spare.pop() ?? new SharedArrayBuffer(capacity))
          : new SharedArrayBuffer(capacity);
      const view = new Uint8Array(sab);
      let used = 0;
      if (carry) {
        view.set(carry);
        used = carry.length;
      }
      let ended = false;
      while (used < BLOCK_BYTES) {
        const n = await read(view, used, capacity - used);
        if (n === 0) {
          ended = true;
          break;
        }
        used += n;
        if (used === capacity) break;
      }
      if (ended) {
        if (used > 0) yield view.subarray(0, used);
        return;
      }
      const nl = view.lastIndexOf(10, used - 1);
      if (nl < 0) {
        // One line fills the whole block: read it into a bigger one.
        if (capacity > MAX_LINE_BYTES) throw lineTooLong();
        carry = view.slice(0, used);
        capacity *= 2;
        continue;
      }
      capacity = BLOCK_CAPACITY;
      carry = nl + 1 < used ? view.slice(nl + 1, used) : null;
      yield view.subarray(0, nl + 1);
    }
  }

  release(block: Uint8Array): void {
    if (block.buffer.byteLength === BLOCK_CAPACITY && this.spare.length < MAX_SPARE_BLOCKS)
      this.spare.push(block.buffer as SharedArrayBuffer);
  }
}
