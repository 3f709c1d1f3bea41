import type { Kysely } from 'kysely';
import type { Migration } from '../../../../shared/model/migration';
import { backup as backupSchema, type Backup } from '../../../../shared/model/settings';
import { migration as migrationSchema } from '../../../../shared/model/migration';
import type { BackupArchivePort, MigrationLogPort } from '../ports';
import { checkBeforeWrite } from '../schema';
import type { Database } from './schema';
import { redactUrl } from './address';
import type { WriteFence } from './writer';

/**
 * Policy backups in `ferry.backups`: each entry with its document, exactly as kept, in one row
 * (never deleted by Ferry). The entries are read at open and kept by this process's writes.
 */
export class PgBackups implements BackupArchivePort {
  private constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: WriteFence,
    private readonly url: string,
    private readonly list: Backup[],
  ) {}

  static async open(db: Kysely<Database>, writer: WriteFence, url: string): Promise<PgBackups> {
    const rows = await db.selectFrom('ferry.backups').select('entry').orderBy('seq').execute();
    return new PgBackups(
      db,
      writer,
      url,
      rows.map((r) => backupSchema.parse(r.entry)),
    );
  }

  entries(): readonly Backup[] {
    return this.list;
  }

  async add(entry: Backup, document: string | null): Promise<void> {
    this.writer.guard();
    checkBeforeWrite(backupSchema, entry, 'the backups in PostgreSQL');
    const kept = structuredClone(entry);
    await this.db.transaction().execute(async (trx) => {
      await this.writer.fence(trx);
      await trx
        .insertInto('ferry.backups')
        .values({
          id: kept.id,
          entry: JSON.stringify(kept),
          stored: `${JSON.stringify({ ...kept, document }, null, 2)}\n`,
        })
        .execute();
    });
    this.list.push(kept);
  }

  /**
   * Keep a backup exactly as another store kept it (a move): added when its id is new; true
   * when the text stored under its id is this one.
   */
  async keep(entry: Backup, stored: string): Promise<boolean> {
    this.writer.guard();
    checkBeforeWrite(backupSchema, entry, 'the backups in PostgreSQL');
    const kept = structuredClone(entry);
    const inserted = await this.db.transaction().execute(async (trx) => {
      await this.writer.fence(trx);
      const rows = await trx
        .insertInto('ferry.backups')
        .values({ id: kept.id, entry: JSON.stringify(kept), stored })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .execute();
      return rows.length > 0;
    });
    if (inserted) this.list.push(kept);
    return (await this.stored(kept)) === stored;
  }

  async stored(entry: Backup): Promise<string | null> {
    const row = await this.db
      .selectFrom('ferry.backups')
      .select('stored')
      .where('id', '=', entry.id)
      .executeTakeFirst();
    return row?.stored ?? null;
  }

  where(entry: Backup): string {
    return `row ${entry.id} of ferry.backups in ${redactUrl(this.url)}`;
  }
}

/** KMS migrations in `ferry.migrations`, in the order they began; each replaced by id. */
export class PgMigrationLog implements MigrationLogPort {
  private constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: WriteFence,
    private readonly list: Migration[],
  ) {}

  static async open(db: Kysely<Database>, writer: WriteFence): Promise<PgMigrationLog> {
    const rows = await db.selectFrom('ferry.migrations').select('record').orderBy('seq').execute();
    return new PgMigrationLog(
      db,
      writer,
      rows.map((r) => migrationSchema.parse(r.record)),
    );
  }

  all(): readonly Migration[] {
    return this.list;
  }

  async save(migration: Migration): Promise<void> {
    this.writer.guard();
    checkBeforeWrite(migrationSchema, migration, 'the migrations in PostgreSQL');
    const kept = structuredClone(migration);
    await this.db.transaction().execute(async (trx) => {
      await this.writer.fence(trx);
      const record = JSON.stringify(kept);
      await trx
        .insertInto('ferry.migrations')
        .values({ id: kept.id, record })
        .onConflict((oc) => oc.column('id').doUpdateSet({ record }))
        .execute();
    });
    const at = this.list.findIndex((m) => m.id === kept.id);
    if (at < 0) this.list.push(kept);
    else this.list[at] = kept;
  }
}
