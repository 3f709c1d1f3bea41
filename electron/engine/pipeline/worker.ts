import { parentPort } from 'node:worker_threads';
import zlib from 'node:zlib';
import { EventsQueryCopy } from '../query/parquet-copy';
import { QueryValueError } from '../query/rows';
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
    }
  | {
      /** The query copy of a batch of exported lines (query/batches.ts). */
      type: 'query';
      id: number;
      input: ArrayBuffer;
      length: number;
      /** The upload hour, `yyyy-MM-ddTHH`. */
      hour: string;
      /** The number the batch's first line has among the hour's exported lines (from 1). */
      firstLine: number;
    };

/** One file of a batch's query copy: `length` bytes at `offset` of the reply's `result`. */
export interface QueryFileReply {
  eventDate: string;
  rows: number;
  offset: number;
  length: number;
}

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
      files?: QueryFileReply[];
    }
  | {
      id: number;
      error: string;
      /** The message is for the admin as it is (a value the query copy can not type). */
      plain?: boolean;
    };

/** The batch's files, one after the other in one buffer (transferred, not copied). */
function queryCopy(task: Extract<WorkerTask, { type: 'query' }>): void {
  const copy = new EventsQueryCopy(task.hour);
  const bytes = Buffer.from(task.input, 0, task.length);
  let line = task.firstLine;
  for (let start = 0; start < bytes.length; line++) {
    const end = bytes.indexOf(0x0a, start);
    const stop = end < 0 ? bytes.length : end;
    copy.addLine(bytes.toString('utf8', start, stop), `line ${line} of the hour's export`);
    start = stop + 1;
  }
  const files = copy.finish();
  const result = new Uint8Array(files.reduce((sum, f) => sum + f.bytes.length, 0));
  const placed: QueryFileReply[] = [];
  let offset = 0;
  for (const file of files) {
    result.set(file.bytes, offset);
    placed.push({ eventDate: file.eventDate, rows: file.rows, offset, length: file.bytes.length });
    offset += file.bytes.length;
  }
  parentPort!.postMessage(
    { id: task.id, result: result.buffer, files: placed, input: task.input } satisfies WorkerReply,
    [result.buffer, task.input],
  );
}

// The pipeline's worker thread: scans blocks of lines, deflates chunks and writes query copies,
// on request.
parentPort!.on('message', (task: WorkerTask) => {
  try {
    if (task.type === 'query') {
      queryCopy(task);
    } else if (task.type === 'scan') {
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
      plain: error instanceof QueryValueError || undefined,
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
