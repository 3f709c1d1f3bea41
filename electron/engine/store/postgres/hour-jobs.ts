import type { Kysely } from 'kysely';
import { jobListQuery, type Job, type JobListQuery } from '../../../../shared/model/jobs';
import { pageOfHour } from '../hour-page';
import type { HourJobsPort, JobPage } from '../ports';
import { PgJobRows } from './job-rows';
import type { Database } from './schema';
import type { WriteFence } from './writer';

/**
 * A team worker's view of the history: the jobs of the hours it exports, written under each
 * hour's lease, and the tries of one hour read when it needs them. No index of the whole history
 * is loaded (at ten million jobs that took minutes and gigabytes the serve alone needs).
 */
export class PgHourJobs implements HourJobsPort {
  private readonly rows: PgJobRows;

  constructor(db: Kysely<Database>, writer: WriteFence) {
    this.rows = new PgJobRows(db, writer);
  }

  async put(written: Job): Promise<void> {
    await this.rows.write(this.rows.checked(written));
  }

  get(id: string): Promise<Job | null> {
    return this.rows.get(id);
  }

  getMany(ids: readonly string[]): Promise<Map<string, Job>> {
    return this.rows.getMany(ids);
  }

  /** A page of one hour of one connection: what an export asks (see HourJobsPort). */
  async list(query: JobListQuery = {}): Promise<JobPage> {
    const q = jobListQuery.parse(query);
    if (!q.connectionId || !q.hourFrom || q.hourFrom !== q.hourTo)
      throw new Error(
        "A worker's history answers for one hour of one connection (connectionId, hourFrom = hourTo)",
      );
    const tries = await this.rows.ofHour(q.connectionId, q.hourFrom);
    const { items, total } = pageOfHour(tries, q);
    return Object.freeze({ items, total, offset: q.offset, limit: q.limit });
  }

  close(): Promise<void> {
    return this.rows.close();
  }
}
