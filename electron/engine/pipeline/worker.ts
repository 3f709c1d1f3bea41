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
      /**
       * Lines of the query copy (query/batches.ts), added to the copy this worker holds (one
       * worker is the copy's alone): made into row groups, kept until `query-finish`.
       */
      type: 'query-lines';
      id: number;
      input: ArrayBuffer;
      length: number;
      /** The upload hour, `yyyy-MM-ddTHH`. */
      hour: string;
      /** The number the first line has among the hour's exported lines (from 1). */
      firstLine: number;
    }
  | {
      /** The copy's files so far, one per event date; the next lines start new ones. */
      type: 'query-finish';
      id: number;
    };

/** One file of the query copy: `length` bytes at `offset` of the reply's `result`. */
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

/** The query copy this worker holds, between `query-lines` and `query-finish`. */
let copy: EventsQueryCopy | null = null;

function queryLines(task: Extract<WorkerTask, { type: 'query-lines' }>): void {
  const held = (copy ??= new EventsQueryCopy(task.hour));
  const bytes = Buffer.from(task.input, 0, task.length);
  let line = task.firstLine;
  try {
    for (let start = 0; start < bytes.length; line++) {
      const end = bytes.indexOf(0x0a, start);
      const stop = end < 0 ? bytes.length : end;
      held.addLine(bytes.toString('utf8', start, stop), `line ${line} of the hour's export`);
      start = stop + 1;
    }
  } catch (error) {
    copy = null; // a refused copy is never finished
    throw error;
  }
  parentPort!.postMessage({ id: task.id, result: task.input } satisfies WorkerReply, [task.input]);
}

/** The copy's files, one after the other in one buffer (transferred, not copied). */
function queryFinish(task: Extract<WorkerTask, { type: 'query-finish' }>): void {
  const files = copy?.finish() ?? [];
  copy = null;
  const result = new Uint8Array(files.reduce((sum, f) => sum + f.bytes.length, 0));
  const placed: QueryFileReply[] = [];
  let offset = 0;
  for (const file of files) {
    result.set(file.bytes, offset);
    placed.push({ eventDate: file.eventDate, rows: file.rows, offset, length: file.bytes.length });
    offset += file.bytes.length;
  }
  parentPort!.postMessage(
    { id: task.id, result: result.buffer, files: placed } satisfies WorkerReply,
    [result.buffer],
  );
}

// The pipeline's worker thread: scans blocks of lines, deflates chunks and writes query copies,
// on request.
parentPort!.on('message', (task: WorkerTask) => {
  try {
    if (task.type === 'query-lines') {
      queryLines(task);
    } else if (task.type === 'query-finish') {
      queryFinish(task);
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
