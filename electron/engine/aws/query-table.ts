/**
 * `ferry query-setup`: the Glue table over a connection's query copy (shared/aws/glue-table.ts),
 * planned against what the catalog holds now and applied with the admin's profile — the table
 * definition before each change kept as a backup, like a bucket policy, and restorable the same
 * way. Removing it (when the connection goes) is backed up too.
 */
import { FerryError } from '../../../shared/api/errors';
import {
  lastHourQuery,
  projectionSince,
  queryEventsLocation,
  queryTableDdl,
  queryTableInput,
  queryTableNames,
  type GlueTableInput,
  type QueryTablePlan,
  type QueryTableTarget,
} from '../../../shared/aws/glue-table';
import { formatPolicy } from '../../../shared/aws/policies';
import type { Connection } from '../../../shared/model/entities';
import { EVENT_DATE_KEY, queryRoot } from '../../../shared/model/query-format';
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

  /** What applying would do. Changes nothing. */
  async plan(connection: Connection, hour: string | null = null): Promise<QueryTablePlan> {
    const { clients, target } = await this.open(connection);
    return this.planWith(clients, target, hour);
  }

  /** Create or update the table (the definition before kept first); its plan and backups. */
  async apply(
    connection: Connection,
    hour: string | null = null,
  ): Promise<{ plan: QueryTablePlan; backups: Backup[] }> {
    const { clients, target, via } = await this.open(connection);
    const plan = await this.planWith(clients, target, hour);
    if (plan.change === 'none') return { plan, backups: [] };
    const result = await changeDocument({
      doc: liveDocument(clients, 'glue-table', plan.target),
      change: () => plan.proposed,
      keep: (current) =>
        this.backups.take(
          { kind: 'glue-table', target: plan.target, current, proposed: plan.proposed },
          connection.id,
          `before Ferry ${current === null ? 'created' : 'updated'} the query table`,
          via,
        ),
    });
    return { plan: { ...plan, current: result.after }, backups: result.backups };
  }

  /** Delete the table (kept first); nothing when there is none or it is not this connection's. */
  async remove(connection: Connection): Promise<{ removed: boolean; backups: Backup[] }> {
    const { clients, target, via } = await this.open(connection);
    const names = queryTableNames(target.projectId);
    const where = glueTableTarget(names.database, names.table);
    const doc = liveDocument(clients, 'glue-table', where);
    const current = await doc.read();
    if (current === null) return { removed: false, backups: [] };
    refuseForeign(current, target, where);
    const result = await changeDocument({
      doc,
      change: () => null,
      keep: (now) =>
        this.backups.take(
          { kind: 'glue-table', target: where, current: now, proposed: '' },
          connection.id,
          'before Ferry removed the query table',
          via,
        ),
    });
    return { removed: true, backups: result.backups };
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
    };
    return { clients, target, via };
  }

  private async planWith(
    clients: SetupClients,
    target: QueryTableTarget,
    /** The hour the query shows (the newest exported); default: the last hour that ended. */
    hour: string | null,
  ): Promise<QueryTablePlan> {
    const names = queryTableNames(target.projectId);
    const where = glueTableTarget(names.database, names.table);
    const current = await liveDocument(clients, 'glue-table', where).read();
    if (current !== null) refuseForeign(current, target, where);
    const today = this.now().toISOString().slice(0, 10);
    const earliest = (await copyDates(clients, target))[0] ?? today;
    // A table made earlier keeps an earlier first date: a date it covers is never dropped.
    const before = current === null ? null : projectionSince(JSON.parse(current) as GlueTableInput);
    const since = before !== null && before < earliest ? before : earliest;
    const proposed = formatPolicy(queryTableInput(target, since));
    const lastHour = hour ?? new Date(this.now().getTime() - 3_600_000).toISOString().slice(0, 13);
    return {
      ...names,
      target: where,
      location: queryEventsLocation(target),
      since,
      current,
      proposed,
      change: current === null ? 'create' : sameDocument(current, proposed) ? 'none' : 'update',
      ddl: queryTableDdl(target, since),
      query: lastHourQuery(target.projectId, lastHour),
    };
  }
}

/** A table of that name over another location (another connection's copy) is never replaced. */
function refuseForeign(current: string, target: QueryTableTarget, where: string): void {
  let location: string | undefined;
  try {
    location = (JSON.parse(current) as GlueTableInput).StorageDescriptor.Location;
  } catch {
    location = undefined;
  }
  if (location === queryEventsLocation(target)) return;
  throw new FerryError(
    'conflict',
    `${where} already exists and reads ${location || 'another location'}, not this connection's copy (${queryEventsLocation(target)}). Ferry does not replace it: another connection of project ${target.projectId} may use it. Delete or rename that table in the Glue console first.`,
  );
}

/** The event dates the copy has folders for, oldest first (one delimited listing). */
async function copyDates(clients: SetupClients, target: QueryTableTarget): Promise<string[]> {
  const { ListObjectsV2Command } = await s3Sdk();
  const head = `${queryRoot(target.prefix)}events/${EVENT_DATE_KEY}=`;
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
