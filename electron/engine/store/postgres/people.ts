import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { FerryError } from '../../../../shared/api/errors';
import { ROLES, type Role } from '../../../../shared/model/roles';
import type { AuditEntry, AuditPage, AuditQuery } from '../../../../shared/model/audit';
import type { Database } from './schema';

/** A person's API token as listed (never its secret). */
export interface TeamToken {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
}

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * People's API tokens and the audit log of a team database. A token is `fy_<id>_<secret>`: the
 * id finds its row, the secret (32 random bytes) is kept only as its SHA-256, compared in
 * constant time. Each check reads the row, so a revoked token is refused at its next request.
 */
export class TeamPeople {
  constructor(private readonly db: Kysely<Database>) {}

  async add(name: string, role: string): Promise<{ token: string; entry: TeamToken }> {
    if (!(ROLES as readonly string[]).includes(role))
      throw new FerryError(
        'validation',
        `Role must be one of ${ROLES.join(', ')} (got "${role}")`,
        'role',
      );
    if (!/^[\p{L}\p{N}._@-]{1,64}$/u.test(name))
      throw new FerryError(
        'validation',
        'A token name is 1 to 64 letters, digits, ".", "_", "@" or "-" (a person, e.g. alice@acme.example)',
        'name',
      );
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const row = await this.db
      .insertInto('ferry.tokens')
      .values({ id, name, role, hash: hashOf(secret), revoked_at: null })
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row)
      throw new FerryError(
        'conflict',
        `A token named "${name}" exists already: revoke it first, or pick another name.`,
        'name',
      );
    return { token: `fy_${id}_${secret}`, entry: entryOf(row) };
  }

  async list(): Promise<TeamToken[]> {
    const rows = await this.db
      .selectFrom('ferry.tokens')
      .selectAll()
      .orderBy('created_at')
      .execute();
    return rows.map(entryOf);
  }

  /** Revoke by id or name; false when there is no such token still in use. */
  async revoke(idOrName: string): Promise<boolean> {
    const rows = await this.db
      .updateTable('ferry.tokens')
      .set({ revoked_at: new Date() })
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    return rows.length > 0;
  }

  /** The person a token belongs to, or null (unknown, wrong, or revoked). */
  async verify(token: string): Promise<{ name: string; role: Role } | null> {
    const match = /^fy_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return null;
    const row = await this.db
      .selectFrom('ferry.tokens')
      .select(['name', 'role', 'hash', 'revoked_at'])
      .where('id', '=', match[1]!)
      .executeTakeFirst();
    if (!row || row.revoked_at) return null;
    const given = Buffer.from(hashOf(match[2]!));
    const kept = Buffer.from(row.hash);
    if (given.length !== kept.length || !timingSafeEqual(given, kept)) return null;
    return { name: row.name, role: row.role as Role };
  }

  async record(entry: Omit<AuditEntry, 'at' | 'seq'>): Promise<void> {
    await this.db.insertInto('ferry.audit').values(entry).execute();
  }

  /**
   * A page of the log, newest first: one person's entries, or one outcome's, older than
   * `before` (the `next` of the page before). Pages by the entries' order, so an entry written
   * while the admin reads is never shown twice nor skipped.
   */
  async audit(query: AuditQuery = {}): Promise<AuditPage> {
    const limit = query.limit ?? 50;
    let select = this.db.selectFrom('ferry.audit').selectAll();
    if (query.who) select = select.where('who', '=', query.who);
    if (query.before) select = select.where('seq', '<', String(query.before));
    if (query.outcome === 'ok' || query.outcome === 'refused')
      select = select.where('result', '=', query.outcome);
    else if (query.outcome === 'failed')
      select = select.where('result', 'not in', ['ok', 'refused']);
    const rows = await select
      .orderBy('seq', 'desc')
      .limit(limit + 1)
      .execute();
    const entries = rows.slice(0, limit).map((r) => ({
      seq: Number(r.seq),
      at: r.at.toISOString(),
      who: r.who,
      method: r.method,
      target: r.target,
      result: r.result,
    }));
    const people = await this.db
      .selectFrom('ferry.tokens')
      .select('name')
      .orderBy('name')
      .execute();
    return {
      entries,
      next: rows.length > limit ? entries.at(-1)!.seq : null,
      people: people.map((p) => p.name),
    };
  }
}

function entryOf(row: {
  id: string;
  name: string;
  role: string;
  created_at: Date;
  revoked_at: Date | null;
}): TeamToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}
