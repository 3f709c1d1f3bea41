import { appendFile, open, readdir, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Notice } from '../../../shared/api/contract';
import type { Job } from '../../../shared/model/jobs';
import { parseJob } from './fold';
import { foldInWorker, type FoldedRecords } from './fold-worker';
import { stampOf } from './index-file';
import { ValidatedJsonFile } from './json-file';
import { lineRanges, snapshotRanges, WHERE, type Where } from './record-locations';
import { decodeVersioned, emptyJobs, jobsFile, JOBS_SCHEMA_VERSION, type JobsData } from './schema';
import { plural } from '../../../shared/format';

/** Where a job's latest full record is: which file of its month, at what byte, how long. */
export interface Location {
  where: Where;
  offset: number;
  length: number;
}

/** A month read whole. */
export interface MonthRead {
  records: Map<string, Job>;
  locations: Map<string, Location>;
  /** Lines in the live journal (its compaction counts them). */
  journalLines: number;
  /** A rotated journal is there (a fold is owed). */
  rotatedExists: boolean;
  /** The month's file bytes (what the month cache counts). */
  bytes: number;
}

/**
 * One month of job history on disk: `<yyyy-MM>.json` (snapshot), `<yyyy-MM>.log.1` (rotated
 * journal, being folded) and `<yyyy-MM>.log` (live journal). Reading, folding and moving lines
 * between them; `JobsStore` decides when.
 */
const SHARD_FILE = /^(\d{4}-\d{2})\.json$/;
const LOG_FILE = /^(\d{4}-\d{2})\.log(\.1)?$/;

export class MonthFiles {
  /** The months that have a snapshot or a journal in `dir` (none when it does not exist). */
  static async monthsIn(dir: string): Promise<Set<string>> {
    const names = await readdir(dir).catch(() => [] as string[]);
    const months = new Set<string>();
    for (const name of names) {
      const month = SHARD_FILE.exec(name)?.[1] ?? LOG_FILE.exec(name)?.[1];
      if (month) months.add(month);
    }
    return months;
  }

  constructor(
    private readonly dir: string,
    private readonly notify: (n: Notice) => void,
    private readonly readOnly: boolean,
  ) {}

  snapshotPath(month: string): string {
    return join(this.dir, `${month}.json`);
  }

  logPath(month: string, rotated = false): string {
    return join(this.dir, `${month}.log${rotated ? '.1' : ''}`);
  }

  /** Months whose journal may end in a torn line: the next record starts on a line of its own. */
  private readonly torn = new Set<string>();
  /** Months whose journal end was checked for a torn line since this store opened. */
  private readonly tailChecked = new Set<string>();

  /**
   * Append one record to a month's journal. A line a kill or a full disk cut short has no
   * newline; the record after it then starts on a line of its own, so only the torn line is
   * lost, never the next one too.
   */
  async appendLine(month: string, line: string): Promise<void> {
    const path = this.logPath(month);
    if (!this.tailChecked.has(month)) {
      this.tailChecked.add(month);
      if (!(await endsWithNewline(path))) this.torn.add(month);
    }
    const text = this.torn.has(month) ? `\n${line}` : line;
    try {
      await appendFile(path, text, { mode: 0o600 });
      this.torn.delete(month);
    } catch (error) {
      this.torn.add(month); // part of it may be on disk
      throw error;
    }
  }

  /** The month's journal was renamed away: the next one starts fresh (its end is checked again). */
  journalRotated(month: string): void {
    this.tailChecked.delete(month);
  }

  pathOf(month: string, where: Where): string {
    if (where === WHERE.snapshot) return this.snapshotPath(month);
    return this.logPath(month, where === WHERE.rotated);
  }

  /** Snapshot (validated, recovered when damaged) plus the journals replayed over it. */
  async read(month: string): Promise<MonthRead> {
    const data = (await this.snapshot(month).read()) ?? emptyJobs();
    const records = new Map(data.jobs.map((j) => [j.id, j]));
    const locations = new Map<string, Location>();
    const raw = await readFile(this.snapshotPath(month)).catch(() => null);
    // The bytes read may not be what was decoded (a damaged file restored from its copy):
    // every location is checked when it is read.
    if (raw)
      for (const r of snapshotRanges(raw))
        if (records.has(r.id))
          locations.set(r.id, { where: WHERE.snapshot, offset: r.offset, length: r.length });
    const rotated = await readFile(this.logPath(month, true)).catch(() => null);
    const current = await readFile(this.logPath(month)).catch(() => null);
    let journalLines = 0;
    let bad = 0;
    // Each file on its own lines: a torn last line of one never joins the other's first.
    for (const [bytes, where] of [
      [rotated, WHERE.rotated],
      [current, WHERE.journal],
    ] as const) {
      if (!bytes) continue;
      for (const range of lineRanges(bytes)) {
        const line = bytes.toString('utf8', range.offset, range.offset + range.length);
        if (!line.trim()) continue;
        if (where === WHERE.journal) journalLines++;
        const job = parseJob(line);
        if (!job) {
          bad++; // a line cut short by a crash: the job is re-run or re-recorded anyway
          continue;
        }
        records.set(job.id, job);
        locations.set(job.id, { where, ...range });
      }
    }
    if (bad > 0)
      this.notify({
        level: 'warning',
        message: `jobs/${month}.log had ${plural(bad, 'unreadable line')} (an interrupted write); ${bad === 1 ? 'it was' : 'they were'} skipped.`,
      });
    const stamp = await stampOf(this.dir, month);
    const bytes = Math.max(0, stamp.json) + Math.max(0, stamp.rotated) + Math.max(0, stamp.log);
    return { records, locations, journalLines, rotatedExists: !!rotated, bytes };
  }

  /**
   * Snapshot + the rotated journal → a new snapshot; then the rotated journal goes. On a worker
   * thread (it reports where it wrote each record); on this one, with the snapshot's
   * damaged-file recovery, when the worker can not (then null: the places are not known).
   */
  async fold(month: string): Promise<FoldedRecords | null> {
    try {
      return await foldInWorker(this.snapshotPath(month), this.logPath(month, true));
    } catch {
      await this.foldHere(month);
      return null;
    }
  }

  /**
   * Move the live journal's lines onto the end of the rotated one (a crash may have left one).
   * Returns how far on the lines now are (null when there were none).
   */
  async appendLiveToRotated(month: string): Promise<number | null> {
    const live = this.logPath(month);
    const rotated = this.logPath(month, true);
    const text = await readFile(live).catch(() => null);
    let shift: number | null = null;
    if (text && text.length > 0) {
      const before = await stat(rotated).then(
        (s) => s.size,
        () => 0,
      );
      // On a line of its own: the rotated journal may end in a torn line.
      await appendFile(rotated, Buffer.concat([Buffer.from('\n'), text]), { mode: 0o600 });
      shift = before + 1;
    }
    await rm(live, { force: true });
    return shift;
  }

  private async foldHere(month: string): Promise<void> {
    const snapshot = this.snapshot(month);
    const data = (await snapshot.read()) ?? emptyJobs();
    const records = new Map(data.jobs.map((j) => [j.id, j]));
    const rotated = await readFile(this.logPath(month, true), 'utf8').catch(() => '');
    for (const line of rotated.split('\n')) {
      const job = line.trim() ? parseJob(line) : null; // bad lines were counted when read
      if (job) records.set(job.id, job);
    }
    await snapshot.write({ schemaVersion: JOBS_SCHEMA_VERSION, jobs: [...records.values()] });
    await rm(this.logPath(month, true), { force: true });
  }

  private snapshot(month: string): ValidatedJsonFile<JobsData> {
    return new ValidatedJsonFile<JobsData>(this.snapshotPath(month), {
      decode: (raw) =>
        decodeVersioned(raw, jobsFile, JOBS_SCHEMA_VERSION, [], `jobs/${month}.json`),
      notify: this.notify,
      readOnly: this.readOnly,
      whenNoGoodCopy: 'set-aside',
    });
  }
}

/** One job record read from its place in a file, or null when it is not a job there. */
export async function readRecord(handle: FileHandle, at: Location): Promise<Job | null> {
  const bytes = Buffer.allocUnsafe(at.length);
  const { bytesRead } = await handle.read(bytes, 0, at.length, at.offset);
  if (bytesRead !== at.length) return null;
  return parseJob(bytes.toString('utf8'));
}

/** True when a file is missing, empty, or ends with a newline (its last line is whole). */
export async function endsWithNewline(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return true;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await handle.close();
  }
}
