import { job as jobSchema, type Job } from '../../../shared/model/jobs';
import { JOBS_SCHEMA_VERSION, jobsFile } from './schema';

/**
 * The month fold as one pure function, shared by the fold worker (store/fold-thread.ts) and
 * the main thread's fallback: a snapshot's text plus a rotated journal's text → the new
 * snapshot's text and where each record sits in it. A journal line counts only when it is a job
 * by the same schema reading uses (`parseJob`), so a fold never writes a snapshot no reader
 * accepts.
 */
export interface FoldedMonth {
  text: string;
  ids: string[];
  offsets: Float64Array;
  lengths: Uint32Array;
}

/** A job from one line of JSON, or null when it is not one. */
export function parseJob(text: string): Job | null {
  try {
    const parsed = jobSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Fold. Throws when the snapshot is there but is not a snapshot of this version: its recovery
 * (the last good copy, or setting it aside) is the caller's.
 */
export function foldMonth(snapshotText: string | null, rotatedText: string): FoldedMonth {
  const records = new Map<string, Job>();
  if (snapshotText !== null) {
    const parsed = jobsFile.safeParse(JSON.parse(snapshotText));
    if (!parsed.success) throw new Error('the snapshot is not one of this version');
    for (const job of parsed.data.jobs) records.set(job.id, job);
  }
  for (const line of rotatedText.split('\n')) {
    const job = line.trim() ? parseJob(line) : null;
    if (job) records.set(job.id, job);
  }
  // One job a line, so each record's byte range is known: pages read the records they show.
  const head = `{"schemaVersion":${JOBS_SCHEMA_VERSION},"jobs":[\n`;
  const parts = [head];
  const ids: string[] = [];
  const offsets = new Float64Array(records.size);
  const lengths = new Uint32Array(records.size);
  let at = Buffer.byteLength(head);
  let n = 0;
  for (const job of records.values()) {
    const line = JSON.stringify(job);
    const bytes = Buffer.byteLength(line);
    if (n > 0) {
      parts.push(',\n');
      at += 2;
    }
    parts.push(line);
    ids.push(job.id);
    offsets[n] = at;
    lengths[n] = bytes;
    at += bytes;
    n++;
  }
  parts.push('\n]}\n');
  return { text: parts.join(''), ids, offsets, lengths };
}
