import { utcTime } from '../../../shared/format';
import type { Connection } from '../../../shared/model/entities';
import type { Sink, StoredObject } from '../sinks/types';
import type { Instance } from '../store/instance';

/**
 * The start of every claim's key under a destination's prefix: one flat name (no folder), which
 * readers of the export skip — it starts with `_` (hidden to Athena, Spark, Arrow) and does not
 * end in `.json.gz`.
 */
export function claimsPrefix(prefix: string, projectId: number): string {
  return `${prefix}_ferry-owner_${projectId}_`;
}

/** This data folder's claim key: its host (for people) and its random id (for Ferry). */
export function claimKey(prefix: string, projectId: number, instance: Instance): string {
  const host =
    instance.host
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'host';
  return `${claimsPrefix(prefix, projectId)}${host}.${instance.id}.json`;
}

/** The destination is claimed by another Ferry (another data folder, maybe another host). */
export class DestinationClaimed extends Error {
  constructor(
    readonly where: string,
    readonly projectId: number,
    readonly owner: { host: string; since: string | null },
    connectionName: string,
  ) {
    super(
      `${where} is already exported for project ${projectId} by another Ferry (host "${owner.host}"${owner.since ? `, since ${owner.since}` : ''}). Two Ferrys writing the same hours there would leave duplicate events, so this one writes nothing there.`,
    );
    this.name = 'DestinationClaimed';
    this.fix = `Export "${connectionName}" to another prefix or folder, or — once the other Ferry no longer exports there — take the destination over ("Take over destination" on the connection's page, or ferry connection take-over ${connectionName}).`;
  }
  readonly fix: string;
}

/**
 * One destination (a prefix and a project's files) is written by one Ferry at a time. Each data
 * folder claims a destination with a small object `<prefix>_ferry-owner_<project>_<host>.<id>.json`
 * named after it, written by its first commit there. When two claims exist, the older one (by the
 * destination's own clock, then by name) wins — both Ferrys read the same listing and agree —
 * and the other refuses to write, naming the first. Listing and writing under the prefix are
 * permissions every export already has.
 */
export class DestinationClaims {
  constructor(private readonly instance: () => Promise<Instance>) {}

  /**
   * Throw DestinationClaimed when another Ferry claimed the destination first. With `place`
   * (right before a commit) this data folder's claim is written when it is not there yet; without
   * (before writing anything) a run only looks, so a run that fails leaves nothing behind.
   */
  async check(
    sink: Sink,
    prefix: string,
    connection: Connection,
    projectId: number,
    { place }: { place: boolean },
  ): Promise<void> {
    const instance = await this.instance();
    const mine = claimKey(prefix, projectId, instance);
    let claims = await this.list(sink, prefix, projectId);
    let placed = false;
    if (place && !claims.some((c) => c.key === mine)) {
      await sink.putObject(mine, Buffer.from(body(instance, connection)), 'application/json');
      placed = true;
      claims = await this.list(sink, prefix, projectId);
    }
    const first = oldest(claims);
    if (!first || first.key === mine) return;
    // Another Ferry claimed it first: step back, leaving theirs alone.
    if (placed) await sink.deleteObjects([mine]).catch(() => undefined);
    throw new DestinationClaimed(
      sink.describe(prefix),
      projectId,
      ownerOf(first, claimsPrefix(prefix, projectId)),
      connection.name,
    );
  }

  /** Take the destination over: remove every other claim, and place this one. */
  async takeOver(
    sink: Sink,
    prefix: string,
    connection: Connection,
    projectId: number,
  ): Promise<{ removed: { host: string; since: string | null }[] }> {
    const instance = await this.instance();
    const mine = claimKey(prefix, projectId, instance);
    const others = (await this.list(sink, prefix, projectId)).filter((c) => c.key !== mine);
    if (others.length > 0) await sink.deleteObjects(others.map((c) => c.key));
    await sink.putObject(mine, Buffer.from(body(instance, connection)), 'application/json');
    return { removed: others.map((c) => ownerOf(c, claimsPrefix(prefix, projectId))) };
  }

  private async list(sink: Sink, prefix: string, projectId: number): Promise<StoredObject[]> {
    const base = claimsPrefix(prefix, projectId);
    return (await sink.list(base)).filter((o) => /^[^/_]+\.json$/.test(o.key.slice(base.length)));
  }
}

/** A claim's text: who claims, for a person who opens it. */
function body(instance: Instance, connection: Connection): string {
  return `${JSON.stringify(
    {
      ferry: 'This destination is exported by the Ferry named here; see docs/storage.md.',
      host: instance.host,
      dataDir: instance.dataDir,
      connection: { id: connection.id, name: connection.name },
    },
    null,
    2,
  )}\n`;
}

/** The claim that wins: the oldest by the destination's clock, then by name. */
function oldest(claims: StoredObject[]): StoredObject | undefined {
  return [...claims].sort(
    (a, b) =>
      (a.modified ?? Infinity) - (b.modified ?? Infinity) ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  )[0];
}

function ownerOf(claim: StoredObject, base: string): { host: string; since: string | null } {
  const name = claim.key.slice(base.length).replace(/\.json$/, '');
  return {
    host: name.replace(/\.[a-f0-9]{16}$/, ''),
    since: claim.modified ? utcTime(claim.modified) : null,
  };
}
