import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../electron/engine/store';
import { openPostgresStore, type PostgresStore } from '../../electron/engine/store/postgres';
import type { JobHistoryPort } from '../../electron/engine/store/ports';
import { PgJobHistory } from '../../electron/engine/store/postgres/jobs';
import { kmsDataKeys, type DataKeySource } from '../../electron/engine/store/postgres/secrets';
import { PgWriter } from '../../electron/engine/store/postgres/writer';
import { connect, MIGRATIONS } from '../../electron/engine/store/postgres/schema';
import { SecretUnusable } from '../../electron/engine/store/secrets';
import { JOB_STATUSES, type Job, type JobListQuery } from '../../shared/model/jobs';
import { DATASETS } from '../../shared/model/fields';
import { jobRecord } from '../support/jobs';
import { startMoto, type Moto } from '../support/moto';
import { sqlRows, startPostgres, type Postgres } from '../support/postgres';
import { useTempDirs } from '../support/temp';
import { organization as org } from '../support/records';
import { storageContract } from '../unit/engine/store/storage-contract';

// A real PostgreSQL (a throwaway cluster) and a real KMS (moto) behind every test here.
let server: Postgres;
let moto: Moto;
let sealing: { keyArn: string; source: DataKeySource };
const newDir = useTempDirs();

beforeAll(async () => {
  [server, moto] = await Promise.all([startPostgres(), startMoto()]);
  const kms = moto.kms();
  const key = await kms.send(new CreateKeyCommand({ Description: 'ferry team secrets' }));
  sealing = { keyArn: key.KeyMetadata!.Arn!, source: kmsDataKeys(kms) };
});
afterAll(async () => {
  await Promise.all([server?.stop(), moto?.stop()]);
});

const open = (url: string, readOnly = false, env: NodeJS.ProcessEnv = {}) =>
  openPostgresStore({ url, role: 'contract test', readOnly, secretsKey: sealing, env });

storageContract('PostgreSQL (team mode)', async () => {
  const url = await server.database();
  return {
    open: () => open(url),
    openReader: () => open(url, true),
    async refuseNextConfigWrite() {
      // A check no new row passes: the write is refused as by a full disk or a revoked grant.
      await sqlRows(url, 'ALTER TABLE ferry.config ADD CONSTRAINT refused CHECK (false) NOT VALID');
    },
  };
});

async function using<T>(opening: Promise<PostgresStore>, run: (s: PostgresStore) => Promise<T>) {
  const s = await opening;
  try {
    return await run(s);
  } finally {
    await s.close();
  }
}

describe('PostgreSQL storage, beyond the contract', () => {
  it('refuses the late config write of a writer another took over from (fencing number)', async () => {
    const url = await server.database();
    await using(open(url), async (first) => {
      await first.config.update((d) => void d.organizations.push(org(1, 'Before')));
      // Another writer takes over as after this one's lock was lost: the epoch moves on.
      await sqlRows(url, 'UPDATE ferry.writer SET epoch = epoch + 1');
      await expect(
        first.config.update((d) => void d.organizations.push(org(2, 'Late'))),
      ).rejects.toMatchObject({ code: 'locked' });
      expect(() => first.guard()).toThrow(/another Ferry took over/);
      expect(first.config.data.organizations.map((o) => o.name)).toEqual(['Before']);
    });
    const [config] = await sqlRows<{ doc: { organizations: { name: string }[] } }>(
      url,
      'SELECT doc FROM ferry.config',
    );
    expect(config!.doc.organizations.map((o) => o.name)).toEqual(['Before']);
  });

  it('refuses the late job write of a writer another took over from, index and all', async () => {
    const url = await server.database();
    await using(open(url), async (first) => {
      await first.jobs.put(jobRecord({ id: 'jb_kept' }));
      await sqlRows(url, 'UPDATE ferry.writer SET epoch = epoch + 1');
      await expect(
        first.jobs.put(jobRecord({ id: 'jb_late', hour: '2026-01-01T01' })),
      ).rejects.toMatchObject({ code: 'locked' });
      // What the schedule reads is put back as the table is.
      expect(first.jobs.entries(() => true).map((e) => e.id)).toEqual(['jb_kept']);
    });
    expect(await sqlRows(url, 'SELECT id FROM ferry.jobs')).toEqual([{ id: 'jb_kept' }]);
  });

  it('stops writing once its lock connection is gone, and lets the next writer in', async () => {
    const url = await server.database();
    const lost: string[] = [];
    const first = await openPostgresStore({
      url,
      role: 'host a',
      secretsKey: sealing,
      env: {},
      onLost: (m) => lost.push(m),
    });
    try {
      await expect(open(url)).rejects.toMatchObject({
        code: 'locked',
        message: expect.stringContaining('host a'),
      });
      await sqlRows(
        url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ferry writer'",
      );
      await expect.poll(() => lost.length).toBe(1);
      await expect(
        first.config.update((d) => void d.organizations.push(org(1, 'Orphan'))),
      ).rejects.toMatchObject({ code: 'locked' });
      await using(open(url), async (second) => {
        await second.config.update((d) => void d.organizations.push(org(2, 'Taken over')));
      });
    } finally {
      await first.close();
    }
  });

  // pg emits 'error' on a client whose server goes away; a client the pool has lent out (here to a
  // transaction) has no listener of the pool's, and an 'error' with no listener ends the process.
  it('a connection lost while it is lent out fails its work, and does not end the process', async () => {
    const url = await server.database();
    const db = connect(url);
    try {
      const work = db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
        await sqlRows(url, `SELECT pg_terminate_backend(${rows[0]!.pid})`);
        // The server's goodbye arrives while no query runs on the client.
        await new Promise((resolve) => setTimeout(resolve, 200));
        await sql`SELECT 1`.execute(trx);
      });
      await expect(work).rejects.toThrow(/connection error|terminat/i);
      // The pool goes on with a new connection.
      expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(db)).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.destroy();
    }
  });

  it('takes a change another process stored before building on it', async () => {
    const url = await server.database();
    await using(open(url), async (s) => {
      await s.config.update((d) => void d.organizations.push(org(1, 'Mine')));
      // Written by another process (a team host's admin) behind this one's memory.
      await sqlRows(
        url,
        `UPDATE ferry.config SET revision = revision + 1,
           doc = jsonb_set(doc, '{organizations}', doc->'organizations' || '[${JSON.stringify(org(2, 'Theirs'))}]'::jsonb)`,
      );
      await s.config.update((d) => void d.organizations.push(org(3, 'Next')));
      expect(s.config.data.organizations.map((o) => o.name)).toEqual(['Mine', 'Theirs', 'Next']);
    });
  });

  it('keeps secrets sealed by the KMS key, bound to their name and origin', async () => {
    const url = await server.database();
    await using(open(url), async (s) => {
      await s.secrets.set('smtp-password', 'hunter2-sekrit', 'smtp://mail.example:587');
      await s.secrets.set('amplitude-secret-key:1', 'amp-sekrit', 'https://amplitude.com');
    });
    const rows = await sqlRows<{ name: string; sealed: string }>(
      url,
      'SELECT * FROM ferry.secrets',
    );
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toMatch(/sekrit/);
    const [keyring] = await sqlRows<{ wrapped: Buffer }>(url, 'SELECT wrapped FROM ferry.keyring');
    expect(keyring!.wrapped.length).toBeGreaterThan(32); // wrapped by KMS, not the key itself

    // Someone with write access to the database points a secret at their own server.
    await sqlRows(
      url,
      "UPDATE ferry.secrets SET origin = 'smtp://attacker.example:587' WHERE name = 'smtp-password'",
    );
    // …or swaps two sealed values.
    await sqlRows(
      url,
      "UPDATE ferry.secrets SET sealed = (SELECT sealed FROM ferry.secrets WHERE name = 'smtp-password') WHERE name = 'amplitude-secret-key:1'",
    );
    await using(open(url, true), async (s) => {
      await expect(s.secrets.get('smtp-password', 'smtp://attacker.example:587')).rejects.toThrow(
        /does not open/,
      );
      await expect(
        s.secrets.get('amplitude-secret-key:1', 'https://amplitude.com'),
      ).rejects.toBeInstanceOf(SecretUnusable);
    });
  });

  it('stores no secret without a KMS key, and reads those of the environment', async () => {
    const url = await server.database();
    const env = { FERRY_SECRET_SMTP_PASSWORD: 'from-env' };
    await using(openPostgresStore({ url, role: 'no key', secretsKey: null, env }), async (s) => {
      await expect(
        s.secrets.set('amplitude-secret-key:1', 'x', 'https://amplitude.com'),
      ).rejects.toMatchObject({
        code: 'validation',
        message: expect.stringContaining('--secrets-key'),
      });
      expect(await s.secrets.get('smtp-password', 'smtp://mail.example:587')).toBe('from-env');
      await expect(
        s.secrets.get('smtp-password', 'smtp://other.example:587'),
      ).rejects.toBeInstanceOf(SecretUnusable);
    });
    expect(await sqlRows(url, 'SELECT name FROM ferry.secrets')).toEqual([]);
  });

  it('refuses a database set up by a newer Ferry, and changes nothing in it', async () => {
    const url = await server.database();
    await using(open(url), async () => undefined);
    await sqlRows(
      url,
      "INSERT INTO ferry.kysely_migration (name, timestamp) VALUES ('9999-from-the-future', now())",
    );
    await expect(open(url)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('newer version of Ferry'),
    });
    const [{ count }] = (await sqlRows<{ count: string }>(
      url,
      'SELECT count(*) FROM ferry.kysely_migration',
    )) as [{ count: string }];
    expect(Number(count)).toBe(Object.keys(MIGRATIONS).length + 1);
  });

  it('pages the history as the data folder does, for every filter', async () => {
    // The same jobs into both stores; every page asked of both must match, id by id.
    const url = await server.database();
    const folder = await openStore({ dataDir: await newDir(), role: 'differential' });
    const base = await open(url);
    try {
      let seed = 7;
      // MINSTD: exact in doubles (a product past 2^53 rounds its low bits away, and `% n` then
      // gives nearly always the same answer).
      const random = (n: number) => (seed = (seed * 48_271) % 2_147_483_647) % n;
      const jobs: Job[] = [];
      for (let i = 0; i < 400; i++) {
        const hour = `2026-0${1 + random(2)}-1${random(3)}T0${random(4)}`;
        const minute = String(random(6) * 10).padStart(2, '0');
        jobs.push(
          jobRecord({
            id: `jb_${String(i).padStart(4, '0')}`,
            connectionId: ['cn_aaaaaaaa', 'cn_bbbbbbbb', 'cn_cccccccc'][random(3)]!,
            dataset: DATASETS[random(DATASETS.length)]!,
            hour,
            status: JOB_STATUSES[random(JOB_STATUSES.length)]!,
            createdAt: `${hour}:${minute}:00.000Z`,
            updatedAt: `${hour}:${minute}:30.000Z`,
          }),
        );
      }
      // Some tries replaced later (a retry's status written again).
      for (const j of jobs.slice(0, 50)) jobs.push({ ...j, status: 'succeeded' });
      for (const j of jobs) {
        await folder.jobs.put(j);
        await base.jobs.put(j);
      }
      const queries: JobListQuery[] = [
        {},
        { limit: 100, offset: 20 },
        { connectionId: 'cn_bbbbbbbb', limit: 100 },
        { status: ['failed', 'cancelled'], limit: 100 },
        { dataset: 'merged-ids', connectionId: 'cn_aaaaaaaa' },
        { hourFrom: '2026-01-11T01', hourTo: '2026-02-10T02', limit: 100 },
        { latestOnly: true, limit: 100 },
        { latestOnly: true, status: ['failed'], connectionId: 'cn_cccccccc' },
        { latestOnly: true, offset: 40, limit: 30, hourFrom: '2026-01-12T00' },
        { offset: 1000 },
      ];
      for (const q of queries) {
        const [a, b] = await Promise.all([folder.jobs.list(q), base.jobs.list(q)]);
        expect({ q, ids: b.items.map((j) => j.id), total: b.total }).toEqual({
          q,
          ids: a.items.map((j) => j.id),
          total: a.total,
        });
      }
      expect(base.jobs.size).toBe(folder.jobs.size);
      expect(base.jobs.interrupted()).toEqual(folder.jobs.interrupted());
      const records = (s: JobHistoryPort) => [...s.hourRecords('cn_aaaaaaaa').all()];
      expect(records(base.jobs)).toEqual(records(folder.jobs));
    } finally {
      await Promise.all([folder.close(), base.close()]);
    }
    // The index read back at the next start is the same, however many rows a read takes.
    await using(open(url), async (again) => {
      const entries = again.jobs.entries(() => true);
      expect(entries).toHaveLength(400);
      const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM ferry.jobs`.execute(
        again.db,
      );
      expect(Number(rows[0]!.n)).toBe(400);
      const inSevens = await PgJobHistory.open(again.db, PgWriter.reader(url), 7);
      expect(inSevens.entries(() => true)).toEqual(entries);
      for (const q of [{ latestOnly: true, limit: 100 }, { connectionId: 'cn_bbbbbbbb' }])
        expect((await inSevens.list(q)).items).toEqual((await again.jobs.list(q)).items);
    });
  });

  it('pages what another process wrote since it opened', async () => {
    // A worker's job (team mode) is written by its own process; the console's next page of
    // the history shows it, though this process's index did not write it.
    const url = await server.database();
    await using(open(url), async (s) => {
      await s.jobs.put(
        jobRecord({ id: 'jb_mine', connectionId: 'cn_aaaaaaaa', hour: '2026-01-01T00' }),
      );
      const theirs = jobRecord({
        id: 'jb_theirs',
        connectionId: 'cn_aaaaaaaa',
        hour: '2026-01-01T01',
        status: 'running',
      });
      await sql`INSERT INTO ferry.jobs (id, connection_id, dataset, hour, status, created_at, record)
        VALUES (${theirs.id}, ${theirs.connectionId}, ${theirs.dataset}, ${theirs.hour},
          ${theirs.status}, ${theirs.createdAt}, ${JSON.stringify(theirs)})`.execute(s.db);
      const page = await s.jobs.list({ connectionId: 'cn_aaaaaaaa' });
      expect(page.items.map((j) => [j.id, j.status])).toEqual([
        ['jb_theirs', 'running'],
        ['jb_mine', 'succeeded'],
      ]);
      expect(page.total).toBe(2);
    });
  });
});
