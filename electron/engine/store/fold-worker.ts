import { Worker } from 'node:worker_threads';

/**
 * Folding a month's rotated journal into its snapshot parses and writes megabytes of JSON; on
 * the main thread that would stall status writes for tens of milliseconds. This runs it on a
 * short-lived worker thread instead. The worker uses only Node built-ins, so its source is
 * inlined (no separate bundle to ship). It refuses, rather than repairs, a snapshot it can not
 * read: the caller then folds on the main thread, where the damaged-file recovery lives.
 */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { snapshot, rotated, schemaVersion } = workerData;

function writeAtomic(file, text) {
  const temp = path.join(path.dirname(file), '.' + path.basename(file) + '.' + process.pid + '.fold.tmp');
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  if (process.platform !== 'win32') {
    const dir = fs.openSync(path.dirname(file), 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
  }
}

let doc = { schemaVersion, jobs: [] };
try {
  doc = JSON.parse(fs.readFileSync(snapshot, 'utf8'));
} catch (error) {
  if (error.code !== 'ENOENT') throw new Error('snapshot unreadable: ' + error.message);
}
if (doc.schemaVersion !== schemaVersion || !Array.isArray(doc.jobs))
  throw new Error('snapshot has another layout');
const records = new Map(doc.jobs.map((j) => [j.id, j]));
let text = '';
try {
  text = fs.readFileSync(rotated, 'utf8');
} catch (error) {
  if (error.code !== 'ENOENT') throw error;
}
for (const line of text.split('\\n')) {
  if (!line.trim()) continue;
  try {
    const job = JSON.parse(line);
    if (job && typeof job.id === 'string' && typeof job.hour === 'string') records.set(job.id, job);
  } catch {}
}
// One job a line, so each record's byte range is known: pages read the records they show.
const head = '{"schemaVersion":' + schemaVersion + ',"jobs":[\\n';
const parts = [head];
const ids = [];
const offsets = new Float64Array(records.size);
const lengths = new Uint32Array(records.size);
let at = Buffer.byteLength(head);
let n = 0;
for (const job of records.values()) {
  const line = JSON.stringify(job);
  const bytes = Buffer.byteLength(line);
  if (n > 0) { parts.push(',\\n'); at += 2; }
  parts.push(line);
  ids.push(job.id);
  offsets[n] = at;
  lengths[n] = bytes;
  at += bytes;
  n++;
}
parts.push('\\n]}\\n');
const out = parts.join('');
writeAtomic(snapshot, out);
writeAtomic(snapshot + '.bak', out);
fs.rmSync(rotated, { force: true });
parentPort.postMessage({ ids, offsets, lengths }, [offsets.buffer, lengths.buffer]);
`;

/** Where each job's record is in the snapshot a fold wrote. */
export interface FoldedRecords {
  ids: string[];
  offsets: Float64Array;
  lengths: Uint32Array;
}

export function foldInWorker(
  snapshot: string,
  rotated: string,
  schemaVersion: number,
): Promise<FoldedRecords> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SOURCE, {
      eval: true,
      workerData: { snapshot, rotated, schemaVersion },
    });
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
