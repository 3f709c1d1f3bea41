import { availableParallelism } from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { builtWorkerFile } from '../worker-file';
import type { ScanConfig } from './line-scan';
import type { QueryCopyFile } from '../query/parquet-copy';
import type { WorkerReply, WorkerTask } from './worker';

type TaskBody = WorkerTask extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;

type Reply = Extract<WorkerReply, { result: ArrayBuffer }>;

interface Pending {
  body: TaskBody;
  transfer: ArrayBuffer[];
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

/**
 * A compressed chunk, the chunk's buffer and the output buffer handed back for reuse (`spare`:
 * the one given, or null when the output did not fit it), and the chunk's CRC-32.
 */
export interface Deflated {
  output: Buffer;
  input: ArrayBuffer;
  /** The buffer `output` lies in, to pass to a later deflate once `output` is written. */
  outputBuffer: ArrayBuffer;
  /** The output buffer given that was not used (the bytes did not fit in it). */
  unused: ArrayBuffer | null;
  crc: number;
}

export { unpackedPath, WorkerMismatch } from '../worker-file';

/** A worker refused its input with words for the admin (a value the query copy can not type). */
export class WorkerRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerRefusal';
  }
}

declare const __FERRY_WORKER_SHA256__: string | null | undefined;
const PINNED_WORKER = typeof __FERRY_WORKER_SHA256__ === 'string' ? __FERRY_WORKER_SHA256__ : null;

/** The export worker's file (scan + deflate), proven to be the one built with this bundle. */
export function workerFile(): string {
  return builtWorkerFile('pipeline-worker.js', PINNED_WORKER);
}

/**
 * Worker threads shared by every export of an engine: they scan blocks of lines and deflate
 * chunks, so one hour, several partitions and several hours all spread over every core.
 */
export class WorkerPool {
  readonly size: number;
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<number, Pending>();
  private readonly current = new Map<Worker, number>();
  private nextId = 1;
  private closed = false;

  constructor(
    size = Math.max(1, availableParallelism()),
    /**
     * The workers' V8 limits. By default a small young generation: a scan or deflate allocates
     * little, and every MiB counts towards the export's memory ceiling.
     */
    private readonly limits: ResourceLimits = { maxYoungGenerationSizeMb: 2 },
  ) {
    this.size = size;
  }

  /**
   * Scan the lines of a block in shared memory (see line-scan.ts); resolves to their records,
   * in `output` when they fit (transferred: unusable here until it comes back as the records'
   * buffer).
   */
  async scan(
    block: SharedArrayBuffer,
    length: number,
    config: ScanConfig,
    output: ArrayBuffer | null = null,
  ): Promise<Int32Array> {
    const reply = await this.run(
      { type: 'scan', block, length, config, output },
      output ? [output] : [],
    );
    return new Int32Array(reply.result, 0, (reply.resultLength ?? reply.result.byteLength) / 4);
  }

  /**
   * Raw-deflate the first `length` bytes of `input`, into `output` when the result fits;
   * `input`, `output` and `dictionary` are transferred (unusable here until they come back in
   * the result).
   */
  async deflate(
    input: ArrayBuffer,
    length: number,
    dictionary: Uint8Array | null,
    level: number,
    finish: boolean,
    output: ArrayBuffer | null = null,
  ): Promise<Deflated> {
    const dictionaryBuffer = dictionary ? own(dictionary) : null;
    const transfer = [
      input,
      ...(output ? [output] : []),
      ...(dictionaryBuffer ? [dictionaryBuffer] : []),
    ];
    const reply = await this.run(
      { type: 'deflate', input, length, dictionary: dictionaryBuffer, level, finish, output },
      transfer,
    );
    return {
      output: Buffer.from(reply.result, 0, reply.resultLength ?? reply.result.byteLength),
      input: reply.input!,
      outputBuffer: reply.result,
      unused: reply.output ?? null,
      crc: reply.crc!,
    };
  }

  /**
   * Add the first `length` bytes of `input` (whole exported lines of `hour`, the first numbered
   * `firstLine`) to the query copy the worker holds; resolves to `input`, back for reuse. The
   * copy is state in one worker: only a pool of one (its own) may be asked.
   */
  async queryLines(
    input: ArrayBuffer,
    length: number,
    hour: string,
    firstLine: number,
  ): Promise<ArrayBuffer> {
    if (this.size !== 1) throw new Error('The query copy needs a worker pool of its own, of one');
    const reply = await this.run({ type: 'query-lines', input, length, hour, firstLine }, [input]);
    return reply.result;
  }

  /** The query copy's files so far (one per event date); the next lines start new ones. */
  async queryFinish(): Promise<QueryCopyFile[]> {
    const reply = await this.run({ type: 'query-finish' }, []);
    return (reply.files ?? []).map(({ eventDate, rows, offset, length }) => ({
      eventDate,
      rows,
      bytes: new Uint8Array(reply.result, offset, length),
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0))
      task.reject(new Error('The export workers were stopped'));
    await Promise.all(this.all.map((w) => w.terminate()));
    this.all.length = 0;
    this.idle.length = 0;
  }

  private run(body: TaskBody, transfer: ArrayBuffer[]): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error('The export workers were stopped'));
    return new Promise((resolve, reject) => {
      this.queue.push({ body, transfer, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? this.spawn();
      if (!worker) return;
      const task = this.queue.shift()!;
      const id = this.nextId++;
      this.running.set(id, task);
      this.current.set(worker, id);
      worker.postMessage({ ...task.body, id }, task.transfer);
    }
  }

  private spawn(): Worker | null {
    if (this.all.length >= this.size) return null;
    const worker = new Worker(workerFile(), { resourceLimits: this.limits });
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const task = this.running.get(reply.id);
      this.running.delete(reply.id);
      this.current.delete(worker);
      this.idle.push(worker);
      if (task) {
        if ('result' in reply) task.resolve(reply);
        else
          task.reject(
            reply.plain
              ? new WorkerRefusal(reply.error)
              : new Error(`Export worker failed: ${reply.error}`),
          );
      }
      this.pump();
    });
    worker.on('error', (error) => {
      const id = this.current.get(worker);
      const task = id === undefined ? undefined : this.running.get(id);
      if (id !== undefined) this.running.delete(id);
      task?.reject(error);
      this.all.splice(this.all.indexOf(worker), 1);
      this.current.delete(worker);
      this.pump();
    });
    this.all.push(worker);
    return worker;
  }
}

/** An ArrayBuffer holding exactly these bytes, copying only when the view does not own it. */
function own(view: Uint8Array): ArrayBuffer {
  if (
    view.byteOffset === 0 &&
    view.byteLength === view.buffer.byteLength &&
    view.buffer instanceof ArrayBuffer
  )
    return view.buffer;
  return view.slice().buffer as ArrayBuffer;
}
