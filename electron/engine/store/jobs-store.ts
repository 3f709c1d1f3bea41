import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import type { Notice } from '../../../shared/api/contract';
import type { Job, JobListQuery } from '../../../shared/model/entities';
import { jobListQuery } from '../../../shared/model/entities';
import { ValidatedJsonFile } from './json-file';
import { decodeVersioned, emptyJobs, jobsFile, JOBS_SCHEMA_VERSION, type JobsData } from './schema';

const SHARD_FILE = /^(\d{4}-\d{2})\.json$/;

/**
 * Job history, one lowdb file per month of exported hours: `jobs/<yyyy-MM>.json`.
 *
 * Sharding by month means recording a job rewrites one month, never years of history, and a
 * damaged shard costs that month only (it is recovered like `config.json`).
 */
export class JobsStore {
  private readonly dir: string;
  private readonly notify: (n: Notice) => void;
  private readonly readOnly: boolean;
  private readonly shards = new Map<string, Low<JobsData>>();

  private constructor(dir: string, notify: (n: Notice) => void, readOnly: boolean) {
    this.dir = dir;
    this.notify = notify;
    this.readOnly = readOnly;
  }

  static async open(
    dataDir: string,
    notify: (n: Notice) => void,
    readOnly = false,
  ): Promise<JobsStore> {
    const dir = join(dataDir, 'jobs');
    if (!readOnly) await mkdir(dir, { recursive: true });
    const store = new JobsStore(dir, notify, readOnly);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const month = SHARD_FILE.exec(name)?.[1];
      if (month) await store.shard(month);
    }
    return store;
  }

  private async shard(month: string): Promise<Low<JobsData>> {
    const existing = this.shards.get(month);
    if (existing) return existing;
    const adapter = new ValidatedJsonFile<JobsData>(join(this.dir, `${month}.json`), {
      decode: (raw) =>
        decodeVersioned(raw, jobsFile, JOBS_SCHEMA_VERSION, [], `jobs/${month}.json`),
      notify: this.notify,
      readOnly: this.readOnly,
    });
    const db = new Low<JobsData>(adapter, emptyJobs());
    await db.read();
    this.shards.set(month, db);
    return db;
  }

  /** Insert or replace a job, keyed by its id, in the shard of its hour's month. */
  async put(job: Job): Promise<void> {
    const db = await this.shard(job.hour.slice(0, 7));
    const index = db.data.jobs.findIndex((j) => j.id === job.id);
    if (index >= 0) db.data.jobs[index] = job;
    else db.data.jobs.push(job);
    await db.write();
  }

  /** One job by id, or null. */
  get(id: string): Job | null {
    for (const db of this.shards.values()) {
      const job = db.data.jobs.find((j) => j.id === id);
      if (job) return job;
    }
    return null;
  }

  /** Jobs matching a query, newest hour first, one page at a time. */
  list(query: JobListQuery = {}): { items: Job[]; total: number; offset: number; limit: number } {
    const q = jobListQuery.parse(query);
    const statuses = q.status ? new Set(q.status) : null;
    const matches: Job[] = [];
    for (const db of this.shards.values()) {
      for (const job of db.data.jobs) {
        if (q.connectionId && job.connectionId !== q.connectionId) continue;
        if (statuses && !statuses.has(job.status)) continue;
        if (q.dataset && job.dataset !== q.dataset) continue;
        if (q.hourFrom && job.hour < q.hourFrom) continue;
        if (q.hourTo && job.hour > q.hourTo) continue;
        matches.push(job);
      }
    }
    matches.sort((a, b) =>
      a.hour === b.hour ? b.createdAt.localeCompare(a.createdAt) : b.hour.localeCompare(a.hour),
    );
    return {
      items: matches.slice(q.offset, q.offset + q.limit),
      total: matches.length,
      offset: q.offset,
      limit: q.limit,
    };
  }
}
