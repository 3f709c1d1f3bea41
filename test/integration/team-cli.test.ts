import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callServe, runFerry, startServe } from '../support/ferry';
import { listObjects, startMoto, TEST_PROFILE, type Moto } from '../support/moto';
import { sqlRows, startPostgres, type Postgres } from '../support/postgres';
import { useTempDirs } from '../support/temp';

// Team mode from the command line: two hosts (two data folders) on one real PostgreSQL, writing
// to a real S3-compatible server, secrets sealed by a real KMS (moto).
const newDir = useTempDirs();
let server: Postgres;
let moto: Moto;
let keyArn: string;
const BUCKET = 'ferry-team';

beforeAll(async () => {
  [server, moto] = await Promise.all([startPostgres(), startMoto()]);
  await moto.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
  const key = await moto.kms().send(new CreateKeyCommand({ Description: 'team secrets' }));
  keyArn = key.KeyMetadata!.Arn!;
});
afterAll(async () => {
  await Promise.all([server?.stop(), moto?.stop()]);
});

/** `ferry` on one host of the team: its own data folder, the team's database and key. */
async function host(database: string) {
  const env = {
    ...moto.env,
    FERRY_DATA_DIR: await newDir(),
    FERRY_DATABASE_URL: database,
    FERRY_SECRETS_KEY: keyArn,
    // The host's own AWS credentials reach KMS (moto stands in for it).
    AWS_PROFILE: TEST_PROFILE,
    AWS_ENDPOINT_URL_KMS: moto.endpoint,
  };
  return {
    env,
    ferry: (...args: string[]) => runFerry(args, env),
  };
}

describe('team mode: ferry --database', () => {
  it('keeps one truth for every host: config, secrets, history', async () => {
    const database = await server.database();
    const a = await host(database);
    const b = await host(database);
    expect((await a.ferry('org', 'add', '--id', '1', '--name', 'Acme')).code).toBe(0);
    const project = await runFerry(
      [
        'project',
        'add',
        '--id',
        '7',
        '--org',
        '1',
        '--name',
        'Web',
        '--source',
        'amplitude',
      ].concat(['--api-key', '0123abcd', '--secret-key-env', 'AMP_SECRET']),
      { ...a.env, AMP_SECRET: 'team-sekrit-key' },
    );
    expect(project.code, project.stderr).toBe(0);
    // The project's secret is in the database, sealed: not in clear, not in a host's folder.
    const [secret] = await sqlRows<{ name: string; sealed: string; key_arn: string }>(
      database,
      'SELECT name, sealed, key_arn FROM ferry.secrets',
    );
    expect(secret).toMatchObject({ name: 'amplitude-secret-key:7', key_arn: keyArn });
    expect(secret!.sealed).not.toContain('team-sekrit-key');

    // Host B sees what host A stored, and can use the secret A stored.
    const listed = await b.ferry('--json', 'project', 'list');
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ id: 7, name: 'Web', secretKeyStored: true }),
    ]);

    const demo = await a.ferry(
      'project',
      'add',
      '--id',
      '8',
      '--org',
      '1',
      '--name',
      'Demo',
      '--source',
      'demo',
    );
    expect(demo.code, demo.stderr).toBe(0);
    const added = await b.ferry(
      ...['connection', 'add', '--name', 'team', '--project', '8', '--bucket', BUCKET],
      ...['--region', 'us-east-1', '--prefix', 'team/', '--profile', TEST_PROFILE],
      ...['--endpoint', moto.endpoint, '--path-style'],
    );
    expect(added.code, added.stderr).toBe(0);

    // Each host exports an hour; both are in the one history, seen from either host.
    expect((await a.ferry('export', 'team', '--hour', '2026-01-01T05')).code).toBe(0);
    const second = await b.ferry('export', 'team', '--hour', '2026-01-01T06');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    for (const h of [a, b]) {
      const jobs = await h.ferry('--json', 'jobs', 'team');
      expect(jobs.code, jobs.stderr).toBe(0);
      const listedJobs = JSON.parse(jobs.stdout) as { items: { hour: string; status: string }[] };
      expect(listedJobs.items.map((j) => `${j.hour} ${j.status}`).sort()).toEqual([
        '2026-01-01T05 succeeded',
        '2026-01-01T06 succeeded',
      ]);
    }
    const keys = (await listObjects(moto.s3(), BUCKET, 'team/')).map((o) => o.key);
    expect(keys.filter((k) => k.endsWith('.json.gz'))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^team\/8_2026-01-01_5#\d+\.json\.gz$/),
        expect.stringMatching(/^team\/8_2026-01-01_6#\d+\.json\.gz$/),
      ]),
    );
    // Nothing of the team's records is kept in a host's folder.
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(a.env.FERRY_DATA_DIR)).not.toContain('config.json');
    expect(await readdir(a.env.FERRY_DATA_DIR)).not.toContain('secrets.json');
  });

  it('lets one host write at a time, naming the one that does; others still read', async () => {
    const database = await server.database();
    const a = await host(database);
    const b = await host(database);
    await a.ferry('org', 'add', '--id', '1', '--name', 'Acme');
    const serve = await startServe(a.env.FERRY_DATA_DIR, ['--no-schedule'], a.env);
    try {
      // The console says where the records are: the database, not the host's folder.
      const info = await callServe<{ database: string | null; dataDir: string }>(serve, 'app.info');
      expect(info).toMatchObject({
        database,
        dataDir: a.env.FERRY_DATA_DIR,
      });
      const refused = await b.ferry('org', 'add', '--id', '2', '--name', 'Second');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/Another Ferry writes to this database \(ferry serve on /);
      const read = await b.ferry('--json', 'org', 'list');
      expect(read.code, read.stderr).toBe(0);
      expect((JSON.parse(read.stdout) as { name: string }[]).map((o) => o.name)).toEqual(['Acme']);
    } finally {
      await serve.stop();
    }
    expect((await b.ferry('org', 'add', '--id', '2', '--name', 'Second')).code).toBe(0);
  });

  it('answers /healthz and /readyz; stops (exit 1) when it loses its database, for its supervisor to start it again', async () => {
    // A cluster of its own: this test stops it.
    const own = await startPostgres();
    try {
      const a = await host(await own.database());
      const get = async (base: string, path: string) => {
        const res = await fetch(new URL(path, base));
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      const serve = await startServe(a.env.FERRY_DATA_DIR, ['--no-schedule'], a.env);
      try {
        expect(await get(serve.url, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
        expect(await get(serve.url, '/readyz')).toMatchObject({
          status: 200,
          body: { status: 'ready' },
        });
        const exited = new Promise<number | null>((resolve) => serve.child.once('exit', resolve));
        own.kill();
        // Its hold went with the connection: it says so and stops, exit 1.
        expect(await exited).toBe(1);
        expect(serve.stderr()).toMatch(
          /no longer the writer of postgres:\/\/ferry@127\.0\.0\.1:\d+\/t/,
        );
      } finally {
        await serve.stop();
      }
      // Started again once PostgreSQL is back (as systemd's Restart= does), it is ready.
      own.start();
      const again = await startServe(a.env.FERRY_DATA_DIR, ['--no-schedule'], a.env);
      try {
        expect(await get(again.url, '/readyz')).toMatchObject({ status: 200 });
      } finally {
        await again.stop();
      }
    } finally {
      await own.stop();
    }
  });

  it('answers /readyz on a laptop too', async () => {
    const dataDir = await newDir();
    const serve = await startServe(dataDir, ['--no-schedule']);
    try {
      const res = await fetch(new URL('/readyz', serve.url));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        status: 'ready',
        checks: [
          { name: 'storage', ok: true, detail: 'answers' },
          { name: 'writer', ok: true, detail: 'holds the storage' },
        ],
      });
    } finally {
      await serve.stop();
    }
  });

  it('reads a new database as an empty team, from its first command', async () => {
    const a = await host(await server.database());
    const listed = await a.ferry('--json', 'org', 'list');
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });

  it('says what is wrong with a database address or a secrets key', async () => {
    const a = await host('mysql://ferry@db/ferry');
    const wrong = await a.ferry('org', 'list');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--database must be a PostgreSQL URL/);
    const badKey = await runFerry(['org', 'list'], {
      ...a.env,
      FERRY_DATABASE_URL: await server.database(),
      FERRY_SECRETS_KEY: 'my-key',
    });
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toMatch(/must be a KMS key ARN/);
    const keyAlone = await runFerry(['org', 'list'], {
      ...a.env,
      FERRY_DATABASE_URL: '',
    });
    expect(keyAlone.code).toBe(2);
    expect(keyAlone.stderr).toMatch(/--secrets-key seals the secrets kept in a team database/);
  });
});
