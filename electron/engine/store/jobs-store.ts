import { mkdir, open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Notice } from '../../../shared/api/contract';
import {
  job as jobSchema,
  jobListQuery,
  type Job,
  type JobListQuery,
} from '../../../shared/model/jobs';
import { checkBeforeWrite } from './schema';
import { hourRecordsOfIndex, type HourRecords } from './hour-records';
import type { FoldedRecords } from './fold-worker';
import { IndexWriter, loadIndex, sameStamp, stampOf, type MonthStamp } from './index-file';
import { indexFilterOf, JobIndex, type IndexEntry } from './job-index';
import { rowOf, type Row } from './index-row';
import { MonthFiles, readRecord, type Location } from './month-files';
import { ListingCache } from './listing-cache';
import { WHERE } from './record-locations';
import { redactDeep } from '../redact';
import type { JobHistoryPort, JobPage } from './ports';

/** Journal lines after which a month is compacted into its snapshot. */
const COMPACT_AFTER = 2000;
/** Bytes of month files kept parsed for reads, least recently used dropped first (≥ 1 month). */
const MONTH_CACHE_BYTES = 24 * 1024 * 1024;
/** The index file is written anew when it holds this many records more than twice its jobs. */
const INDEX_SLACK = 100_000;
const INDEX_FILE = 'index.bin';
/** Answered listings kept until the next write (by query, least recently asked dropped). */
const LISTINGS_KEPT = 200;
/** Full records kept from recent reads (a console asks for the same pages again and again). */
const RECENT_RECORDS = 5000;

interface Shard {
  month: string;
  records: Map<string, Job>;
  /** The month's file bytes when it was read (what the cache counts). */
  bytes: number;
  /** Where each job's latest record is in the month's files. */
  locations: Map<string, Location>;
}

export interface JobsStoreOptions {
  /** Months read so far when the index is built from them (a first start, a damaged index). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Job history by month of the exported hour: `jobs/<yyyy-MM>.json` (a lowdb snapshot, recovered
 * like config.json) plus `jobs/<yyyy-MM>.log`, an append-only journal of changes since.
 *
 * Why a journal: a job changes status several times, and rewriting a month of history on each
 * change grows with history; appending one line does not. A month is compacted into its snapshot
 * every 2,000 lines and when Ferry closes.
 *
 * Why an index: pages, filters, the schedule, statuses and charts need a few fields of every job.
 * They live in typed columns in memory (`JobIndex`, ~60 bytes a job) and in `jobs/index.bin`
 * (`index-file.ts`), appended after each journal line, so a start reads one compact file instead
 * of parsing every month. The months stay the store of record: a month whose files changed
 * since the index last described them is read again at the start, and a missing or damaged
 * index is built from the months. Full records are read only from the months a page shows, and
 * only a few months stay parsed (least recently used dropped by bytes).
 */
export class JobsStore implements JobHistoryPort {
  private readonly index = new JobIndex();
  private writer: IndexWriter | null = null;
  /** Each month's files as the index last described them. */
  private stamps = new Map<string, MonthStamp>();
  private rewriting: Promise<void> | null = null;
  private readonly loaded = new Map<string, Shard>();
  private loadedBytes = 0;
  /**
   * Months being read into the cache, with the jobs written meanwhile: the read may have passed
   * the journal before a write landed, so those writes are laid over it when it is cached.
   */
  private readonly reading = new Map<string, { done: Promise<Shard>; written: Map<string, Job> }>();
  private readonly logLines = new Map<string, number>();
  private readonly writes = new Map<string, Promise<void>>();
  private readonly compacting = new Map<string, Promise<void>>();
  /** Months whose rotated journal (`.log.1`) is not folded yet: never rotated over. */
  private readonly unfolded = new Set<string>();
  /** Jobs whose journal line is still being written (reads see them at once). */
  private readonly pending = new Map<string, Job>();
  private indexWarned = false;
  /** Records read lately, least recently used first (kept current by every write). */
  private readonly recent = new Map<string, Job>();
  /** Counts writes: records read while one landed are not kept (they may be older). */
  private generation = 0;
  /**
   * Listings by query, under way or answered since the last write: the same query asked again
   * shares the answer (nothing can have changed it: every change is a write).
   */
  private readonly listings = new ListingCache<JobPage>(LISTINGS_KEPT);

  private readonly files: MonthFiles;

  private constructor(
    private readonly dir: string,
    private readonly notify: (n: Notice) => void,
    private readonly readOnly: boolean,
    private readonly guard: () => void,
  ) {
    this.files = new MonthFiles(dir, notify, readOnly);
  }

  static async open(
    dataDir: string,
    notify: (n: Notice) => void,
    readOnly = false,
    guard: () => void = () => undefined,
    options: JobsStoreOptions = {},
  ): Promise<JobsStore> {
    const dir = join(dataDir, 'jobs');
    if (!readOnly) await mkdir(dir, { recursive: true, mode: 0o700 });
    const store = new JobsStore(dir, notify, readOnly, guard);
    const months = await MonthFiles.monthsIn(dir);
    const sorted = [...months].sort();
    const actual = new Map(
      await Promise.all(sorted.map(async (m) => [m, await stampOf(dir, m)] as const)),
    );
    const indexPath = join(dir, INDEX_FILE);
    // ~100 bytes a job in the file: room for them all at once, no growing while loading.
    store.index.reserve((await stat(indexPath).catch(() => ({ size: 0 }))).size / 90);
    const loaded = await loadIndex(indexPath, (row) => store.index.set(row));
    if (loaded.state === 'damaged')
      notify({
        level: 'warning',
        message: `jobs/${INDEX_FILE} was damaged; the job history index is built again from the month files.`,
      });
    // The months win: any month whose files are not as the index last saw them is read again.
    const stale = sorted.filter((m) => !sameStamp(loaded.stamps.get(m), actual.get(m)));
    const gone = [...loaded.stamps.keys()].filter((m) => !months.has(m));
    for (const month of gone)
      for (const id of store.index.idsOfMonth(month)) store.index.delete(id);
    for (const [i, month] of stale.entries()) {
      const shard = await store.readShard(month);
      const inMonth = new Set(store.index.idsOfMonth(month));
      for (const job of shard.records.values()) {
        inMonth.delete(job.id);
        store.index.set(rowOf(job, shard.locations.get(job.id)));
      }
      for (const id of inMonth) store.index.delete(id);
      options.onProgress?.(i + 1, stale.length);
      await new Promise((resolve) => setImmediate(resolve));
    }
    store.stamps = actual;
    for (const [month, stamp] of actual) {
      if (stamp.rotated >= 0) store.unfolded.add(month);
      // Lines of a journal left from before (an estimate; only its compaction waits on it).
      if (!store.logLines.has(month) && stamp.log > 0)
        store.logLines.set(month, Math.ceil(stamp.log / 800));
    }
    if (!readOnly) {
      store.writer = new IndexWriter(indexPath);
      const exact = loaded.state === 'ok' && stale.length === 0 && gone.length === 0;
      if (exact && loaded.records <= 2 * store.index.size + INDEX_SLACK)
        await store.writer.resume(loaded.goodLength, loaded.records);
      else await store.writer.rewrite(() => store.index.rowsInOrder(), store.stamps);
      // A rotated journal a kill left unfolded is folded now, before anything rotates over it.
      for (const month of store.unfolded) store.startFold(month);
    }
    return store;
  }

  /** Insert or replace a job: one appended line, no rewrite of history. */
  async put(written: Job): Promise<void> {
    // The redaction gate for the history: no secret Ferry holds is written into it.
    const job = redactDeep(written);
    if (this.readOnly) throw new Error('The job history is open read-only');
    this.guard();
    checkBeforeWrite(jobSchema, job, `the job history of ${job.hour.slice(0, 7)}`);
    const month = job.hour.slice(0, 7);
    const row = rowOf(job);
    this.index.set(row);
    this.loaded.get(month)?.records.set(job.id, job);
    this.reading.get(month)?.written.set(job.id, job);
    if (this.recent.has(job.id)) this.recent.set(job.id, job);
    this.generation++;
    this.pending.set(job.id, job);
    await this.serial(month, async () => {
      const line = JSON.stringify(job);
      await this.files.appendLine(month, `${line}\n`);
      const latest = this.pending.get(job.id) === job;
      if (latest) this.pending.delete(job.id);
      // The line ends the journal: its place is the journal's size less the line.
      const length = Buffer.byteLength(line);
      let stamp: MonthStamp | undefined = await stampOf(this.dir, month);
      const at: Location = { where: WHERE.journal, offset: stamp.log - length - 1, length };
      // Not when a newer version of the job is on its way (it is located when it lands).
      if (latest) this.index.setLocation(job.id, at.where, at.offset, at.length);
      const lines = (this.logLines.get(month) ?? 0) + 1;
      this.logLines.set(month, lines);
      if (lines >= COMPACT_AFTER && !this.compacting.has(month) && !this.unfolded.has(month)) {
        // Rotate the journal now (a rename), fold it into the snapshot in the background: the
        // status write that crossed the line does not wait for a month to be rewritten. Never
        // while an earlier rotated journal is unfolded: the rename would replace it.
        await rename(this.files.logPath(month), this.files.logPath(month, true));
        this.index.moveLocations(month, [WHERE.journal], WHERE.rotated);
        at.where = WHERE.rotated;
        stamp = undefined; // the files changed
        this.logLines.set(month, 0);
        this.files.journalRotated(month);
        this.startFold(month);
      }
      // The index file gets this version of the job (not a newer one still on its way: its
      // journal line is not written yet).
      await this.restamp(month, [{ ...row, ...at }], stamp);
    });
  }

  /**
   * After a month's files changed: note them as they are now and queue the index record (the
   * job's row, if any, then the stamp). Not waited for: the journal line is what counts; a
   * record that never lands leaves a stamp that does not match, and the month is read again.
   */
  private async restamp(month: string, rows: Row[], taken?: MonthStamp): Promise<void> {
    if (!this.writer) return;
    const stamp = taken ?? (await stampOf(this.dir, month));
    this.stamps.set(month, stamp);
    void this.writer.append(rows, month, stamp).then(() => this.afterIndexWrite());
  }

  private afterIndexWrite(): void {
    const writer = this.writer;
    if (!writer) return;
    if (writer.failed && !this.indexWarned) {
      this.indexWarned = true;
      this.notify({
        level: 'warning',
        message: `Could not write jobs/${INDEX_FILE} (${writer.failed.message}); the next start reads the months it missed again.`,
      });
    }
    if (!this.rewriting && writer.records > 2 * this.index.size + INDEX_SLACK) {
      this.rewriting = writer
        .rewrite(() => this.index.rowsInOrder(), this.stamps)
        .finally(() => (this.rewriting = null));
    }
  }

  /** Fold a month's rotated journal into its snapshot, in the background. */
  private startFold(month: string): void {
    this.unfolded.add(month);
    const done = this.fold(month)
      .then(() => void this.unfolded.delete(month))
      .finally(() => this.compacting.delete(month));
    this.compacting.set(month, done);
    done.catch((error: unknown) =>
      this.notify({
        level: 'warning',
        message: `Could not compact jobs/${month}: ${(error as Error).message}`,
      }),
    );
  }

  /** One job by id, or null. */
  async get(id: string): Promise<Job | null> {
    const month = this.index.month(id);
    if (!month) return null;
    return (await this.records([{ id, month }])).get(id) ?? null;
  }

  /** Jobs matching a query, newest hour first, one page at a time. */
  list(query: JobListQuery = {}): Promise<JobPage> {
    const q = jobListQuery.parse(query);
    return this.listings.page(JSON.stringify(q), this.generation, () => this.listPage(q));
  }

  private async listPage(q: ReturnType<typeof jobListQuery.parse>): Promise<JobPage> {
    const { rows, total } = this.index.page(indexFilterOf(q), q.offset, q.limit);
    const shown = rows.map((r) => this.index.entryAt(r));
    const found = await this.records(shown);
    const items = shown.map((e) => found.get(e.id)).filter((j): j is Job => !!j);
    // Frozen: one answer may go to several callers (and its JSON be made once for them).
    return Object.freeze({ items, total, offset: q.offset, limit: q.limit });
  }

  /**
   * Full records of some jobs: from the writes on their way, the months already parsed, or
   * their own bytes where the index knows them (one read each, checked); a month is parsed only
   * for records it can not place.
   */
  private async records(
    wanted: readonly { id: string; month: string }[],
  ): Promise<Map<string, Job>> {
    const found = new Map<string, Job>();
    const generation = this.generation;
    const byFile = new Map<string, { id: string; month: string; at: Location }[]>();
    const unplaced: { id: string; month: string }[] = [];
    for (const w of wanted) {
      const job =
        this.pending.get(w.id) ??
        this.recent.get(w.id) ??
        this.loaded.get(w.month)?.records.get(w.id);
      if (job) {
        found.set(w.id, job);
        continue;
      }
      const at = this.index.location(w.id) as Location | null;
      if (!at) {
        unplaced.push(w);
        continue;
      }
      const path = this.files.pathOf(w.month, at.where);
      const list = byFile.get(path) ?? [];
      byFile.set(path, list);
      list.push({ ...w, at });
    }
    for (const [path, list] of byFile) {
      let handle;
      try {
        handle = await open(path, 'r');
      } catch {
        unplaced.push(...list); // moved by a rotation or a fold meanwhile
        continue;
      }
      try {
        for (const w of list) {
          const job = await readRecord(handle, w.at);
          if (job?.id === w.id) found.set(w.id, this.pending.get(w.id) ?? job);
          else unplaced.push(w);
        }
      } finally {
        await handle.close();
      }
    }
    for (const w of unplaced) {
      const job = this.pending.get(w.id) ?? (await this.shard(w.month)).records.get(w.id);
      if (job) found.set(w.id, job);
    }
    if (this.generation === generation) for (const [id, job] of found) this.remember(id, job);
    return found;
  }

  private remember(id: string, job: Job): void {
    this.recent.delete(id);
    this.recent.set(id, job);
    if (this.recent.size > RECENT_RECORDS) this.recent.delete(this.recent.keys().next().value!);
  }

  /**
   * Every index entry matching a filter, newest first (for the scheduler and charts: no full
   * records) — of one connection when `connectionId` is given, within an hour range when
   * `range` is, without scanning the rest.
   */
  entries(
    filter: (e: Readonly<IndexEntry>) => boolean,
    connectionId?: string,
    range?: { from?: string; to?: string },
  ): Readonly<IndexEntry>[] {
    return this.index.entries(filter, connectionId, range);
  }

  /** Jobs a stop or a kill may have cut off, with the other jobs of their hours. */
  interrupted(): Readonly<IndexEntry>[] {
    return this.index.interrupted();
  }

  /** A connection's history folded per (dataset, hour), from the index columns in one pass. */
  hourRecords(connectionId: string): HourRecords {
    return hourRecordsOfIndex(this.index, connectionId);
  }

  /** How many jobs the history holds. */
  get size(): number {
    return this.index.size;
  }

  /**
   * Let go of the open index file without folding or rewriting anything: the files stay exactly
   * as a kill would leave them (tests stand in for a crash with it, without leaking a handle).
   */
  async abandon(): Promise<void> {
    await this.writer?.close();
  }

  /** Fold every month's journal into its snapshot (on close, so the next start reads less). */
  async close(): Promise<void> {
    if (this.readOnly) return;
    await Promise.allSettled(this.compacting.values());
    for (const month of new Set([...this.logLines.keys(), ...this.unfolded]))
      await this.serial(month, async () => {
        if ((this.logLines.get(month) ?? 0) === 0 && !this.unfolded.has(month)) return;
        const shift = await this.files.appendLiveToRotated(month);
        if (shift !== null) this.index.moveLocations(month, [WHERE.journal], WHERE.rotated, shift);
        this.logLines.set(month, 0);
        await this.foldNow(month);
        this.unfolded.delete(month);
      });
    await this.rewriting;
    if (this.writer && this.writer.records > 2 * this.index.size + INDEX_SLACK)
      await this.writer.rewrite(() => this.index.rowsInOrder(), this.stamps);
    await this.writer?.close();
  }

  private serial(month: string, run: () => Promise<void>): Promise<void> {
    const next = (this.writes.get(month) ?? Promise.resolve()).then(run, run);
    this.writes.set(
      month,
      next.catch(() => undefined),
    );
    return next;
  }

  private async shard(month: string): Promise<Shard> {
    const cached = this.loaded.get(month);
    if (cached) {
      this.loaded.delete(month);
      this.loaded.set(month, cached); // most recently used last
      return cached;
    }
    const inProgress = this.reading.get(month);
    if (inProgress) return inProgress.done;
    // Writes still on their way to the journal count as written during the read, too.
    const written = new Map<string, Job>(
      [...this.pending.values()].filter((j) => j.hour.slice(0, 7) === month).map((j) => [j.id, j]),
    );
    const done = this.readShard(month)
      .then((shard) => {
        for (const job of written.values()) shard.records.set(job.id, job);
        this.learnLocations(month, shard, written);
        this.loaded.set(month, shard);
        this.loadedBytes += shard.bytes;
        for (const [old, cached] of this.loaded) {
          if (this.loadedBytes <= MONTH_CACHE_BYTES || old === month) break;
          this.loaded.delete(old);
          this.loadedBytes -= cached.bytes;
        }
        return shard;
      })
      .finally(() => this.reading.delete(month));
    this.reading.set(month, { done, written });
    return done;
  }

  /**
   * Record where a parsed month's records are, for the next reads (and the next start): not for
   * jobs written while it was read (theirs are newer), and only where the index knew none.
   */
  private learnLocations(month: string, shard: Shard, written: Map<string, Job>): void {
    const rows: Row[] = [];
    for (const [id, at] of shard.locations) {
      if (written.has(id) || this.pending.has(id) || this.index.location(id)) continue;
      this.index.setLocation(id, at.where, at.offset, at.length);
      const row = this.index.row(id);
      if (row) rows.push(row);
    }
    // No stamp with them: the files may have changed since they were read.
    if (rows.length > 0 && this.writer)
      void this.writer.append(rows, month, null).then(() => this.afterIndexWrite());
  }

  /** A month parsed whole: snapshot plus journals replayed, and where each record is. */
  private async readShard(month: string): Promise<Shard> {
    const read = await this.files.read(month);
    if (read.rotatedExists) this.unfolded.add(month);
    this.logLines.set(month, read.journalLines);
    return { month, records: read.records, bytes: read.bytes, locations: read.locations };
  }

  /** Fold in the background, then note where the month's records now are. */
  private async fold(month: string): Promise<void> {
    const folded = await this.files.fold(month);
    await this.serial(month, async () => this.placeFolded(month, folded));
  }

  /** The same, inside the month's write queue (on close). */
  private async foldNow(month: string): Promise<void> {
    await this.placeFolded(month, await this.files.fold(month));
  }

  /**
   * After a fold, records that were in the snapshot or the rotated journal are in the new
   * snapshot (where the worker says); records in the live journal stay where they are.
   */
  private async placeFolded(month: string, folded: FoldedRecords | null): Promise<void> {
    const changed = new Set(this.index.moveLocations(month, [WHERE.snapshot, WHERE.rotated], null));
    if (folded)
      for (let i = 0; i < folded.ids.length; i++) {
        const id = folded.ids[i]!;
        // A record in the live journal (or on its way there) is newer than the fold's.
        if (this.pending.has(id) || this.index.location(id)) continue;
        this.index.setLocation(id, WHERE.snapshot, folded.offsets[i]!, folded.lengths[i]!);
        changed.add(id);
      }
    const rows = [...changed].map((id) => this.index.row(id)).filter((r): r is Row => !!r);
    await this.restamp(month, rows);
  }
}
