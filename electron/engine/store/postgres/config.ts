import type { Kysely } from 'kysely';
import type { ConfigPort } from '../ports';
import {
  checkBeforeWrite,
  CONFIG_MIGRATIONS,
  CONFIG_SCHEMA_VERSION,
  configFile,
  decodeVersioned,
  emptyConfig,
  type ConfigData,
} from '../schema';
import type { Database } from './schema';
import type { WriteFence } from './writer';

const LABEL = 'the configuration in PostgreSQL';

/** The stored document, brought to this version (a newer one is refused, never changed). */
const decode = (doc: unknown): ConfigData =>
  decodeVersioned(doc, configFile, CONFIG_SCHEMA_VERSION, CONFIG_MIGRATIONS, LABEL);

/**
 * Organizations, projects, connections and settings in PostgreSQL: one versioned document (the
 * shape of `config.json`) in `ferry.config`, changed all or nothing.
 *
 * An update locks the row, takes any change another process stored meanwhile (a newer
 * revision), applies the change to a copy, checks it reads back, and stores it under the
 * writer's fencing number; memory changes only once the commit is through.
 */
export class PgConfig implements ConfigPort {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: WriteFence,
    private current: ConfigData,
    private revision: string,
    readonly fresh: boolean,
  ) {}

  static async open(db: Kysely<Database>, writer: WriteFence): Promise<PgConfig> {
    const row = await db
      .selectFrom('ferry.config')
      .select(['doc', 'revision'])
      .where('id', '=', 1)
      .executeTakeFirst();
    if (!row) return new PgConfig(db, writer, emptyConfig(), '0', true);
    return new PgConfig(db, writer, decode(row.doc), String(row.revision), false);
  }

  get data(): Readonly<ConfigData> {
    return this.current;
  }

  /** Take the change another process stored since this one last read (a worker, before an hour). */
  async refresh(): Promise<void> {
    // The revision first: a worker asks every second while it exports, and the document is
    // read only when it changed.
    const seen = await this.db
      .selectFrom('ferry.config')
      .select('revision')
      .where('id', '=', 1)
      .executeTakeFirst();
    if (!seen || String(seen.revision) === this.revision) return;
    const row = await this.db
      .selectFrom('ferry.config')
      .select(['doc', 'revision'])
      .where('id', '=', 1)
      .executeTakeFirst();
    if (!row) return;
    this.current = decode(row.doc);
    this.revision = String(row.revision);
  }

  settled(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  update<R>(change: (draft: ConfigData) => R): Promise<R> {
    const run = async () => {
      this.writer.guard();
      const stored = { data: this.current, revision: this.revision };
      const result = await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('ferry.config')
          .values({ id: 1, revision: '0', doc: JSON.stringify(emptyConfig()) })
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
        const row = await trx
          .selectFrom('ferry.config')
          .select(['doc', 'revision'])
          .where('id', '=', 1)
          .forUpdate()
          .executeTakeFirstOrThrow();
        // Another process stored a change since this one last read: build on it.
        if (String(row.revision) !== this.revision) {
          this.current = decode(row.doc);
          this.revision = String(row.revision);
        }
        const draft = structuredClone(this.current);
        const result = change(draft);
        checkBeforeWrite(configFile, draft, LABEL);
        await this.writer.fence(trx);
        const next = await trx
          .updateTable('ferry.config')
          .set({ doc: JSON.stringify(draft), revision: String(BigInt(row.revision) + 1n) })
          .where('id', '=', 1)
          .returning('revision')
          .executeTakeFirstOrThrow();
        stored.data = draft;
        stored.revision = String(next.revision);
        return result;
      });
      this.current = stored.data;
      this.revision = stored.revision;
      return result;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
