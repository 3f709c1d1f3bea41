import {
  canonicalJson,
  connectionSidPrefixes,
  FERRY_SID_PREFIX,
  formatPolicy,
  TRUST_SID,
  type PolicyDocument,
  parsePolicyDocument,
} from './policies';

/**
 * What restoring a backed-up policy does to the policy in AWS now — a pure function, so the
 * console shows exactly what the engine will write.
 *
 * A policy holds more than Ferry's statements: the bucket owner's, a colleague's added later,
 * other connections'. Restoring a backup therefore puts back the statements the backup held and
 * removes only Ferry's statements added since — those of the backup's own connection and those
 * no connection has any more — and keeps every other one: statements that are not Ferry's, and
 * the statements of other connections that still export with them. Replacing the whole document
 * is the admin's explicit choice, after seeing the statements it would lose (`lostIfWhole`).
 */

/** A connection as the plan names it. */
export interface PlanConnection {
  id: string;
  name: string;
  enabled: boolean;
}

/** One statement, as an admin reads it in a list. */
export interface StatementNote {
  sid: string | null;
  /** The Sid, or the statement's effect, actions and resources when it has none. */
  label: string;
  /** Why it is removed or kept, in words. */
  why: string;
  /** The connection it belongs to (by its Sid), when one still exists. */
  connection: PlanConnection | null;
  /** A statement Ferry wrote (by its Sid); false: the owner's, a colleague's. */
  ferry: boolean;
}

export interface RestorePlan {
  /** `ferry`: as above; `whole`: the backup's document as it was. */
  mode: 'ferry' | 'whole';
  /** The document the restore writes (null: the document is removed). */
  document: string | null;
  /** Statements of the backup that are missing now or were changed since: put back. */
  putBack: StatementNote[];
  /** Statements there now that the restore removes. */
  removed: StatementNote[];
  /** Statements not in the backup that the restore keeps. */
  kept: StatementNote[];
  /** What replacing the whole document would remove besides `removed` (empty in `whole`). */
  lostIfWhole: StatementNote[];
}

/** Kinds whose documents are policies made of statements (the default encryption is not). */
const POLICY_KINDS = new Set(['bucket-policy', 'key-policy', 'role-trust', 'role-policy']);

type Statement = PolicyDocument['Statement'][number] & { Sid?: string };

/**
 * The plan for restoring `kept` (the backup; null: there was none) over `now` (null: there is
 * none). `backupConnectionId` is the connection whose change took the backup; `connections` are
 * the connections that exist now.
 */
export function planRestore(input: {
  kind: string;
  kept: string | null;
  now: string | null;
  mode: 'ferry' | 'whole';
  backupConnectionId: string | null;
  connections: readonly PlanConnection[];
}): RestorePlan {
  const { kind, kept, now, mode } = input;
  const before = statementsOf(kept);
  const after = statementsOf(now);
  const whole: RestorePlan = {
    mode,
    document: kept,
    putBack: [],
    removed: [],
    kept: [],
    lostIfWhole: [],
  };
  // Not a policy, or not one Ferry can read: only the whole document can be put back.
  if (!POLICY_KINDS.has(kind) || before === undefined || after === undefined) return whole;

  const ownerOf = (s: Statement) => owner(s, input.connections);
  const inBackup = (s: Statement) => before.some((b) => sameStatement(b, s));
  const note = (s: Statement, why: string): StatementNote => ({
    sid: s.Sid ?? null,
    label: labelOf(s),
    why,
    connection: ownerOf(s).connection,
    ferry: ownerOf(s).ferry,
  });

  const putBack = before
    .filter((b) => !after.some((a) => equalStatement(a, b)))
    .map((s) =>
      note(
        s,
        after.some((a) => sameStatement(a, s)) ? 'changed since: put back' : 'missing: put back',
      ),
    );
  const removed: StatementNote[] = [];
  const keptNow: Statement[] = [];
  const keptNotes: StatementNote[] = [];
  for (const s of after) {
    if (inBackup(s)) continue;
    const { ferry, connection } = ownerOf(s);
    if (!ferry) {
      keptNow.push(s);
      keptNotes.push(note(s, 'not Ferry’s: kept'));
    } else if (connection && connection.id !== input.backupConnectionId) {
      keptNow.push(s);
      keptNotes.push(note(s, `connection "${connection.name}" exports with it: kept`));
    } else if (connection) {
      removed.push(
        note(
          s,
          connection.enabled
            ? `added since for "${connection.name}", which exports with it: it loses this access`
            : `added since for "${connection.name}" (disabled)`,
        ),
      );
    } else removed.push(note(s, 'Ferry’s, for no connection Ferry has (deleted, or never saved)'));
  }

  if (mode === 'whole')
    return {
      ...whole,
      putBack,
      removed: [...removed, ...keptNotes.map((n) => ({ ...n, why: lostWhy(n) }))],
    };

  // The statements there now, each in the backup's version, then those only the backup has.
  const statements = [
    ...after.flatMap((s) => {
      if (keptNow.includes(s)) return [s];
      const back = before.find((b) => sameStatement(b, s));
      return back ? [back] : [];
    }),
    ...before.filter((b) => !after.some((a) => sameStatement(a, b))),
  ];
  const base = parsePolicyDocument(kept) ??
    parsePolicyDocument(now) ?? { Version: '2012-10-17' as const };
  const written = dedupe(statements);
  const document =
    written.length === 0 && kept === null
      ? null
      : // Nothing kept from later: the backup's own text, byte for byte.
        kept !== null && canonical(written) === canonical(before)
        ? kept
        : formatPolicy({ ...base, Version: '2012-10-17', Statement: written });
  return {
    mode,
    document,
    putBack,
    removed,
    kept: keptNotes,
    lostIfWhole: keptNotes.map((n) => ({ ...n, why: lostWhy(n) })),
  };
}

function lostWhy(n: StatementNote): string {
  return n.connection
    ? `connection "${n.connection.name}" exports with it${n.connection.enabled ? ' and loses this access' : ''}`
    : 'not Ferry’s: someone else added it';
}

/** Who a statement belongs to: Ferry (by its Sid) and, if so, which connection that exists. */
function owner(
  s: Statement,
  connections: readonly PlanConnection[],
): { ferry: boolean; connection: PlanConnection | null } {
  const sid = s.Sid ?? '';
  if (sid === TRUST_SID) return { ferry: true, connection: null };
  if (!sid.startsWith(FERRY_SID_PREFIX)) return { ferry: false, connection: null };
  const connection =
    connections.find((c) =>
      connectionSidPrefixes(c.id).some((prefix) =>
        new RegExp(`^${prefix}[A-Z][A-Za-z]*$`).test(sid),
      ),
    ) ?? null;
  return { ferry: true, connection };
}

/** The statements of a document: [] for none, undefined when it is not a policy Ferry reads. */
function statementsOf(text: string | null): Statement[] | undefined {
  if (text === null) return [];
  const doc = parsePolicyDocument(text);
  if (!doc) return undefined;
  return [doc.Statement].flat() as Statement[];
}

/** The same statement (by Sid, or equal when it has none), possibly changed. */
function sameStatement(a: Statement, b: Statement): boolean {
  if (a.Sid || b.Sid) return a.Sid === b.Sid;
  return equalStatement(a, b);
}

function equalStatement(a: Statement, b: Statement): boolean {
  return canonical(a) === canonical(b);
}

function dedupe(statements: Statement[]): Statement[] {
  const seen = new Set<string>();
  return statements.filter((s) => {
    const key = s.Sid ? `sid:${s.Sid}` : canonical(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const canonical = canonicalJson;

function labelOf(s: Statement): string {
  if (s.Sid) return s.Sid;
  const list = (v: unknown) => [v ?? []].flat().join(', ');
  return `${s.Effect} ${list(s.Action)}${s.Resource ? ` on ${list(s.Resource)}` : ''}`;
}

/** The statements a restore would remove that are not Ferry's own (only `whole` removes any). */
export function foreignRemovals(plan: Pick<RestorePlan, 'removed'>): StatementNote[] {
  return plan.removed.filter((n) => !n.ferry);
}

/**
 * What the admin types to confirm a restore that removes statements not Ferry's: the name of
 * the resource — the bucket, the key's id, the role — as the AWS console asks.
 */
export function confirmationWord(backup: { target: string }): string {
  const { target } = backup;
  if (target.startsWith('s3://')) return target.slice('s3://'.length);
  const key = /:key\/([^/]+)$/.exec(target);
  if (key) return key[1]!;
  return target.split('/').at(-1) ?? target;
}
