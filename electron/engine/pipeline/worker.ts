import { parentPort } from 'node:worker_threads';
import zlib from 'node:zlib';
import { scanBlock, type ScanConfig } from './line-scan';

/** Messages the pool sends; see pool.ts. */
export type WorkerTask =
  | { type: 'scan'; id: number; block: SharedArrayBuffer; length: number; config: ScanConfig }
  | {
      type: 'deflate';
      id: number;
      input: ArrayBuffer;
      length: number;
      dictionary: ArrayBuffer | null;
      level: number;
      finish: boolean;
    };

/** `input` comes back from a deflate (for reuse), with the CRC-32 of the chunk it held. */
export type WorkerReply =
  | { id: number; result: ArrayBuffer; input?: ArrayBuffer; crc?: number }
  | { id: number; error: string };

// The pipeline's worker thread: scans blocks of lines and deflates chunks, on request.
parentPort!.on('message', (task: WorkerTask) => {
  try {
    if (task.type === 'scan') {
      const result = scanBlock(Buffer.from(task.block, 0, task.length), task.length, task.config)
        .buffer as ArrayBuffer;
      parentPort!.postMessage({ id: task.id, result } satisfies WorkerReply, [result]);
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
      const whole = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength;
      const result = (
        whole ? out.buffer : out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength)
      ) as ArrayBuffer;
      // The input buffer goes back too, so the main thread can fill it again instead of allocating.
      parentPort!.postMessage(
        { id: task.id, result, input: task.input, crc } satisfies WorkerReply,
        [result, task.input],
      );
    }
  } catch (error) {
    parentPort!.postMessage({
      id: task.id,
      error: String((error as Error)?.message ?? error),
    } satisfies WorkerReply);
  }
});
