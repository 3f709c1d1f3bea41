/**
 * `ferry query-setup`: the Glue tables of a connection — over its query copy, one per dataset it
 * exports, and over its exact JSON export where asked for (shared/aws/glue-table.ts) — planned
 * against what the catalog holds now and applied with the admin's profile: each table's
 * definition before a change kept as a backup, like a bucket policy, and restorable the same way.
 * Removing them (when the connection goes) is backed up too.
 */
import { FerryError } from '../../../shared/api/errors';
import {
  lastHourQuery,
  planChange,
  projectionSince,
  plannedQueryTables,
  queryTablesDdl,
  queryTableInput,
  queryTableLocation,
  queryTableNames,
  QUERY_TABLE_KINDS,
  tableReads,
  type GlueTableInput,
  type QueryTableChange,
  type QueryTableKind,
  type QueryTablePlan,
  type QueryTableTarget,
} from '../../../shared/aws/glue-table';
import { formatPolicy } from '../../../shared/aws/policies';
import type { Connection } from '../../../shared/model/entities';
import type { Dataset } from '../../../shared/model/fields';
import { QUERY_DATASETS, queryRoot } from '../../../shared/model/query-format';
import type { Backup } from '../../../shared/model/settings';
import type { BackupStore } from './backup-store';
import type { AwsClients, AwsTarget, SetupClients } from './clients';
import { glueTableTarget } from './glue-docs';
import { liveDocument } from './live-docs';
import { changeDocument, sameDocument } from './merge-write';
import { s3Sdk } from './sdk';

export class QueryTableSetup {
  constructor(
    private readonly aws: AwsClients,
    private readonly backups: BackupStore,
    private readonly now: () => Date,
  ) {}

  /** What applying would do, table by table. Changes nothing. */
  async plan(connection: Connection, hour: string | null = null): Promise<QueryTablePlan> {
    const { clients, target } = await this.open(connection);
    const tables = await this.tablesOf(clients, target, connection);
    return this.planOf(
      target,
      tables.map((t) => t.table),
      hour,
    );
  }

  /**
   * Create or update each table that differs (its definition before kept first). Returns the
   * plan as the catalog holds it now, and what changed.
   */
  async apply(
    connection: Connection,
    hour: string | null = null,
  ): Promise<{ plan: QueryTablePlan; changed: QueryTableApplied[]; backups: Backup[] }> {
    const { clients, target, via } = await this.open(connection);
    const tables = await this.tablesOf(clients, target, connection);
    const changed: QueryTableApplied[] = [];
    const backups: Backup[] = [];
    const after: QueryTableChange[] = [];
    for (const { table, propose } of tables) {
      if (table.change === 'none') {
        after.push(table);
        continue;
      }
      let result: Awaited<ReturnType<typeof changeDocument>>;
      try {
        result = await changeDocument({
          doc: liveDocument(clients, 'glue-table', table.target),
          // Proposed again from the table as it is at the write: another Ferry's or a hand
          // change since the plan was read keeps its earlier first date, and a table another
          // connection made there meanwhile is refused, not replaced.
          change: (current) => propose(current).proposed,
          keep: (current) =>
            this.backups.take(
              {
                kind: 'glue-table',
                target: table.target,
                current,
                proposed: propose(current).proposed,
              },
              connection.id,
              `before Ferry ${current === null ? 'created' : 'updated'} the query table ${table.table}`,
              via,
            ),
        });
      } catch (error) {
        throw partlyApplied(error, table, changed, backups);
      }
      // What was done, not what was planned: the table may have come or changed meanwhile.
      if (result.backups.length > 0)
        changed.push({
          database: table.database,
          table: table.table,
          change: result.before === null ? 'create' : 'update',
        });
      backups.push(...result.backups);
      after.push(propose(result.after));
    }
    return { plan: this.planOf(target, after, hour), changed, backups };
  }

  /**
   * Delete the connection's tables (each kept first) — a table it no longer asks for too (a
   * dataset it stopped exporting, the JSON table turned off), when it reads this connection's
   * files or is its own from before it moved. Refuses before deleting anything when a table it
   * asks for is another connection's; a table that is not there is left so, and so is one that
   * is another's by the time it is deleted (another writer came in between).
   */
  async remove(connection: Connection): Promise<{ removed: boolean; backups: Backup[] }> {
    const { clients, target, via } = await this.open(connection);
    const asked = plannedQueryTables(connection);
    const found: { kind: QueryTableKind; table: string; where: string }[] = [];
    for (const kind of QUERY_TABLE_KINDS) {
      const { database, table } = queryTableNames(target.projectId, kind);
      const where = glueTableTarget(database, table);
      const current = await liveDocument(clients, 'glue-table', where).read();
      if (current === null) continue;
      if (asked.includes(kind)) refuseForeign(current, target, kind, where);
      else if (relationOf(current, target, kind).relation === 'foreign') continue;
      found.push({ kind, table, where });
    }
    const backups: Backup[] = [];
    let removed = false;
    for (const { kind, table, where } of found) {
      const result = await changeDocument({
        doc: liveDocument(clients, 'glue-table', where),
        // Decided again on the table as it is at the delete: only one over these files goes.
        change: (now) =>
          now === null || relationOf(now, target, kind).relation === 'foreign' ? now : null,
        keep: (now) =>
          this.backups.take(
            { kind: 'glue-table', target: where, current: now, proposed: '' },
            connection.id,
            `before Ferry removed the query table ${table}`,
            via,
          ),
      });
      backups.push(...result.backups);
      if (result.before !== null && result.after === null) removed = true;
    }
    return { removed, backups };
  }

  private async open(connection: Connection) {
    const dest = connection.destination;
    if (dest.type !== 's3')
      throw new FerryError(
        'validation',
        `"${connection.name}" exports to a folder: a Glue table reads S3 only.`,
      );
    const via: AwsTarget = {
      profile: dest.profile,
      region: dest.region,
      endpoint: dest.endpoint,
      forcePathStyle: dest.forcePathStyle,
    };
    const clients = await this.aws.setup({ ...via, roleArn: null });
    const target: QueryTableTarget = {
      bucket: dest.bucket,
      prefix: dest.prefix,
      projectId: connection.projectId,
      connectionId: connection.id,
    };
    return { clients, target, via };
  }

  private async tablesOf(
    clients: SetupClients,
    target: QueryTableTarget,
    connection: Connection,
  ): Promise<PlannedTable[]> {
    const tables: PlannedTable[] = [];
    for (const kind of plannedQueryTables(connection))
      tables.push(await this.tableOf(clients, target, kind));
    return tables;
  }

  /** One table: as the catalog holds it and as Ferry proposes it. */
  private async tableOf(
    clients: SetupClients,
    target: QueryTableTarget,
    kind: QueryTableKind,
  ): Promise<PlannedTable> {
    const names = queryTableNames(target.projectId, kind);
    const where = glueTableTarget(names.database, names.table);
    const current = await liveDocument(clients, 'glue-table', where).read();
    const today = this.now().toISOString().slice(0, 10);
    const earliest =
      kind === 'json' ? today : ((await copyDates(clients, target, kind))[0] ?? today);
    const propose = (now: string | null) => proposeTable(target, kind, earliest, now);
    return { table: propose(current), propose };
  }

  private planOf(
    target: QueryTableTarget,
    tables: QueryTableChange[],
    /** The hour the query shows (the newest exported); default: the last hour that ended. */
    hour: string | null,
  ): QueryTablePlan {
    const lastHour = hour ?? new Date(this.now().getTime() - 3_600_000).toISOString().slice(0, 13);
    return {
      tables,
      change: planChange(tables),
      ddl: queryTablesDdl(target, tables),
      query: lastHourQuery(target, lastHour, tables[0]!.dataset),
    };
  }
}

/**
 * The error of a table's change, saying which tables before it were changed all the same (each
 * kept as a backup) — so a half-applied plan is never reported as nothing done.
 */
function partlyApplied(
  error: unknown,
  table: QueryTableChange,
  changed: QueryTableApplied[],
  backups: Backup[],
): unknown {
  if (changed.length === 0 || !(error instanceof Error)) return error;
  const done = changed
    .map((c) => `${c.change === 'create' ? 'created' : 'updated'} ${c.database}.${c.table}`)
    .join(' and ');
  return Object.assign(error, {
    message: `${error.message} — while changing ${table.database}.${table.table}. Ferry had already ${done} (what was there before is kept as backup ${backups.map((b) => b.id).join(', ')}); run the apply again once this is fixed.`,
  });
}

/** A table `apply` created or updated. */
export interface QueryTableApplied {
  database: string;
  table: string;
  change: 'create' | 'update';
}

/** A table of the plan, and how to propose it again over the table as it is at the write. */
interface PlannedTable {
  table: QueryTableChange;
  propose: (current: string | null) => QueryTableChange;
}

/**
 * The table Ferry proposes over `current` (the catalog's, or null). A copy table is projected
 * from the copy's earliest date — or from the table's own first date where that is earlier, so a
 * date a table covers is never dropped. This connection's table that still reads where the
 * connection exported before it moved is pointed at the new place (from the new copy's first
 * date: the old dates are another copy's); a table there over another connection's files is
 * refused.
 */
function proposeTable(
  target: QueryTableTarget,
  kind: QueryTableKind,
  earliest: string,
  current: string | null,
): QueryTableChange {
  const names = queryTableNames(target.projectId, kind);
  const where = glueTableTarget(names.database, names.table);
  if (current !== null) refuseForeign(current, target, kind, where);
  const before =
    current === null || relationOf(current, target, kind).relation !== 'own'
      ? null
      : projectionSince(JSON.parse(current) as GlueTableInput, kind);
  const since = before !== null && before < earliest ? before : earliest;
  const proposed = formatPolicy(queryTableInput(target, since, kind));
  return {
    dataset: kind,
    ...names,
    target: where,
    location: queryTableLocation(target, kind),
    since: kind === 'json' ? null : since,
    current,
    proposed,
    change: current === null ? 'create' : sameDocument(current, proposed) ? 'none' : 'update',
  };
}

/**
 * How a table the catalog holds stands to this connection: it reads the connection's files
 * (`own`); it is the connection's own (`ferry.connection`) but reads where the connection
 * exported before its bucket or prefix changed (`moved`); or it reads another location and was
 * made for another connection, or by hand (`foreign`).
 */
function relationOf(
  current: string,
  target: QueryTableTarget,
  kind: QueryTableKind,
): { relation: 'own' | 'moved' | 'foreign'; location: string | null; owner: string | null } {
  const { location, owner } = tableReads(current);
  if (location === queryTableLocation(target, kind)) return { relation: 'own', location, owner };
  return { relation: owner === target.connectionId ? 'moved' : 'foreign', location, owner };
}

/** A table of that name over another connection's files (or made by hand) is never replaced. */
function refuseForeign(
  current: string,
  target: QueryTableTarget,
  kind: QueryTableKind,
  where: string,
): void {
  const { relation, location, owner } = relationOf(current, target, kind);
  if (relation !== 'foreign') return;
  const madeFor = owner === null ? '' : ` Ferry made it for connection ${owner}.`;
  throw new FerryError(
    'conflict',
    `${where} already exists and reads ${location || 'another location'}, not this connection's ${kind === 'json' ? 'export' : 'copy'} (${queryTableLocation(target, kind)}).${madeFor} Ferry does not replace it: another connection of project ${target.projectId} may use it. Delete or rename that table in the Glue console first.`,
  );
}

/** The dates a dataset's copy has folders for, oldest first (one delimited listing). */
async function copyDates(
  clients: SetupClients,
  target: QueryTableTarget,
  dataset: Dataset,
): Promise<string[]> {
  const { ListObjectsV2Command } = await s3Sdk();
  const { folder, dateKey } = QUERY_DATASETS[dataset];
  const head = `${queryRoot(target.prefix)}${folder}/${dateKey}=`;
  const dates: string[] = [];
  let token: string | undefined;
  do {
    const page = await clients.s3.send(
      new ListObjectsV2Command({
        Bucket: target.bucket,
        Prefix: head,
        Delimiter: '/',
        ContinuationToken: token,
      }),
    );
    for (const p of page.CommonPrefixes ?? []) {
      const day = /^(\d{4}-\d{2}-\d{2})\/$/.exec((p.Prefix ?? '').slice(head.length))?.[1];
      if (day) dates.push(day);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return dates.sort();
}
