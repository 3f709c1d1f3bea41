import { sql, type Kysely } from 'kysely';
import {
  JOB_STATUSES,
  jobListQuery,
  type Job,
  type JobListQuery,
} from '../../../../shared/model/jobs';
import { hourRecordsOfIndex, type HourRecords } from '../hour-records';
import { indexFilterOf, JobIndex, type IndexEntry } from '../job-index';
import { rowOf } from '../index-row';
import type { JobHistoryPort, JobPage } from '../ports';
import { PgJobRows } from './job-rows';
import type { Database } from './schema';
import type { WriteFence } from './writer';

/** How far back before its last look `catchUp` reads again. */
const CATCH_UP_OVERLAP_MS = 2 * 60_000;
/** A page is cut from an index caught up at most this long ago. */
const FRESH_MS = 1_000;
/** Rows read a query at a time when the index is loaded at open. */
const OPEN_BATCH = 20_000;

/** A job's index fields from its row: a few of the record's fields, never all of it. */
const selectIndexFields = (db: Kysely<Database>) =>
  db.selectFrom('ferry.jobs').select([
    'id',
    'seq',
    'connection_id',
    'dataset',
    'hour',
    'status',
    // As text and a number, not Dates: node-postgres's date parsing was a tenth of opening the
    // store. The text is PostgreSQL's own, so the next batch starts exactly after it.
    sql<string>`created_at::text`.as('created_at'),
    sql<number>`(extract(epoch FROM touched_at) * 1000)::float8`.as('touched_ms'),
    sql<string>`record->>'trigger'`.as('trigger'),
    sql<string | null>`record->>'cancelledBy'`.as('cancelled_by'),
    sql<string | null>`record->'error'->>'kind'`.as('error_kind'),
    sql<string>`record->>'createdAt'`.as('created'),
    sql<string>`record->>'updatedAt'`.as('updated'),
    sql<string | null>`record->>'finishedAt'`.as('finished'),
    sql<string | null>`record->'counts'->>'eventsOut'`.as('events'),
    sql<string | null>`record->'bytes'->>'compressed'`.as('bytes'),
  ]);
type IndexFieldsRow = Awaited<ReturnType<ReturnType<typeof selectIndexFields>['execute']>>[number];

/**
 * The job history in PostgreSQL: one row per job (a few fields as columns, the record as jsonb).
 *
 * Pages and the engine's synchronous reads (the schedule's `hourRecords`, `entries`,
 * `interrupted`, `size`) are answered from the same column index the laptop keeps (JobIndex),
 * loaded from the table at open (`jobs_by_hour`), kept current by this process's writes, and
 * caught up with other processes' (a worker's) by `touched_at` (`jobs_by_touch`) before a page.
 */
export class PgJobHistory implements JobHistoryPort {
  private readonly index = new JobIndex();
  /** The latest write `catchUp` has seen (ms), null before its first look. */
  private seenUpTo: number | null = null;
  /** The latest record of each job whose write is under way (pages show it, not its row). */
  private readonly unsent = new Map<string, Job>();
  /** The catch-up under way, and when the last one ended (ms). */
  private looking: Promise<number> | null = null;
  private lookedAt = 0;

  private readonly rows: PgJobRows;

  private constructor(
    private readonly db: Kysely<Database>,
    writer: WriteFence,
  ) {
    this.rows = new PgJobRows(db, writer);
  }

  static async open(
    db: Kysely<Database>,
    writer: WriteFence,
    batch = OPEN_BATCH,
  ): Promise<PgJobHistory> {
    const history = new PgJobHistory(db, writer);
    // Room for the rows PostgreSQL counts (its estimate, free to read), so the index does not
    // grow step by step while ten million are read.
    const { rows } = await sql<{
      n: number;
    }>`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'ferry.jobs'::regclass`.execute(db);
    const estimate = rows[0]?.n ?? 0;
    if (estimate > 0) history.index.reserve(Math.ceil(estimate * 1.05));
    // In the index's own order (hour, then creation), so each row is appended, and a batch at a
    // time: ten million jobs never sit in memory as query rows at once.
    let after: IndexFieldsRow | null = null;
    for (;;) {
      const next = await selectIndexFields(db)
        .$if(after !== null, (q) =>
          q.where(
            sql<boolean>`(hour, created_at, seq) > (${after!.hour}, ${after!.created_at}, ${after!.seq})`,
          ),
        )
        .orderBy('hour')
        .orderBy('created_at')
        .orderBy('seq')
        .limit(batch)
        .execute();
      for (const r of next) history.take(r);
      if (next.length < batch) break;
      after = next[next.length - 1]!;
    }
    return history;
  }

  /** Take a job's index fields as read from its row (a newer write this process made stays). */
  private take(r: IndexFieldsRow): void {
    this.seenUpTo = Math.max(this.seenUpTo ?? 0, r.touched_ms);
    const known = this.index.row(r.id);
    // The same version again (a catch-up reaches back): nothing to move in the index.
    const updated = Date.parse(r.updated);
    if (
      known &&
      (known.updated > updated ||
        (known.updated === updated &&
          known.status === JOB_STATUSES.indexOf(r.status as Job['status'])))
    )
      return;
    this.index.set(
      rowOf({
        id: r.id,
        connectionId: r.connection_id,
        dataset: r.dataset,
        hour: r.hour,
        status: r.status,
        trigger: r.trigger,
        cancelledBy: r.cancelled_by,
        error: r.error_kind ? { kind: r.error_kind } : null,
        createdAt: r.created,
        updatedAt: r.updated,
        finishedAt: r.finished,
        counts: r.events === null ? null : { eventsOut: Number(r.events) },
        bytes: r.bytes === null ? null : { compressed: Number(r.bytes) },
      } as unknown as Job),
    );
  }

  async put(written: Job): Promise<void> {
    const job = this.rows.checked(written);
    // Seen by the schedule at once, as on a laptop; put back if the write fails.
    const before = this.index.row(job.id);
    this.index.set(rowOf(job));
    this.unsent.set(job.id, job);
    const done = () => {
      if (this.unsent.get(job.id) === job) this.unsent.delete(job.id);
    };
    try {
      await this.rows.write(job);
      done();
    } catch (error) {
      done();
      if (this.index.row(job.id)?.updated === Date.parse(job.updatedAt)) {
        if (before) this.index.set(before);
        else this.index.delete(job.id);
      }
      throw error;
    }
  }

  /**
   * Store many jobs in one transaction (a move from a data folder): each inserted, replaced when
   * it differs, or left as it is. Returns how many were stored and how many were already so.
   */
  async putMany(written: readonly Job[]): Promise<{ stored: number; same: number }> {
    const jobs = written.map((j) => this.rows.checked(j));
    const stored = await this.rows.writeMany(jobs);
    for (const job of jobs) this.index.set(rowOf(job));
    return { stored, same: jobs.length - stored };
  }

  /** Every job, in the order they were first stored, a batch at a time (a move, a digest). */
  all(batch?: number): AsyncGenerator<Job[]> {
    return this.rows.all(batch);
  }

  /** The records of some jobs, by id (those not stored are left out). */
  getMany(ids: readonly string[]): Promise<Map<string, Job>> {
    return this.rows.getMany(ids);
  }

  /**
   * Take into the index every job another process wrote since the last look (team mode: the
   * serve learns its workers' jobs). A write's time is its own transaction's, so a look reaches
   * back a while before the last one: a write that committed late is still seen.
   */
  async catchUp(): Promise<number> {
    const since = new Date((this.seenUpTo ?? 0) - CATCH_UP_OVERLAP_MS);
    const rows = await selectIndexFields(this.db)
      .where('touched_at', '>', since)
      .orderBy('touched_at')
      .execute();
    for (const r of rows) this.take(r);
    return rows.length;
  }

  /**
   * Catch up before a page is cut from the index (another process may have written since), one
   * look at a time: callers at once share it, and one that ended under a second ago is enough.
   */
  private fresh(): Promise<unknown> {
    if (this.looking) return this.looking;
    if (Date.now() - this.lookedAt < FRESH_MS) return Promise.resolve();
    const look = this.catchUp().finally(() => {
      this.looking = null;
      this.lookedAt = Date.now();
    });
    this.looking = look;
    return look;
  }

  /**
   * Read jobs another process wrote (a worker's, in team mode) and take them into this one's
   * index, so the schedule sees them as its own. Returns them as stored.
   */
  async learn(ids: readonly string[]): Promise<Job[]> {
    const found = await this.getMany(ids);
    for (const job of found.values()) this.index.set(rowOf(job));
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  get(id: string): Promise<Job | null> {
    return this.rows.get(id);
  }

  /**
   * A page cut from the index, as on a laptop (pages of the latest job of each hour over ten
   * million jobs are not a query PostgreSQL answers in time), the records then read by id.
   */
  async list(query: JobListQuery = {}): Promise<JobPage> {
    const q = jobListQuery.parse(query);
    await this.fresh();
    const { rows, total } = this.index.page(indexFilterOf(q), q.offset, q.limit);
    const ids = rows.map((r) => this.index.entryAt(r).id);
    const stored = await this.getMany(ids);
    // A write still on its way is newer than its row.
    const items = ids
      .map((id) => this.unsent.get(id) ?? stored.get(id))
      .filter((j): j is Job => !!j);
    return Object.freeze({ items, total, offset: q.offset, limit: q.limit });
  }

  entries(
    filter: (e: Readonly<IndexEntry>) => boolean,
    connectionId?: string,
    range?: { from?: string; to?: string },
  ): Readonly<IndexEntry>[] {
    return this.index.entries(filter, connectionId, range);
  }

  interrupted(): Readonly<IndexEntry>[] {
    return this.index.interrupted();
  }

  hourRecords(connectionId: string): HourRecords {
    return hourRecordsOfIndex(this.index, connectionId);
  }

  get size(): number {
    return this.index.size;
  }

  /** Waits for the writes under way (the pool is closed by the storage). */
  close(): Promise<void> {
    return this.rows.close();
  }
}
