import { Worker } from 'node:worker_threads';
import { builtWorkerFile } from '../worker-file';

/**
 * Folding a month's rotated journal into its snapshot parses and writes megabytes of JSON; on
 * the main thread that would stall status writes for tens of milliseconds. This runs it on a
 * short-lived worker thread instead: store/fold-thread.ts, built with its dependencies to
 * out/worker/fold-worker.js and pinned like the export worker. The fold itself is store/fold.ts,
 * the same function the main thread's fallback uses. It refuses, rather than repairs, a
 * snapshot it can not read: the caller then folds on the main thread, where the damaged-file
 * recovery lives.
 */

declare const __FERRY_FOLD_WORKER_SHA256__: string | null | undefined;
const PINNED =
  typeof __FERRY_FOLD_WORKER_SHA256__ === 'string' ? __FERRY_FOLD_WORKER_SHA256__ : null;

/** Where each job's record is in the snapshot a fold wrote. */
export interface FoldedRecords {
  ids: string[];
  offsets: Float64Array;
  lengths: Uint32Array;
}

export function foldInWorker(snapshot: string, rotated: string): Promise<FoldedRecords> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(builtWorkerFile('fold-worker.js', PINNED), {
        workerData: { snapshot, rotated },
      });
    } catch (error) {
      reject(error);
      return;
    }
    let done = false;
    worker.once('message', (records: FoldedRecords) => {
      done = true;
      resolve(records);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!done) reject(new Error(`the fold worker exited with ${code}`));
    });
  });
}
