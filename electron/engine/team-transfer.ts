import { createHash } from 'node:crypto';
import { FerryError } from '../../shared/api/errors';
import type { Job } from '../../shared/model/jobs';
import { openStore, type Store } from './store';
import { sealingKey } from './engine-store/team';
import type { DatabaseOptions } from './engine-store';
import type { JobHistoryPort, SecretsPort } from './store/ports';
import { openPostgresStore, type PostgresStore } from './store/postgres';
import { PLAIN_FILE_CODEC, SecretStore, SecretUnusable } from './store/secrets';
import { amplitudeSecretName, SMTP_PASSWORD_SECRET } from './store/secrets';
import type { ConfigData } from './store/schema';
import { plural } from '../../shared/format';

/** What a move copied, what was there already, and the proof that both sides now agree. */
export interface TransferReport {
  from: string;
  to: string;
  config: 'copied' | 'same';
  jobs: { copied: number; same: number };
  backups: { copied: number; same: number };
  migrations: { copied: number; same: number };
  secrets: { copied: number; same: number; skipped: { name: string; reason: string }[] };
  /** Checked after the move: the jobs of the source, as found on both sides. */
  verified: { jobs: number; digest: string };
}

/** How many jobs go in one transaction. */
const BATCH = 1000;

/**
 * `ferry team import`: copy a data folder's records into a team's database — config, every job,
 * policy backups (exactly as kept), KMS migrations and the secrets this host can open — then
 * check that the database holds every job of the folder as it is there (count and digest).
 *
 * The folder is only read. Nothing that is already in the database is lost: a database holding
 * another configuration is refused; jobs, backups and migrations are matched by id. Running it
 * again copies nothing more.
 */
export async function importDataDir(options: {
  dataDir: string;
  database: DatabaseOptions;
  role?: string;
}): Promise<TransferReport> {
  const role = options.role ?? 'ferry team import';
  const source = await openStore({ dataDir: options.dataDir, role, readOnly: true });
  try {
    const secrets = new SecretStore(options.dataDir, PLAIN_FILE_CODEC, {}, () => new Date(), true);
    const target = await openTeam(options.database, role);
    try {
      return await move(
        { label: options.dataDir, store: source, secrets },
        {
          label: 'the database',
          store: target,
          secrets: target.secrets,
          getMany: (ids) => target.jobs.getMany(ids),
        },
        {
          putJobs: (jobs) => target.jobs.putMany(jobs),
          keepBackup: (entry, stored) => target.backups.keep(entry, stored),
        },
      );
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/**
 * `ferry team export`: the reverse, into a new data folder (a laptop that leaves the team, or a
 * copy to keep). The folder must be new or hold exactly this configuration.
 */
export async function exportToDataDir(options: {
  dataDir: string;
  database: DatabaseOptions;
  role?: string;
}): Promise<TransferReport> {
  const role = options.role ?? 'ferry team export';
  const source = await openTeam(options.database, role, true);
  try {
    const target = await openStore({ dataDir: options.dataDir, role });
    try {
      const secrets = new SecretStore(options.dataDir, PLAIN_FILE_CODEC, {}, () => new Date());
      return await move(
        {
          label: 'the database',
          store: source,
          secrets: source.secrets,
          all: source.jobs.all(),
          again: () => source.jobs.all(),
        },
        { label: options.dataDir, store: target, secrets },
        {
          async putJobs(jobs) {
            let same = 0;
            for (const job of jobs) {
              const there = await target.jobs.get(job.id);
              if (there && canonical(there) === canonical(job)) same++;
              else await target.jobs.put(job);
            }
            return { stored: jobs.length - same, same };
          },
          keepBackup: (entry, stored) => target.backups.keep(entry, stored),
        },
      );
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

function openTeam(database: DatabaseOptions, role: string, readOnly = false) {
  return openPostgresStore({
    url: database.url,
    role,
    readOnly,
    secretsKey: sealingKey(database),
    env: {},
  });
}

type Side = {
  label: string;
  store: Store | PostgresStore;
  secrets: SecretsPort;
  /** Every job in batches, when the side can give them faster than page by page. */
  all?: AsyncIterable<Job[]>;
  /** The same again from the start (for the check after the move). */
  again?: () => AsyncIterable<Job[]>;
  /** Many records at once, when the side can read them faster than one by one. */
  getMany?: (ids: readonly string[]) => Promise<Map<string, Job>>;
};

interface Writes {
  putJobs(jobs: Job[]): Promise<{ stored: number; same: number }>;
  keepBackup(entry: ConfigData['backups'][number], stored: string): Promise<boolean>;
}

async function move(from: Side, to: Side, writes: Writes): Promise<TransferReport> {
  const report: TransferReport = {
    from: from.label,
    to: to.label,
    config: 'same',
    jobs: { copied: 0, same: 0 },
    backups: { copied: 0, same: 0 },
    migrations: { copied: 0, same: 0 },
    secrets: { copied: 0, same: 0, skipped: [] },
    verified: { jobs: 0, digest: '' },
  };
  report.config = await moveConfig(from, to);

  let batch: Job[] = [];
  const flush = async () => {
    const { stored, same } = await writes.putJobs(batch);
    report.jobs.copied += stored;
    report.jobs.same += same;
    batch = [];
  };
  for await (const page of from.all ?? pages(from.store.jobs)) {
    batch.push(...page);
    if (batch.length >= BATCH) await flush();
  }
  await flush();

  for (const entry of from.store.backups.entries()) {
    const stored = await from.store.backups.stored(entry);
    if (stored === null) continue; // a missing document is said by the source's own checks
    const known = to.store.backups.entries().some((b) => b.id === entry.id);
    if (!(await writes.keepBackup(entry, stored)))
      throw new FerryError(
        'conflict',
        `The backup ${entry.id} in ${to.label} differs from the one in ${from.label}: both are kept as they are. Nothing else was changed after it.`,
      );
    report.backups[known ? 'same' : 'copied']++;
  }

  for (const migration of from.store.migrations.all()) {
    const there = to.store.migrations.all().find((m) => m.id === migration.id);
    if (there && canonical(there) === canonical(migration)) report.migrations.same++;
    else {
      await to.store.migrations.save(migration);
      report.migrations.copied++;
    }
  }

  await moveSecrets(from, to, report);
  report.verified = await verifyJobs(from, to);
  return report;
}

/** The config without what the database keeps in tables of its own. */
function sharedConfig(data: Readonly<ConfigData>): ConfigData {
  return { ...structuredClone(data as ConfigData), backups: [], migrations: [] };
}

async function moveConfig(from: Side, to: Side): Promise<'copied' | 'same'> {
  const wanted = sharedConfig(from.store.config.data);
  if (!to.store.config.fresh) {
    const there = sharedConfig(to.store.config.data);
    if (canonical(there) === canonical(wanted)) return 'same';
    throw new FerryError(
      'conflict',
      `${to.label} already holds another configuration (${plural(there.organizations.length, 'organization')}, ${plural(there.connections.length, 'connection')}), so nothing was copied: move into a new one, or remove what is there first.`,
    );
  }
  await to.store.config.update((draft) => {
    const keep = { backups: draft.backups, migrations: draft.migrations };
    Object.assign(draft, wanted, keep);
  });
  return 'copied';
}

async function* pages(jobs: JobHistoryPort): AsyncGenerator<Job[]> {
  // Oldest hour first would be kinder to a reader; the order does not matter to the copy.
  for (let offset = 0; ; offset += 100) {
    const page = await jobs.list({ offset, limit: 100 });
    if (page.items.length === 0) return;
    yield page.items;
    if (offset + page.items.length >= page.total) return;
  }
}

/** The secrets Ferry keeps: each project's source key and the SMTP password. */
function secretNames(config: Readonly<ConfigData>): string[] {
  return [
    ...config.projects
      .filter((p) => p.source.type === 'amplitude')
      .map((p) => amplitudeSecretName(p.id)),
    SMTP_PASSWORD_SECRET,
  ];
}

async function moveSecrets(from: Side, to: Side, report: TransferReport): Promise<void> {
  for (const name of secretNames(from.store.config.data)) {
    let value: string | null;
    try {
      value = await from.secrets.get(name);
    } catch (error) {
      if (!(error instanceof SecretUnusable)) throw error;
      report.secrets.skipped.push({ name, reason: `${error.message}. ${error.fix}` });
      continue;
    }
    if (value === null) continue;
    const origin = await from.secrets.originOf(name);
    if (!origin) {
      report.secrets.skipped.push({
        name,
        reason: 'It was stored before secrets were bound to an address: enter it again there.',
      });
      continue;
    }
    const there = await to.secrets.get(name, origin).catch(() => null);
    if (there === value) {
      report.secrets.same++;
      continue;
    }
    try {
      await to.secrets.set(name, value, origin);
      report.secrets.copied++;
    } catch (error) {
      if (!(error instanceof FerryError && error.code === 'validation')) throw error;
      report.secrets.skipped.push({ name, reason: error.message });
    }
  }
}

/** Every job of the source, found on both sides: same count, same digest, or the move failed. */
async function verifyJobs(from: Side, to: Side): Promise<{ jobs: number; digest: string }> {
  const mine = createHash('sha256');
  const theirs = createHash('sha256');
  let count = 0;
  for await (const batch of from.again?.() ?? pages(from.store.jobs)) {
    const found = to.getMany
      ? await to.getMany(batch.map((j) => j.id))
      : new Map(
          await Promise.all(batch.map(async (j) => [j.id, await to.store.jobs.get(j.id)] as const)),
        );
    for (const job of batch) {
      const there = found.get(job.id) ?? null;
      mine.update(`${canonical(job)}\n`);
      theirs.update(`${there ? canonical(there) : 'missing'}\n`);
      count++;
    }
  }
  const digest = mine.digest('hex');
  if (theirs.digest('hex') !== digest)
    throw new FerryError(
      'internal',
      `After the move, ${to.label} does not hold every job of ${from.label} as it is there. Nothing was removed from either; run it again, and report this if it persists.`,
    );
  return { jobs: count, digest };
}

/** JSON with keys sorted at every level: the same record reads the same from either store. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
