import { appendFile, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Notice } from '../../../shared/api/contract';
import {
  job as jobSchema,
  jobListQuery,
  type Job,
  type JobListQuery,
} from '../../../shared/model/entities';
import { foldInWorker } from './fold-worker';
import { ValidatedJsonFile } from './json-file';
import { SortedEntries } from './sorted-entries';
import { decodeVersioned, emptyJobs, jobsFile, JOBS_SCHEMA_VERSION, type JobsData } from './schema';

const SHARD_FILE = /^(\d{4}-\d{2})\.json$/;
const LOG_FILE = /^(\d{4}-\d{2})\.log(\.1)?$/;
/** Journal lines after which a month is compacted into its snapshot. */
const COMPACT_AFTER = 2000;
/** Index entries a listing scans before giving the event loop a turn. */
const SCAN_SLICE = 20_000;
/** Months kept parsed in memory for reads (the index covers every job). */
const LOADED_SHARDS = 4;

/** What every job is found and sorted by, kept in memory for all of history. */
export interface IndexEntry {
  id: string;
  connectionId: string;
  dataset: Job['dataset'];
  hour: string;
  status: Job['status'];
  trigger: Job['trigger'];
  /** Who or what stopped a cancelled job (a shutdown's run again at the next start). */
  cancelledBy: Job['cancelledBy'];
  createdAt: string;
  updatedAt: string;
  month: string;
}

interface Shard {
  month: string;
  records: Map<string, Job>;
}

export interface JobPage {
  items: Job[];
  total: number;
  offset: number;
  limit: number;
}

/**
 * Job history by month of the exported hour: `jobs/<yyyy-MM>.json` (a lowdb snapshot, recovered
 * like config.json) plus `jobs/<yyyy-MM>.log`, an append-only journal of changes since.
 *
 * Why a journal: a job changes status several times, and rewriting a month of history on each
 * change grows with history; appending one line does not (a status write stays ~1 ms with
 * 100,000 jobs). A month is compacted into its snapshot every 2,000 lines and when Ferry closes.
 * A small index of every job stays in memory for filters and paging; full records are read
 * from the few months a page touches.
 */
export class JobsStore {
  private readonly index = new Map<string, IndexEntry>();
  /** The index sorted newest hour first (then newest created), kept in order as jobs arrive. */
  private all = new SortedEntries();
  /** The same, per connection: the schedule and the console mostly ask about one. */
  private readonly byConnection = new Map<string, SortedEntries>();
  private readonly loaded = new Map<string, Shard>();
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
  /** Months whose journal may end in a torn line: the next record starts on a line of its own. */
  private readonly torn = new Set<string>();
  /** Months whose journal end was checked for a torn line since this store opened. */
  private readonly tailChecked = new Set<string>();
  /** Jobs whose journal line is still being written (reads see them at once). */
  private readonly pending = new Map<string, Job>();

  private constructor(
    private readonly dir: string,
    private readonly notify: (n: Notice) => void,
    private readonly readOnly: boolean,
    private readonly guard: () => void,
  ) {}

  static async open(
    dataDir: string,
    notify: (n: Notice) => void,
    readOnly = false,
    guard: () => void = () => undefined,
  ): Promise<JobsStore> {
    const dir = join(dataDir, 'jobs');
    if (!readOnly) await mkdir(dir, { recursive: true });
    const store = new JobsStore(dir, notify, readOnly, guard);
    const names = await readdir(dir).catch(() => [] as string[]);
    const months = new Set<string>();
    for (const name of names) {
      const month = SHARD_FILE.exec(name)?.[1] ?? LOG_FILE.exec(name)?.[1];
      if (month) months.add(month);
    }
    for (const month of [...months].sort()) {
      const shard = await store.readShard(month);
      for (const job of shard.records.values()) store.index.set(job.id, entryOf(job, month));
    }
    store.all = SortedEntries.of(store.index.values());
    for (const entry of store.all.list) store.connection(entry.connectionId).list.push(entry);
    // A rotated journal a kill left unfolded is folded now, before anything rotates over it.
    if (!readOnly) for (const month of store.unfolded) store.startFold(month);
    return store;
  }

  /** Insert or replace a job: one appended line, no rewrite of history. */
  async put(job: Job): Promise<void> {
    if (this.readOnly) throw new Error('The job history is open read-only');
    this.guard();
    const month = job.hour.slice(0, 7);
    const previous = this.index.get(job.id);
    const entry = entryOf(job, month);
    this.index.set(job.id, entry);
    this.all.set(entry, previous);
    if (previous && previous.connectionId !== entry.connectionId)
      this.connection(previous.connectionId).remove(previous);
    this.connection(entry.connectionId).set(
      entry,
      previous?.connectionId === entry.connectionId ? previous : undefined,
    );
    this.loaded.get(month)?.records.set(job.id, job);
    this.reading.get(month)?.written.set(job.id, job);
    this.pending.set(job.id, job);
    await this.serial(month, async () => {
      await this.append(month, `${JSON.stringify(job)}\n`);
      if (this.pending.get(job.id) === job) this.pending.delete(job.id);
      const lines = (this.logLines.get(month) ?? 0) + 1;
      this.logLines.set(month, lines);
      if (lines >= COMPACT_AFTER && !this.compacting.has(month) && !this.unfolded.has(month)) {
        // Rotate the journal now (a rename), fold it into the snapshot in the background: the
        // status write that crossed the line does not wait for a month to be rewritten. Never
        // while an earlier rotated journal is unfolded: the rename would replace it.
        await rename(this.logPath(month), this.logPath(month, true));
        this.logLines.set(month, 0);
        this.tailChecked.delete(month);
        this.startFold(month);
      }
    });
  }

  /**
   * Append one record to a month's journal. A line a kill or a full disk cut short has no
   * newline; the record after it then starts on a line of its own, so only the torn line is
   * lost, never the next one too.
   */
  private async append(month: string, line: string): Promise<void> {
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
    const entry = this.index.get(id);
    if (!entry) return null;
    return this.pending.get(id) ?? (await this.shard(entry.month)).records.get(id) ?? null;
  }

  /** Jobs matching a query, newest hour first, one page at a time. */
  async list(query: JobListQuery = {}): Promise<JobPage> {
    const q = jobListQuery.parse(query);
    const statuses = q.status && q.status.length > 0 ? new Set(q.status) : null;
    const page: IndexEntry[] = [];
    let total = 0;
    // A copy: the scan gives the event loop a turn every so often, and jobs change meanwhile.
    const scan = q.connectionId
      ? [...(this.byConnection.get(q.connectionId)?.list ?? [])]
      : [...this.all.list];
    for (let i = 0; i < scan.length; i++) {
      if (i % SCAN_SLICE === SCAN_SLICE - 1) await new Promise((resolve) => setImmediate(resolve));
      const e = scan[i]!;
      if (statuses && !statuses.has(e.status)) continue;
      if (q.dataset && e.dataset !== q.dataset) continue;
      if (q.hourFrom && e.hour < q.hourFrom) continue;
      if (q.hourTo && e.hour > q.hourTo) continue;
      if (total >= q.offset && page.length < q.limit) page.push(e);
      total++;
    }
    const items: Job[] = [];
    for (const e of page) {
      const job = this.pending.get(e.id) ?? (await this.shard(e.month)).records.get(e.id);
      if (job) items.push(job);
    }
    return { items, total, offset: q.offset, limit: q.limit };
  }

  /**
   * Every index entry matching a filter, newest first (for the scheduler and charts: no full
   * records) — of one connection when `connectionId` is given, without scanning the others.
   */
  entries(
    filter: (e: Readonly<IndexEntry>) => boolean,
    connectionId?: string,
  ): Readonly<IndexEntry>[] {
    const list = connectionId ? (this.byConnection.get(connectionId)?.list ?? []) : this.all.list;
    return list.filter(filter);
  }

  private connection(id: string): SortedEntries {
    let entries = this.byConnection.get(id);
    if (!entries) this.byConnection.set(id, (entries = new SortedEntries()));
    return entries;
  }

  /** Fold every month's journal into its snapshot (on close, so the next start reads less). */
  async close(): Promise<void> {
    if (this.readOnly) return;
    await Promise.allSettled(this.compacting.values());
    for (const month of new Set([...this.logLines.keys(), ...this.unfolded]))
      await this.serial(month, async () => {
        if ((this.logLines.get(month) ?? 0) === 0 && !this.unfolded.has(month)) return;
        await appendRotated(this.logPath(month), this.logPath(month, true));
        this.logLines.set(month, 0);
        await this.fold(month);
        this.unfolded.delete(month);
      });
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
        this.loaded.set(month, shard);
        while (this.loaded.size > LOADED_SHARDS)
          this.loaded.delete(this.loaded.keys().next().value!);
        return shard;
      })
      .finally(() => this.reading.delete(month));
    this.reading.set(month, { done, written });
    return done;
  }

  /** Snapshot (validated, recovered when damaged) plus the journal replayed over it. */
  private async readShard(month: string): Promise<Shard> {
    const snapshot = this.snapshotFile(month);
    const data = (await snapshot.read()) ?? emptyJobs();
    const records = new Map(data.jobs.map((j) => [j.id, j]));
    const rotated = await readFile(this.logPath(month, true), 'utf8').catch(() => '');
    const current = await readFile(this.logPath(month), 'utf8').catch(() => '');
    if (rotated) this.unfolded.add(month);
    let lines = 0;
    // Each file on its own lines: a torn last line of one never joins the other's first.
    const text = `${rotated}\n${current}`;
    let bad = 0;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      lines++;
      try {
        const parsed = jobSchema.safeParse(JSON.parse(line));
        if (parsed.success) records.set(parsed.data.id, parsed.data);
        else bad++;
      } catch {
        bad++; // a line cut short by a crash: the job is re-run or re-recorded anyway
      }
    }
    if (bad > 0)
      this.notify({
        level: 'warning',
        message: `jobs/${month}.log had ${bad} unreadable line(s) (an interrupted write); they were skipped.`,
      });
    this.logLines.set(month, current ? lines : 0);
    return { month, records };
  }

  /** Snapshot + the rotated journal → a new snapshot; then the rotated journal goes. */
  private async fold(month: string): Promise<void> {
    try {
      await foldInWorker(
        join(this.dir, `${month}.json`),
        this.logPath(month, true),
        JOBS_SCHEMA_VERSION,
      );
    } catch {
      await this.foldHere(month);
    }
  }

  /** The same fold on this thread, with the snapshot's damaged-file recovery. */
  private async foldHere(month: string): Promise<void> {
    const snapshot = this.snapshotFile(month);
    const data = (await snapshot.read()) ?? emptyJobs();
    const records = new Map(data.jobs.map((j) => [j.id, j]));
    const rotated = await readFile(this.logPath(month, true), 'utf8').catch(() => '');
    for (const line of rotated.split('\n')) {
      if (!line.trim()) continue;
      try {
        const parsed = jobSchema.safeParse(JSON.parse(line));
        if (parsed.success) records.set(parsed.data.id, parsed.data);
      } catch {
        // counted when the month was read
      }
    }
    await snapshot.write({ schemaVersion: JOBS_SCHEMA_VERSION, jobs: [...records.values()] });
    await rm(this.logPath(month, true), { force: true });
  }

  private logPath(month: string, rotated = false): string {
    return join(this.dir, `${month}.log${rotated ? '.1' : ''}`);
  }

  private snapshotFile(month: string): ValidatedJsonFile<JobsData> {
    return new ValidatedJsonFile<JobsData>(join(this.dir, `${month}.json`), {
      decode: (raw) =>
        decodeVersioned(raw, jobsFile, JOBS_SCHEMA_VERSION, [], `jobs/${month}.json`),
      notify: this.notify,
      readOnly: this.readOnly,
      whenNoGoodCopy: 'set-aside',
    });
  }
}

function entryOf(job: Job, month: string): IndexEntry {
  return {
    id: job.id,
    connectionId: job.connectionId,
    dataset: job.dataset,
    hour: job.hour,
    status: job.status,
    trigger: job.trigger,
    cancelledBy: job.cancelledBy,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    month,
  };
}

/** Move the live journal's lines onto the end of the rotated one (a crash may have left one). */
async function appendRotated(live: string, rotated: string): Promise<void> {
  const text = await readFile(live, 'utf8').catch(() => '');
  // On a line of its own: the rotated journal may end in a torn line.
  if (text) await appendFile(rotated, `\n${text}`, { mode: 0o600 });
  await rm(live, { force: true });
}

/** True when a file is missing, empty, or ends with a newline (its last line is whole). */
async function endsWithNewline(path: string): Promise<boolean> {
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
