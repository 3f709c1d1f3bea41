import { parentPort } from 'node:worker_threads';
import zlib from 'node:zlib';
import { scanBlock, type ScanConfig } from './line-scan';

/** Messages the pool sends; see pool.ts. */
export type WorkerTask =
  | {
      type: 'scan';
      id: number;
      block: SharedArrayBuffer;
      length: number;
      config: ScanConfig;
      /** Where to put the records when they fit (a buffer the main thread reuses). */
      output: ArrayBuffer | null;
    }
  | {
      type: 'deflate';
      id: number;
      input: ArrayBuffer;
      length: number;
      dictionary: ArrayBuffer | null;
      level: number;
      finish: boolean;
      /** Where to put the compressed bytes when they fit (a buffer the main thread reuses). */
      output: ArrayBuffer | null;
    };

/**
 * A deflate's compressed bytes are the first `resultLength` bytes of `result` (the task's
 * `output` buffer when they fit); `input` comes back too (both for reuse), with the CRC-32 of
 * the chunk it held.
 */
export type WorkerReply =
  | {
      id: number;
      result: ArrayBuffer;
      resultLength?: number;
      input?: ArrayBuffer;
      output?: ArrayBuffer | null;
      crc?: number;
    }
  | { id: number; error: string };

// The pipeline's worker thread: scans blocks of lines and deflates chunks, on request.
parentPort!.on('message', (task: WorkerTask) => {
  try {
    if (task.type === 'scan') {
      const into = task.output ? new Int32Array(task.output) : undefined;
      const records = scanBlock(
        Buffer.from(task.block, 0, task.length),
        task.length,
        task.config,
        into,
      );
      const result = records.buffer as ArrayBuffer;
      const fits = result === task.output;
      parentPort!.postMessage(
        {
          id: task.id,
          result,
          resultLength: records.byteLength,
          output: fits ? null : task.output,
        } satisfies WorkerReply,
        fits || !task.output ? [result] : [result, task.output],
      );
    } else {
      const input = Buffer.from(task.input, 0, task.length);
      const crc = zlib.crc32(input);
      const options: zlib.ZlibOptions = {
        level: task.level,
        // The most memory zlib offers (256 KiB per stream): a little faster and smaller than the default.
        memLevel: 9,
        // One output buffer per chunk (compressed chunks are well under this), not many to join.
        chunkSize: 256 * 1024,
        finishFlush: task.finish ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
      };
      if (task.dictionary) options.dictionary = Buffer.from(task.dictionary);
      const out = zlib.deflateRawSync(input, options);
      // Into the main thread's own buffer when it fits: the main thread then makes no new
      // buffer per chunk (less for V8 to reclaim; see collectGarbage for the rest).
      const fits = task.output !== null && out.byteLength <= task.output.byteLength;
      if (fits) new Uint8Array(task.output!).set(out);
      const result = fits ? task.output! : ownBuffer(out);
      const back = fits
        ? [result, task.input]
        : [result, task.input, ...(task.output ? [task.output] : [])];
      // The input buffer goes back too, so the main thread can fill it again instead of allocating.
      parentPort!.postMessage(
        {
          id: task.id,
          result,
          resultLength: out.byteLength,
          input: task.input,
          output: fits ? null : task.output,
          crc,
        } satisfies WorkerReply,
        back,
      );
    }
  } catch (error) {
    parentPort!.postMessage({
      id: task.id,
      error: String((error as Error)?.message ?? error),
    } satisfies WorkerReply);
  }
});

/** An ArrayBuffer of exactly these bytes, copying only when the view does not own its buffer. */
function ownBuffer(view: Buffer): ArrayBuffer {
  const whole = view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
  return (
    whole ? view.buffer : view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength)
  ) as ArrayBuffer;
}
