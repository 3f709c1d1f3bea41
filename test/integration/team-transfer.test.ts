import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/engine/store';
import { canonical } from '../../electron/engine/team-transfer';
import { PLAIN_FILE_CODEC, SecretStore } from '../../electron/engine/store/secrets';
import type { Job } from '../../shared/model/jobs';
import { runFerry } from '../support/ferry';
import { jobRecord } from '../support/jobs';
import { startMoto, TEST_PROFILE, type Moto } from '../support/moto';
import { startPostgres, type Postgres } from '../support/postgres';
import { useTempDirs } from '../support/temp';
import { backupEntry, migrationRecord } from '../unit/engine/store/storage-contract';

// A laptop's data folder moved into a team's PostgreSQL and back, job by job.
const JOBS = 100_000;
const newDir = useTempDirs();
let server: Postgres;
let moto: Moto;
let keyArn: string;

beforeAll(async () => {
  [server, moto] = await Promise.all([startPostgres(), startMoto()]);
  const key = await moto.kms().send(new CreateKeyCommand({ Description: 'team secrets' }));
  keyArn = key.KeyMetadata!.Arn!;
});
afterAll(async () => {
  await Promise.all([server?.stop(), moto?.stop()]);
});

const teamEnv = (database: string) => ({
  ...moto.env,
  FERRY_DATABASE_URL: database,
  FERRY_SECRETS_KEY: keyArn,
  AWS_PROFILE: TEST_PROFILE,
  AWS_ENDPOINT_URL_KMS: moto.endpoint,
});

/** A laptop's folder: an org, an Amplitude project with its secret, a backup, a migration, history. */
async function laptop(): Promise<string> {
  const dataDir = await newDir();
  const ferry = (args: string[], env: Record<string, string> = {}) =>
    runFerry(args, { FERRY_DATA_DIR: dataDir, ...env });
  await ferry(['org', 'add', '--id', '1', '--name', 'Acme']);
  const project = await ferry(
    ['project', 'add', '--id', '7', '--org', '1', '--name', 'Web', '--source', 'amplitude'].concat([
      '--api-key',
      '0123abcd',
      '--secret-key-env',
      'AMP_SECRET',
    ]),
    { AMP_SECRET: 'laptop-sekrit' },
  );
  expect(project.code, project.stderr).toBe(0);
  // History as Ferry leaves it after a clean close: one snapshot per month.
  await mkdir(join(dataDir, 'jobs'), { recursive: true });
  const months = new Map<string, Job[]>();
  const first = Date.parse('2020-01-01T00:00:00Z') / 3_600_000;
  for (let i = 0; i < JOBS; i++) {
    const hour = new Date((first + Math.floor(i / 2)) * 3_600_000).toISOString().slice(0, 13);
    const job = jobRecord({
      id: `jb_${i.toString(36).padStart(6, '0')}`,
      hour,
      dataset: i % 2 ? 'merged-ids' : 'events',
      status: i % 97 === 0 ? 'failed' : 'succeeded',
      notes: i % 1000 === 0 ? ['unicode ✓ “quoted” \u00e9'] : [],
    });
    const list = months.get(hour.slice(0, 7)) ?? [];
    months.set(hour.slice(0, 7), list);
    list.push(job);
  }
  for (const [month, jobs] of months)
    await writeFile(
      join(dataDir, 'jobs', `${month}.json`),
      JSON.stringify({ schemaVersion: 1, jobs }),
    );
  const store = await openStore({ dataDir, role: 'seed' });
  try {
    await store.backups.add(backupEntry('bk_1'), '{"Version":"2012-10-17","Statement":[]}');
    await store.migrations.save(migrationRecord('mg_1', 'finished'));
  } finally {
    await store.close();
  }
  return dataDir;
}

/** Every job of a folder, by id, as canonical JSON. */
async function jobsOf(dataDir: string): Promise<Map<string, string>> {
  const store = await openStore({ dataDir, role: 'check', readOnly: true });
  try {
    const out = new Map<string, string>();
    for (let offset = 0; ; offset += 100) {
      const page = await store.jobs.list({ offset, limit: 100 });
      for (const job of page.items) out.set(job.id, canonical(job));
      if (page.items.length < 100) return out;
    }
  } finally {
    await store.close();
  }
}

describe('ferry team import / export', () => {
  it(`moves a ${JOBS.toLocaleString('en-US')}-job data folder in and out, job by job; twice changes nothing`, async () => {
    const source = await laptop();
    const database = await server.database();
    const env = teamEnv(database);
    const imported = await runFerry(['--json', 'team', 'import', '--from-data-dir', source], env);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({
      config: 'copied',
      jobs: { copied: JOBS, same: 0 },
      backups: { copied: 1, same: 0 },
      migrations: { copied: 1, same: 0 },
      secrets: { copied: 1, same: 0, skipped: [] },
      verified: { jobs: JOBS },
    });

    const again = await runFerry(['--json', 'team', 'import', '--from-data-dir', source], env);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      config: 'same',
      jobs: { copied: 0, same: JOBS },
      backups: { copied: 0, same: 1 },
      migrations: { copied: 0, same: 1 },
      secrets: { copied: 0, same: 1 },
    });

    const back = await newDir();
    const exported = await runFerry(['team', 'export', '--to-data-dir', back], env);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(new RegExp(`Checked: all ${JOBS} jobs of postgres://`));

    // Job by job, the folder that came back is the folder that went in.
    const [before, after] = await Promise.all([jobsOf(source), jobsOf(back)]);
    expect(after.size).toBe(JOBS);
    let differing = 0;
    for (const [id, job] of before) if (after.get(id) !== job) differing++;
    expect(differing).toBe(0);

    const a = await openStore({ dataDir: source, role: 'check', readOnly: true });
    const b = await openStore({ dataDir: back, role: 'check', readOnly: true });
    try {
      const shared = (d: typeof a.config.data) =>
        canonical({ ...d, backups: d.backups.map((x) => x.id), migrations: d.migrations });
      expect(shared(b.config.data)).toBe(shared(a.config.data));
      expect(await b.backups.stored(b.backups.entries()[0]!)).toBe(
        await a.backups.stored(a.backups.entries()[0]!),
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    const secrets = new SecretStore(back, PLAIN_FILE_CODEC, {}, () => new Date(), true);
    expect(await secrets.get('amplitude-secret-key:7', 'https://amplitude.com')).toBe(
      'laptop-sekrit',
    );
    // Minutes of work on a loaded machine: how long it takes is not what this checks.
  }, 900_000);

  it('refuses a database that holds another configuration, and changes nothing in it', async () => {
    const database = await server.database();
    const env = teamEnv(database);
    expect((await runFerry(['org', 'add', '--id', '9', '--name', 'Other team'], env)).code).toBe(0);
    const source = await newDir();
    await runFerry(['org', 'add', '--id', '1', '--name', 'Acme'], { FERRY_DATA_DIR: source });
    const refused = await runFerry(['team', 'import', '--from-data-dir', source], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already holds another configuration \(1 organization/);
    const orgs = await runFerry(['--json', 'org', 'list'], env);
    expect((JSON.parse(orgs.stdout) as { name: string }[]).map((o) => o.name)).toEqual([
      'Other team',
    ]);
  });

  it('needs a database to move into', async () => {
    const refused = await runFerry(['team', 'import', '--from-data-dir', await newDir()], {
      FERRY_DATABASE_URL: '',
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Name the team database with --database/);
  });
});
