/**
 * The AWS policy documents a connection needs, as pure functions shared by the console and the
 * CLI. Each grants exactly what an export does, and nothing else:
 *
 * - on the prefix: `s3:PutObject` (files, multipart parts), `s3:AbortMultipartUpload` (a failed
 *   upload), `s3:DeleteObject` (stale partitions of an hour exported again);
 * - on the bucket: `s3:ListBucket` (limited to the prefix: finding an hour's partitions),
 *   `s3:ListBucketMultipartUploads` (finding uploads an interrupted run left) and
 *   `s3:GetBucketLocation` (checking the region);
 * - on the connection's Glue tables, when it writes a query copy: `glue:GetTable` and
 *   `glue:GetDatabase` (verify reads them; the admin's profile creates them, see glue-table.ts);
 * - on the KMS key, when objects are encrypted with one: `kms:GenerateDataKey` (writing),
 *   `kms:Decrypt` (completing multipart uploads) — only through S3 in the bucket's Region and
 *   only for the bucket's objects — and `kms:DescribeKey` (checking the key).
 *
 * Every statement id carries the connection (`FerryExport<connection>Write`), so the documents of
 * several connections and the owner's own statements live side by side in one bucket policy, one
 * role and one key policy; the bucket policy also refuses plain-http requests to the export's
 * objects and, for KMS connections, objects written under another encryption or key.
 */
import { z } from 'zod';
import { QUERY_DATABASE, queryTableNames, type QueryTableKind } from './glue-table';

const oneOrMany = z.union([z.string(), z.array(z.string())]);

/** One statement of an IAM document, as Ferry writes and reads them (the API carries it too). */
export const policyStatement = z.object({
  Sid: z.string(),
  Effect: z.enum(['Allow', 'Deny']),
  Principal: z
    .union([z.object({ AWS: oneOrMany }), z.object({ Service: z.string() }), z.literal('*')])
    .optional(),
  Action: oneOrMany,
  Resource: oneOrMany.optional(),
  Condition: z.record(z.string(), z.record(z.string(), oneOrMany)).optional(),
});
export type PolicyStatement = z.infer<typeof policyStatement>;

export interface PolicyDocument {
  Version: '2012-10-17';
  Id?: string;
  Statement: PolicyStatement[];
}

/** A live policy document's text as a document; null when there is none or it is not one. */
export function parsePolicyDocument(text: string | null): PolicyDocument | null {
  if (!text) return null;
  try {
    const doc = JSON.parse(text) as PolicyDocument;
    return doc && typeof doc === 'object' && doc.Statement ? doc : null;
  } catch {
    return null;
  }
}

/** Which principal the bucket trusts: the exporting account (legacy) or a per-project role. */
export type BucketPolicyForm = 'legacy' | 'role';

export interface ExportTarget {
  bucket: string;
  /** Folder prefix ("" or ending in "/"). */
  prefix: string;
  /** The bucket's AWS Region: KMS use is limited to S3 in it (kms:ViaService). */
  region: string;
  projectId: number;
  /**
   * The connection these statements belong to (`cn_…`): its statement ids carry it, so two
   * connections on one bucket, role or key never replace each other's statements.
   */
  connectionId: string;
  /** The AWS account Ferry exports from (the admin's identity). */
  exportingAccount: string;
  /** AWS partition of the ARNs: aws, aws-cn, aws-us-gov. */
  partition?: string;
  kmsKeyArn?: string | null;
  /**
   * The connection talks to an S3-compatible store over plain http (a local test server): the
   * guard that refuses http requests is left out, since it would refuse Ferry itself.
   */
  plainHttp?: boolean;
  /** The Glue tables its role may read: the query copy's, the JSON table (none: neither). */
  queryTables?: readonly QueryTableKind[];
}

/** Sids of the statements Ferry owns in a policy start with this; others are kept as they are. */
export const FERRY_SID_PREFIX = 'FerryExport';

export const EXPORT_OBJECT_ACTIONS = [
  's3:PutObject',
  's3:AbortMultipartUpload',
  's3:DeleteObject',
] as const;

/** `ferry-export-<projectId>`: the role a project exports as, in the current form. */
export function exportRoleName(projectId: number): string {
  return `ferry-export-${projectId}`;
}

export function exportRoleArn(
  target: Pick<ExportTarget, 'partition' | 'exportingAccount' | 'projectId'>,
): string {
  return `arn:${target.partition ?? 'aws'}:iam::${target.exportingAccount}:role/${exportRoleName(target.projectId)}`;
}

/**
 * `FerryExport<connection>`: the start of every Sid of one connection's statements. A stored
 * connection whose id is all digits (possible before 0.9) is marked `FerryExportCn<digits>`,
 * so its statements can never be read as an older Ferry's `FerryExport<project id>…`.
 */
export function connectionSidPrefix(connectionId: string): string {
  const id = connectionId.replace(/^cn_/, '').replace(/[^A-Za-z0-9]/g, '');
  return `${FERRY_SID_PREFIX}${/^\d+$/.test(id) ? `Cn${id}` : id}`;
}

/**
 * Every Sid prefix one connection's statements have had: the current one, and for an all-digit
 * id the unmarked one it was written with before.
 */
export function connectionSidPrefixes(connectionId: string): string[] {
  const id = connectionId.replace(/^cn_/, '').replace(/[^A-Za-z0-9]/g, '');
  const current = connectionSidPrefix(connectionId);
  const before = `${FERRY_SID_PREFIX}${id}`;
  return current === before ? [current] : [current, before];
}

/** The kinds of statement an older Ferry wrote (each Sid ended with one). */
const STATEMENT_KINDS = ['Write', 'List', 'Bucket', 'Kms'] as const;

function bucketArn(target: ExportTarget): string {
  return `arn:${target.partition ?? 'aws'}:s3:::${target.bucket}`;
}

function objectsArn(target: ExportTarget): string {
  return `${bucketArn(target)}/${target.prefix}*`;
}

/** The S3 endpoint KMS sees calls come through (kms:ViaService). */
function s3Service(target: ExportTarget): string {
  return `s3.${target.region}.amazonaws.com${target.partition === 'aws-cn' ? '.cn' : ''}`;
}

/** The statements that let `principal` export into the bucket's prefix. */
function exportStatements(
  target: ExportTarget,
  principal: PolicyStatement['Principal'] | undefined,
): PolicyStatement[] {
  const sid = connectionSidPrefix(target.connectionId);
  const withPrincipal = (s: Omit<PolicyStatement, 'Principal'>): PolicyStatement =>
    principal ? { ...s, Principal: principal } : s;
  // s3:ListBucket can be limited to the prefix; the other two bucket actions have no prefix key.
  const list: PolicyStatement = withPrincipal({
    Sid: `${sid}List`,
    Effect: 'Allow',
    Action: 's3:ListBucket',
    Resource: bucketArn(target),
  });
  if (target.prefix) list.Condition = { StringLike: { 's3:prefix': [`${target.prefix}*`] } };
  return [
    withPrincipal({
      Sid: `${sid}Write`,
      Effect: 'Allow',
      Action: [...EXPORT_OBJECT_ACTIONS],
      Resource: objectsArn(target),
    }),
    list,
    withPrincipal({
      Sid: `${sid}Bucket`,
      Effect: 'Allow',
      Action: ['s3:ListBucketMultipartUploads', 's3:GetBucketLocation'],
      Resource: bucketArn(target),
    }),
  ];
}

/**
 * Guards in the bucket policy that hold whoever the principal is: no request to the export's
 * objects over plain http, and — for a KMS connection — no object written there under another
 * encryption or another key. (A write that names no encryption gets the bucket's default, which
 * the setup sets to the key; parts of a multipart upload never carry the header, so a rule that
 * demanded it would refuse every large export.)
 */
function guardStatements(target: ExportTarget): PolicyStatement[] {
  const sid = connectionSidPrefix(target.connectionId);
  const guards: PolicyStatement[] = target.plainHttp
    ? []
    : [
        {
          Sid: `${sid}DenyInsecure`,
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [bucketArn(target), objectsArn(target)],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ];
  if (target.kmsKeyArn)
    guards.push(
      {
        Sid: `${sid}DenyOtherEncryption`,
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: objectsArn(target),
        Condition: {
          StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
          Null: { 's3:x-amz-server-side-encryption': 'false' },
        },
      },
      {
        Sid: `${sid}DenyOtherKey`,
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: objectsArn(target),
        Condition: {
          StringNotEquals: {
            's3:x-amz-server-side-encryption-aws-kms-key-id': target.kmsKeyArn,
          },
          Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
        },
      },
    );
  return guards;
}

/**
 * The bucket policy's statements for one connection: legacy form trusts the exporting
 * account's root (any identity the account allows), current form trusts only the project's
 * export role; both with the guards above.
 */
export function bucketPolicy(target: ExportTarget, form: BucketPolicyForm): PolicyDocument {
  const principal = {
    AWS:
      form === 'legacy'
        ? `arn:${target.partition ?? 'aws'}:iam::${target.exportingAccount}:root`
        : exportRoleArn(target),
  };
  return {
    Version: '2012-10-17',
    Statement: [...exportStatements(target, principal), ...guardStatements(target)],
  };
}

/** Sid of the trust statement that lets admins assume the export role. */
export const TRUST_SID = 'FerryAdminAssumesExportRole';

/**
 * Who may assume the project's export role: the admin's own identity, added to whoever the
 * role already trusts — the owner's statements stay, and an admin trusted earlier stays too.
 */
export function roleTrustPolicy(
  trustedPrincipalArn: string,
  existing: PolicyDocument | null = null,
): PolicyDocument {
  const earlier = existing?.Statement.find((s) => s.Sid === TRUST_SID);
  const before =
    earlier?.Principal && typeof earlier.Principal === 'object' && 'AWS' in earlier.Principal
      ? [earlier.Principal.AWS].flat()
      : [];
  const principals = [...new Set([...before, trustedPrincipalArn])];
  return mergePolicy(existing, [
    {
      Sid: TRUST_SID,
      Effect: 'Allow',
      Principal: { AWS: principals.length === 1 ? principals[0]! : principals },
      Action: 'sts:AssumeRole',
    },
  ]);
}

/** The KMS statements of one connection, with or without a principal (key policy / role). */
function kmsStatements(
  target: ExportTarget,
  principal: PolicyStatement['Principal'] | undefined,
  resource: string,
): PolicyStatement[] {
  const sid = connectionSidPrefix(target.connectionId);
  const withPrincipal = (s: Omit<PolicyStatement, 'Principal'>): PolicyStatement =>
    principal ? { ...s, Principal: principal } : s;
  return [
    // Data keys only for S3 in the bucket's Region, and only for this bucket's objects.
    withPrincipal({
      Sid: `${sid}Kms`,
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: resource,
      Condition: {
        StringEquals: { 'kms:ViaService': s3Service(target) },
        StringLike: {
          'kms:EncryptionContext:aws:s3:arn': [bucketArn(target), objectsArn(target)],
        },
      },
    }),
    // Reading the key's state is a direct call (the access check does it).
    withPrincipal({
      Sid: `${sid}KmsDescribe`,
      Effect: 'Allow',
      Action: 'kms:DescribeKey',
      Resource: resource,
    }),
  ];
}

/**
 * Reading the connection's Glue tables (`ferry.amplitude_events_<project>`,
 * `ferry.amplitude_merged_ids_<project>`, `ferry.amplitude_events_json_<project>`:
 * shared/aws/glue-table.ts) in the exporting account's catalog of the bucket's Region — those
 * tables and their database only, never writing.
 */
function glueStatements(target: ExportTarget, kinds: readonly QueryTableKind[]): PolicyStatement[] {
  const base = `arn:${target.partition ?? 'aws'}:glue:${target.region}:${target.exportingAccount}`;
  const tables = kinds.map((k) => queryTableNames(target.projectId, k));
  return [
    {
      Sid: `${connectionSidPrefix(target.connectionId)}Glue`,
      Effect: 'Allow',
      Action: ['glue:GetDatabase', 'glue:GetTable'],
      Resource: [
        `${base}:catalog`,
        `${base}:database/${QUERY_DATABASE}`,
        ...tables.map(({ database, table }) => `${base}:table/${database}/${table}`),
      ],
    },
  ];
}

/** What the export role may do for one connection: its S3 actions, Glue table and KMS key. */
export function rolePermissionsPolicy(target: ExportTarget): PolicyDocument {
  const statements = exportStatements(target, undefined);
  if (target.queryTables?.length) statements.push(...glueStatements(target, target.queryTables));
  if (target.kmsKeyArn) statements.push(...kmsStatements(target, undefined, target.kmsKeyArn));
  return { Version: '2012-10-17', Statement: statements };
}

/** The key policy statements for the export role (a key policy's resource is always "*"). */
export function kmsKeyStatements(target: ExportTarget): PolicyStatement[] {
  return kmsStatements(target, { AWS: exportRoleArn(target) }, '*');
}

/** The default key policy AWS gives a new key: the account administers it through IAM. */
export function defaultKeyPolicy(account: string, partition = 'aws'): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}

/** Bucket default encryption: SSE-KMS with the key, S3 Bucket Key on (fewer KMS calls, lower cost). */
export function bucketEncryption(kmsKeyArn: string) {
  return {
    Rules: [
      {
        ApplyServerSideEncryptionByDefault: {
          SSEAlgorithm: 'aws:kms' as const,
          KMSMasterKeyID: kmsKeyArn,
        },
        BucketKeyEnabled: true,
      },
    ],
  };
}

/**
 * The exact Sids an older Ferry wrote for a project's statements, before statement ids carried
 * the connection: `FerryExport<project id><kind>` and `FerryExport<kind>`. Matched by equality,
 * never by a pattern a current Sid could match.
 */
export function olderFerrySids(projectId: number): Map<string, string> {
  const sids = new Map<string, string>();
  for (const kind of STATEMENT_KINDS) {
    sids.set(`${FERRY_SID_PREFIX}${projectId}${kind}`, kind);
    sids.set(`${FERRY_SID_PREFIX}${kind}`, kind);
  }
  return sids;
}

const resources = (s: PolicyStatement) => JSON.stringify([s.Resource ?? null].flat().sort());

/**
 * Put one connection's statements into an existing policy without dropping anything else:
 * statements with the same Sid are replaced, and so are the ones this connection wrote under an
 * earlier Sid and an older Ferry's statements of the project (by their exact Sids) that grant
 * the very same resources; every other statement — the owner's, other connections' — stays as
 * it is, in its order.
 *
 * `whole`: `ours` is every statement the connection has in this document (its role policy), so
 * a statement of the connection it no longer proposes — the Glue read after the query copy was
 * turned off, the KMS use after the key was removed — goes too.
 */
export function mergePolicy(
  existing: PolicyDocument | null,
  ours: PolicyStatement[],
  /** Whose statements `ours` are; without it, only equal Sids are replaced. */
  owner?: { projectId: number; connectionId: string },
  { whole = false }: { whole?: boolean } = {},
): PolicyDocument {
  const sids = new Set(ours.map((s) => s.Sid));
  const kindOf = (sid: string) => STATEMENT_KINDS.find((k) => sid.endsWith(k)) ?? null;
  const ourGrants = new Map<string | null, string>(ours.map((s) => [kindOf(s.Sid), resources(s)]));
  const older = owner ? olderFerrySids(owner.projectId) : new Map<string, string>();
  if (owner)
    for (const prefix of connectionSidPrefixes(owner.connectionId).slice(1))
      for (const kind of STATEMENT_KINDS) older.set(`${prefix}${kind}`, kind);
  const superseded = (s: PolicyStatement) => {
    const kind = s.Sid ? older.get(s.Sid) : undefined;
    return kind !== undefined && ourGrants.get(kind) === resources(s);
  };
  const mine =
    whole && owner
      ? connectionSidPrefixes(owner.connectionId).map((p) => new RegExp(`^${p}[A-Z][A-Za-z]*$`))
      : [];
  const dropped = (s: PolicyStatement) => mine.some((m) => m.test(s.Sid ?? ''));
  const kept = (existing?.Statement ?? []).filter(
    (s) => !(s.Sid && sids.has(s.Sid)) && !superseded(s) && !dropped(s),
  );
  return {
    ...(existing ?? { Version: '2012-10-17' }),
    Version: '2012-10-17',
    Statement: [...kept, ...ours],
  };
}

/**
 * The policy without one connection's statements (what deleting a connection offers), or null
 * when nothing else is left in it.
 */
export function withoutConnection(
  existing: PolicyDocument,
  connectionId: string,
): PolicyDocument | null {
  const ours = connectionSidPrefixes(connectionId).map((p) => new RegExp(`^${p}[A-Z][A-Za-z]*$`));
  const Statement = existing.Statement.filter((s) => !ours.some((o) => o.test(s.Sid ?? '')));
  return Statement.length === 0 ? null : { ...existing, Statement };
}

/** True when a policy holds statements of this connection. */
export function hasConnectionStatements(doc: PolicyDocument | null, connectionId: string): boolean {
  return (
    doc !== null && withoutConnection(doc, connectionId)?.Statement.length !== doc.Statement.length
  );
}

/** The same document as stable, readable JSON (what is shown, diffed, copied and applied). */
export function formatPolicy(policy: PolicyDocument | object): string {
  return `${JSON.stringify(policy, null, 2)}\n`;
}

/** A document from AWS (minified or not) formatted like formatPolicy; text that is not JSON as is. */
export function formatDocument(text: string): string {
  try {
    return formatPolicy(JSON.parse(text) as object);
  } catch {
    return text;
  }
}

/**
 * A JSON value as text that two equal policies share: keys sorted, and lists (statements,
 * actions, resources — none of whose order AWS gives a meaning) sorted too.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortedJson(value));
}

function sortedJson(value: unknown): unknown {
  if (Array.isArray(value))
    return value
      .map(sortedJson)
      .map((v) => [JSON.stringify(v), v] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, v]) => v);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortedJson((value as Record<string, unknown>)[k])]),
    );
  return value;
}
