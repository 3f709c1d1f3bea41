import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import pg from 'pg';
import { FerryError } from '../../../../shared/api/errors';
import type { WriterLockPort } from '../ports';
import { redactUrl } from './address';
import { HeldElsewhere } from './errors';
import type { Database } from './schema';

/**
 * What every write to Ferry's tables is checked against: `guard` before it starts (may this
 * process write at all), `fence` inside its transaction (is its hold still the current one).
 * The serve's writer is fenced by its epoch; a worker by the attempt of the hour it exports.
 */
export interface WriteFence {
  guard(): void;
  fence(trx: Transaction<Database>): Promise<void>;
  /**
   * The same check as a condition of one statement (its rows share-locked by that statement),
   * so a single write can be fenced in one round trip. True when the hold is still current.
   */
  condition(): RawBuilder<boolean>;
}

/** The advisory lock every Ferry writer of a database takes ("Ferry" in ASCII). */
const WRITER_LOCK = 0x4665727279n;

/**
 * This process's hold on a database as its one writer: a session-level advisory lock on a
 * connection of its own, and a fencing number (`ferry.writer.epoch`) bumped when it is taken.
 *
 * The lock keeps a second writer out while this one lives; the epoch keeps out this one's late
 * writes once it has lost the lock (its connection dropped, so PostgreSQL let it go, and another
 * writer took over): every write checks the epoch in its own transaction and is refused when it
 * is no longer this writer's.
 */
export class PgWriter implements WriterLockPort, WriteFence {
  private lostReason: string | null = null;

  private constructor(
    private readonly client: pg.Client | null,
    readonly epoch: string | null,
    private readonly url: string,
    private readonly onLost: (message: string) => void,
  ) {
    client?.on('error', () => this.lose('its connection to PostgreSQL failed'));
    client?.on('end', () => this.lose('its connection to PostgreSQL ended'));
  }

  /** Open read-only: every write is refused. */
  static reader(url: string): PgWriter {
    return new PgWriter(null, null, url, () => undefined);
  }

  /** Take the writer's lock, or throw `locked` naming the writer that holds it. */
  static async take(
    url: string,
    db: Kysely<Database>,
    holder: string,
    onLost: (message: string) => void = () => undefined,
  ): Promise<PgWriter> {
    const client = new pg.Client({
      connectionString: url,
      application_name: 'ferry writer',
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const { rows } = await client.query<{ held: boolean }>(
        'SELECT pg_try_advisory_lock($1) AS held',
        [WRITER_LOCK.toString()],
      );
      if (!rows[0]?.held) {
        const current = await db
          .selectFrom('ferry.writer')
          .select(['holder', 'taken_at'])
          .executeTakeFirst();
        throw new HeldElsewhere(
          `Another Ferry writes to this database${current ? ` (${current.holder}, since ${current.taken_at.toISOString()})` : ''}. Stop it first, or open this one read-only.`,
        );
      }
      const taken = await db
        .insertInto('ferry.writer')
        .values({ id: 1, epoch: '1', holder, taken_at: new Date() })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            epoch: sql`ferry.writer.epoch + 1`,
            holder,
            taken_at: new Date(),
          }),
        )
        .returning('epoch')
        .executeTakeFirstOrThrow();
      return new PgWriter(client, String(taken.epoch), url, onLost);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  get lost(): boolean {
    return this.lostReason !== null;
  }

  guard(): void {
    if (!this.client)
      throw new FerryError('locked', `The database ${redactUrl(this.url)} is open read-only here.`);
    if (this.lostReason)
      throw new FerryError(
        'locked',
        `This Ferry stopped writing to ${redactUrl(this.url)}: ${this.lostReason}. Nothing more was written; start it again.`,
      );
  }

  /**
   * In a write's transaction: refuse it unless this writer still holds the epoch it took. The
   * row is share-locked to the commit, so no takeover can slip between the check and the write.
   */
  async fence(trx: Transaction<Database>): Promise<void> {
    this.guard();
    const row = await trx
      .selectFrom('ferry.writer')
      .select('epoch')
      .where('id', '=', 1)
      .forShare()
      .executeTakeFirst();
    if (String(row?.epoch) !== this.epoch) {
      this.lose(`another Ferry took over as writer (fencing number ${row?.epoch ?? 'none'})`);
      this.guard();
    }
  }

  condition(): RawBuilder<boolean> {
    return sql<boolean>`(SELECT epoch FROM ferry.writer WHERE id = 1 FOR SHARE) = ${this.epoch}::bigint`;
  }

  /** Outside a write: prove this writer still holds the epoch it took (it asks the database). */
  async verify(db: Kysely<Database>): Promise<void> {
    this.guard();
    const row = await db
      .selectFrom('ferry.writer')
      .select('epoch')
      .where('id', '=', 1)
      .executeTakeFirst();
    if (String(row?.epoch) !== this.epoch) {
      this.lose(`another Ferry took over as writer (fencing number ${row?.epoch ?? 'none'})`);
      this.guard();
    }
  }

  async release(): Promise<void> {
    if (!this.client) return;
    const client = this.client;
    this.lostReason ??= 'it was closed';
    await client
      .query('SELECT pg_advisory_unlock($1)', [WRITER_LOCK.toString()])
      .catch(() => undefined);
    await client.end().catch(() => undefined);
  }

  private lose(reason: string): void {
    if (this.lostReason) return;
    this.lostReason = reason;
    this.onLost(`This Ferry is no longer the writer of ${redactUrl(this.url)}: ${reason}.`);
  }
}
