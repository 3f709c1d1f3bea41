import { hourText } from '../../../../shared/model/hours';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { FerryError } from '../../../../shared/api/errors';
import type { Database } from './schema';
import { HourTakenOver } from './errors';
import type { WriteFence } from './writer';

/** One hour of one connection, as the queue and the leases name it. */
export interface HourKey {
  connectionId: string;
  hour: string;
}

/**
 * A worker's hold on one hour of one connection (team mode): the hour's attempt number in
 * `ferry.hour_leases`, bumped by each worker that takes the hour. The queue (pg-boss) decides
 * who may take an hour and when a silent worker's hour is given to another; this number makes
 * that safe: every write of the hour's jobs and every step that makes its objects visible first
 * checks, in PostgreSQL, that the attempt is still this worker's. A worker that was stopped
 * (SIGSTOP), cut off or too slow, and whose hour another took meanwhile, is refused — it never
 * makes its hour visible nor writes over the taker's records.
 *
 * Once a worker begins an hour's commit it names the commit on the lease (`commit_id`): a
 * commit a kill left behind may be finished later only while no one has taken the hour since.
 */
export class HourLease implements WriteFence {
  private lostReason: string | null = null;
  private named: readonly string[] = [];

  private constructor(
    private readonly db: Kysely<Database>,
    readonly key: HourKey,
    readonly attempt: string,
    /** The jobs the attempt before this one left (to be closed by the taker). */
    readonly previousJobs: string[],
    /** Who held the hour before this attempt (null: no one did). */
    readonly previousHolder: string | null = null,
  ) {}

  /** Take the hour (always: the queue has given it to this worker); earlier holders are fenced. */
  static async claim(db: Kysely<Database>, key: HourKey, holder: string): Promise<HourLease> {
    return db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('ferry.hour_leases')
        .select(['job_ids', 'holder'])
        .where('connection_id', '=', key.connectionId)
        .where('hour', '=', key.hour)
        .forUpdate()
        .executeTakeFirst();
      const row = await trx
        .insertInto('ferry.hour_leases')
        .values({
          connection_id: key.connectionId,
          hour: key.hour,
          attempt: '1',
          holder,
          taken_at: sql`now()`,
          commit_id: null,
          job_ids: JSON.stringify([]),
          cancel_asked_at: null,
          cancel_answer: null,
        })
        .onConflict((oc) =>
          oc.columns(['connection_id', 'hour']).doUpdateSet({
            attempt: sql`ferry.hour_leases.attempt + 1`,
            holder,
            taken_at: sql`now()`,
            commit_id: null,
            job_ids: JSON.stringify([]),
            // A cancel asked of an earlier attempt is not this one's to answer.
            cancel_asked_at: null,
            cancel_answer: null,
          }),
        )
        .returning('attempt')
        .executeTakeFirstOrThrow();
      const previous = Array.isArray(before?.job_ids) ? (before.job_ids as string[]) : [];
      return new HourLease(db, key, String(row.attempt), previous, before?.holder ?? null);
    });
  }

  /**
   * Take an hour again to finish a commit this host began before a kill — only while no one
   * took the hour since (its lease still names that commit). Null: another worker took it; the
   * commit must not be finished over the taker's export.
   */
  static async resume(
    db: Kysely<Database>,
    key: HourKey & { commitId: string },
    holder: string,
  ): Promise<HourLease | null> {
    const row = await db
      .updateTable('ferry.hour_leases')
      .set({
        attempt: sql`attempt + 1`,
        holder,
        taken_at: sql`now()`,
        cancel_asked_at: null,
        cancel_answer: null,
      })
      .where('connection_id', '=', key.connectionId)
      .where('hour', '=', key.hour)
      .where('commit_id', '=', key.commitId)
      .returning('attempt')
      .executeTakeFirst();
    if (!row) return null;
    return new HourLease(
      db,
      { connectionId: key.connectionId, hour: key.hour },
      String(row.attempt),
      [],
    );
  }

  get lost(): boolean {
    return this.lostReason !== null;
  }

  guard(): void {
    if (this.lostReason)
      throw new FerryError(
        'locked',
        `This worker no longer holds ${this.key.hour} of connection ${this.key.connectionId}: ${this.lostReason}. Nothing more of it was written.`,
      );
  }

  /** In a write's transaction: refuse it unless the hour's attempt is still this one. */
  async fence(trx: Transaction<Database>): Promise<void> {
    this.guard();
    const row = await this.current(trx).forShare().executeTakeFirst();
    this.check(row?.attempt);
  }

  condition(): RawBuilder<boolean> {
    return sql<boolean>`(SELECT attempt FROM ferry.hour_leases WHERE connection_id = ${this.key.connectionId} AND hour = ${this.key.hour} FOR SHARE) = ${this.attempt}::bigint`;
  }

  /**
   * Before a step that makes the hour visible: prove the attempt is still this one, and name
   * the commit on the lease (the first time), so a kill's leftover can be told from a newer try.
   */
  async verify(commitId?: string): Promise<void> {
    this.guard();
    await this.db.transaction().execute(async (trx) => {
      const row = await this.current(trx).forUpdate().executeTakeFirst();
      this.check(row?.attempt);
      if (commitId && row?.commit_id !== commitId)
        await trx
          .updateTable('ferry.hour_leases')
          .set({ commit_id: commitId })
          .where('connection_id', '=', this.key.connectionId)
          .where('hour', '=', this.key.hour)
          .execute();
    });
  }

  /** The jobs of this attempt, as last named on the lease. */
  get jobIds(): readonly string[] {
    return this.named;
  }

  /** True when a person asked (through the serve) to cancel this attempt, not yet answered. */
  async cancelAsked(): Promise<boolean> {
    const row = await this.db
      .selectFrom('ferry.hour_leases')
      .select('attempt')
      .where('connection_id', '=', this.key.connectionId)
      .where('hour', '=', this.key.hour)
      .where('cancel_asked_at', 'is not', null)
      .where('cancel_answer', 'is', null)
      .executeTakeFirst();
    return row !== undefined && String(row.attempt) === this.attempt;
  }

  /** Answer the cancel asked of this attempt: what became of it (see ExportService.cancelJob). */
  async answerCancel(outcome: string): Promise<void> {
    await this.db
      .updateTable('ferry.hour_leases')
      .set({ cancel_answer: outcome })
      .where('connection_id', '=', this.key.connectionId)
      .where('hour', '=', this.key.hour)
      .where('attempt', '=', this.attempt)
      .where('cancel_asked_at', 'is not', null)
      .execute();
  }

  /** Name the jobs of this attempt on the lease (fenced), so a taker can close them. */
  async recordJobs(jobIds: string[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.fence(trx);
      await trx
        .updateTable('ferry.hour_leases')
        .set({ job_ids: JSON.stringify(jobIds) })
        .where('connection_id', '=', this.key.connectionId)
        .where('hour', '=', this.key.hour)
        .execute();
    });
    this.named = [...jobIds];
  }

  private current(trx: Transaction<Database>) {
    return trx
      .selectFrom('ferry.hour_leases')
      .select(['attempt', 'commit_id'])
      .where('connection_id', '=', this.key.connectionId)
      .where('hour', '=', this.key.hour);
  }

  private check(attempt: string | undefined): void {
    if (attempt !== undefined && String(attempt) === this.attempt) return;
    this.lostReason = `another worker took the hour over (attempt ${attempt ?? 'none'}, this one ${this.attempt})`;
    this.guard();
  }
}

/**
 * The hours a worker holds now (one it exports; at times one whose commit a kill left behind),
 * as the fence of its writes: a job record is written, and a commit step taken, only while every
 * hour it holds is still its own.
 */
export class WorkerLeases implements WriteFence {
  private readonly held = new Map<string, HourLease>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly holder: string,
  ) {}

  /** Take an hour the queue gave this worker, for one of its queue jobs (named on the lease). */
  async claim(key: HourKey, queueJob: string): Promise<HourLease> {
    const lease = await HourLease.claim(this.db, key, holderFor(this.holder, queueJob));
    this.held.set(keyOf(key), lease);
    return lease;
  }

  /** Let an hour go (its export ended, or it was lost). */
  drop(key: HourKey): void {
    this.held.delete(keyOf(key));
  }

  /** Let every hour go but the ones given. */
  dropAllBut(keep: readonly HourKey[]): void {
    const kept = new Set(keep.map(keyOf));
    for (const k of [...this.held.keys()]) if (!kept.has(k)) this.held.delete(k);
  }

  guard(): void {
    if (this.held.size === 0)
      throw new FerryError(
        'locked',
        'A worker writes only the hours it holds, and holds none now.',
      );
    for (const lease of this.held.values()) lease.guard();
  }

  async fence(trx: Transaction<Database>): Promise<void> {
    this.guard();
    for (const lease of this.held.values()) await lease.fence(trx);
  }

  condition(): RawBuilder<boolean> {
    const each = [...this.held.values()].map((lease) => lease.condition());
    return each.length ? sql<boolean>`(${sql.join(each, sql` AND `)})` : sql<boolean>`false`;
  }

  /**
   * The proof before a commit step (see Fence): the hour's attempt is still this worker's. A
   * commit of an hour it does not hold (a kill's leftover) takes the hour back only while no
   * one took it since; otherwise HourTakenOver.
   */
  readonly proveCommit = async (at: HourKey & { commitId: string }): Promise<void> => {
    try {
      let lease = this.held.get(keyOf(at));
      if (!lease) {
        const resumed = await HourLease.resume(this.db, at, this.holder);
        if (!resumed) throw new HourTakenOver(at);
        lease = resumed;
        this.held.set(keyOf(at), lease);
      }
      await lease.verify(at.commitId);
      if (lease.lost) throw new HourTakenOver(at);
    } catch (error) {
      if (error instanceof HourTakenOver) throw error;
      const lease = this.held.get(keyOf(at));
      if (lease?.lost) throw new HourTakenOver(at);
      // No proof without the database: nothing more is made visible, and the worker gives the
      // hour back (an error of Ferry's own storage, not of the export, so it is not retried here).
      throw new FerryError(
        'internal',
        `This worker could not reach PostgreSQL to prove it still holds ${hourText(at.hour)} of connection ${at.connectionId} (${(error as Error).message}); nothing more of it was made visible.`,
      );
    }
  };
}

/** The holder a lease names: the worker, and the queue job it took the hour for. */
export function holderFor(worker: string, queueJob: string): string {
  return `${worker}${queueJobSuffix(queueJob)}`;
}

/** How a lease's holder ends when it took the hour for that queue job. */
export function queueJobSuffix(queueJob: string): string {
  return ` for queue job ${queueJob}`;
}

function keyOf(key: HourKey): string {
  return `${key.connectionId}|${key.hour}`;
}

/** How many times a worker's hour was taken over by another, ever (each attempt past the first). */
export async function hourTakeovers(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('ferry.hour_leases')
    .select(sql<string>`coalesce(sum(attempt - 1), 0)`.as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
