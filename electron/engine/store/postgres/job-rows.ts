import { sql, type Kysely } from 'kysely';
import { FerryError } from '../../../../shared/api/errors';
import { job as jobSchema, type Job } from '../../../../shared/model/jobs';
import { redactDeep } from '../../redact';
import { checkBeforeWrite } from '../schema';
import type { Database, JobsTable } from './schema';
import type { WriteFence } from './writer';

/**
 * The job table itself: one row per job (a few fields as columns, the record as jsonb), written
 * under the writer's fence, read by id or by hour. The serve's history (PgJobHistory) keeps an
 * index of it; a worker's (PgHourJobs) reads only the hours it works on.
 */
export class PgJobRows {
  /** The write of each job under way: a job's writes land in call order. */
  private readonly writing = new Map<string, Promise<void>>();

  constructor(
    readonly db: Kysely<Database>,
    private readonly writer: WriteFence,
  ) {}

  /**
   * A job as it may be stored: no secret Ferry holds in it (the history's redaction gate), its
   * shape checked, and this process still allowed to write. Throws otherwise, before anything.
   */
  checked(written: Job): Job {
    const job = redactDeep(written);
    this.writer.guard();
    checkBeforeWrite(jobSchema, job, 'the job history in PostgreSQL');
    return job;
  }

  /**
   * Insert or replace a checked job, fenced; after the job's earlier writes. One statement: the
   * fence's rows are share-locked by the write itself (a status write is one round trip, not a
   * transaction's four). Refused, the fence is asked again to say why.
   */
  write(job: Job): Promise<void> {
    const store = async () => {
      this.writer.guard();
      const v = columnsOf(job);
      const { rows } = await sql<{ id: string }>`
        INSERT INTO ferry.jobs (id, connection_id, dataset, hour, status, created_at, record)
        SELECT ${v.id}::text, ${v.connection_id}::text, ${v.dataset}::text, ${v.hour}::text,
          ${v.status}::text, ${v.created_at}::timestamptz, ${v.record}::jsonb
        WHERE ${this.writer.condition()}
        ON CONFLICT (id) DO UPDATE SET
          connection_id = excluded.connection_id, dataset = excluded.dataset,
          hour = excluded.hour, status = excluded.status, created_at = excluded.created_at,
          record = excluded.record, touched_at = clock_timestamp()
        RETURNING id`.execute(this.db);
      if (rows.length === 1) return;
      await this.db.transaction().execute((trx) => this.writer.fence(trx));
      throw new FerryError(
        'locked',
        `Job ${job.id} was not written: this process's hold on it ended.`,
      );
    };
    const previous = this.writing.get(job.id) ?? Promise.resolve();
    const next = previous.then(store, store);
    this.writing.set(job.id, next);
    const settled = () => {
      if (this.writing.get(job.id) === next) this.writing.delete(job.id);
    };
    void next.then(settled, settled);
    return next;
  }

  /**
   * Store many checked jobs in one transaction (a move from a data folder): each inserted,
   * replaced when it differs, or left as it is. Returns how many were stored.
   */
  async writeMany(jobs: readonly Job[]): Promise<number> {
    if (jobs.length === 0) return 0;
    return this.db.transaction().execute(async (trx) => {
      await this.writer.fence(trx);
      const changed = await trx
        .insertInto('ferry.jobs')
        .values(jobs.map(columnsOf))
        .onConflict((oc) =>
          oc
            .column('id')
            .doUpdateSet((eb) => ({
              connection_id: eb.ref('excluded.connection_id'),
              dataset: eb.ref('excluded.dataset'),
              hour: eb.ref('excluded.hour'),
              status: eb.ref('excluded.status'),
              created_at: eb.ref('excluded.created_at'),
              record: eb.ref('excluded.record'),
              touched_at: sql`clock_timestamp()`,
            }))
            .where(sql<boolean>`ferry.jobs.record IS DISTINCT FROM excluded.record`),
        )
        .returning('id')
        .execute();
      return changed.length;
    });
  }

  /** Every job, in the order they were first stored, a batch at a time (a move, a digest). */
  async *all(batch = 1000): AsyncGenerator<Job[]> {
    let after = '0';
    for (;;) {
      const rows = await this.db
        .selectFrom('ferry.jobs')
        .select(['seq', 'record'])
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(batch)
        .execute();
      if (rows.length === 0) return;
      after = String(rows[rows.length - 1]!.seq);
      yield rows.map((r) => r.record as Job);
    }
  }

  /** The records of some jobs, by id (those not stored are left out). */
  async getMany(ids: readonly string[]): Promise<Map<string, Job>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('ferry.jobs')
      .select(['id', 'record'])
      .where('id', 'in', ids)
      .execute();
    return new Map(rows.map((r) => [r.id, r.record as Job]));
  }

  async get(id: string): Promise<Job | null> {
    const row = await this.db
      .selectFrom('ferry.jobs')
      .select('record')
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? (row.record as Job) : null;
  }

  /** Every try of one hour of a connection, newest first (`jobs_by_hour`: a few rows an hour). */
  async ofHour(connectionId: string, hour: string): Promise<Job[]> {
    const rows = await this.db
      .selectFrom('ferry.jobs')
      .select('record')
      .where('hour', '=', hour)
      .where('connection_id', '=', connectionId)
      .orderBy('created_at', 'desc')
      .orderBy('seq', 'desc')
      .execute();
    return rows.map((r) => r.record as Job);
  }

  /** Waits for the writes under way (the pool is closed by the storage). */
  async close(): Promise<void> {
    await Promise.allSettled(this.writing.values());
  }
}

function columnsOf(job: Job): Omit<JobsTable, 'seq' | 'touched_at'> {
  return {
    id: job.id,
    connection_id: job.connectionId,
    dataset: job.dataset,
    hour: job.hour,
    status: job.status,
    created_at: new Date(job.createdAt),
    record: JSON.stringify(job),
  };
}
