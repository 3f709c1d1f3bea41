import { readFileSync, rmSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { writeFileAtomicSync } from './atomic';
import { foldMonth } from './fold';

// The fold worker thread (built to out/worker/fold-worker.js, started by store/fold-worker.ts):
// parsing and writing megabytes of JSON off the thread that answers the console. Synchronous:
// this thread does nothing else meanwhile.
const { snapshot, rotated } = workerData as { snapshot: string; rotated: string };

const readOrNull = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
};

const folded = foldMonth(readOrNull(snapshot), readOrNull(rotated) ?? '');
writeFileAtomicSync(snapshot, folded.text);
writeFileAtomicSync(`${snapshot}.bak`, folded.text);
rmSync(rotated, { force: true });
parentPort!.postMessage({ ids: folded.ids, offsets: folded.offsets, lengths: folded.lengths }, [
  folded.offsets.buffer as ArrayBuffer,
  folded.lengths.buffer as ArrayBuffer,
]);
