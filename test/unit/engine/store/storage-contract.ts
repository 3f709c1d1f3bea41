import { describe, expect, it } from 'vitest';
import type { Backup } from '../../../../shared/model/settings';
import type { Migration } from '../../../../shared/model/migration';
import type {
  BackupArchivePort,
  ConfigPort,
  JobHistoryPort,
  MigrationLogPort,
  SecretsPort,
  WriterLockPort,
} from '../../../../electron/engine/store/ports';
import { SecretUnusable } from '../../../../electron/engine/store/secrets';
import { jobRecord } from '../../../support/jobs';
import { organization as org } from '../../../support/records';

/** One opening of a storage: every port the engine works with. */
export interface OpenedStorage extends WriterLockPort {
  config: ConfigPort;
  jobs: JobHistoryPort;
  backups: BackupArchivePort;
  migrations: MigrationLogPort;
  secrets: SecretsPort;
  close(): Promise<void>;
}

/** One storage (a data folder, a database), opened as often as a test asks. */
export interface StorageUnderTest {
  /** Open it to write (one writer at a time). */
  open(): Promise<OpenedStorage>;
  /** Open it to read while a writer may hold it. */
  openReader(): Promise<OpenedStorage>;
  /** Make the next config write fail the way a full disk or a lost connection would. */
  refuseNextConfigWrite(): Promise<void>;
}

export const backupEntry = (id: string): Backup => ({
  id,
  kind: 'bucket-policy',
  target: 's3://contract-bucket',
  file: `${id}-bucket-policy.json`,
  takenAt: '2026-12-03T10:00:00.000Z',
  connectionId: null,
  existed: true,
  sha256: 'a'.repeat(64),
  reason: 'contract',
  via: { profile: 'default', region: 'us-east-1', endpoint: null, forcePathStyle: false },
});

export const migrationRecord = (id: string, state: Migration['state']): Migration => ({
  id,
  oldConnectionId: 'cn_old00000',
  oldConnectionName: 'old',
  newConnectionId: 'cn_new00000',
  newConnectionName: 'new',
  projectId: 1,
  bucket: 'contract-bucket',
  prefix: '',
  state,
  steps: [],
  keyArn: null,
  keyCreated: false,
  keyRequested: false,
  backupIds: [],
  restorePoint: null,
  roleCreated: false,
  oldWasEnabled: true,
  oldDisabledAt: null,
  takeOverFrom: null,
  checks: [],
  documents: [],
  verify: null,
  objects: [],
  rollback: [],
  createdAt: '2026-12-03T10:00:00.000Z',
  updatedAt: '2026-12-03T10:00:00.000Z',
  finishedAt: null,
});

/**
 * What every storage behind Ferry's ports must do, told by what the engine can observe: kept
 * across a restart, all or nothing, one writer. The data folder passes it
 * (file-storage.test.ts); a second implementation runs the same suite.
 */
export function storageContract(name: string, create: () => Promise<StorageUnderTest>): void {
  /** Open, run, close — closed even when the test fails. */
  async function using<T>(
    opening: Promise<OpenedStorage>,
    run: (s: OpenedStorage) => Promise<T>,
  ): Promise<T> {
    const s = await opening;
    try {
      return await run(s);
    } finally {
      await s.close();
    }
  }

  describe(`storage contract: ${name}`, () => {
    describe('config', () => {
      it('is fresh at first, and keeps an update across a restart', async () => {
        const storage = await create();
        await using(storage.open(), async (s) => {
          expect(s.config.fresh).toBe(true);
          const result = await s.config.update((d) => {
            d.organizations.push(org(1, 'Acme'));
            return 'done';
          });
          expect(result).toBe('done');
          expect(s.config.data.organizations.map((o) => o.name)).toEqual(['Acme']);
        });
        await using(storage.open(), async (s) => {
          expect(s.config.fresh).toBe(false);
          expect(s.config.data.organizations.map((o) => o.name)).toEqual(['Acme']);
        });
      });

      it('runs updates one at a time in call order, each seeing the one before', async () => {
        const storage = await create();
        await using(storage.open(), async (s) => {
          const seen: number[] = [];
          await Promise.all(
            [1, 2, 3].map((id) =>
              s.config.update((d) => {
                seen.push(d.organizations.length);
                d.organizations.push(org(id, `org ${id}`));
              }),
            ),
          );
          expect(seen).toEqual([0, 1, 2]);
          expect(s.config.data.organizations.map((o) => o.id)).toEqual([1, 2, 3]);
        });
      });

      it('leaves the state as it was when a change throws', async () => {
        const storage = await create();
        await using(storage.open(), async (s) => {
          await s.config.update((d) => void d.organizations.push(org(1, 'Kept')));
          await expect(
            s.config.update((d) => {
              d.organizations.push(org(2, 'Half'));
              throw new Error('refused by the change');
            }),
          ).rejects.toThrow('refused by the change');
          expect(s.config.data.organizations.map((o) => o.name)).toEqual(['Kept']);
          // The queue goes on after a failed update.
          await s.config.update((d) => void d.organizations.push(org(3, 'Next')));
          expect(s.config.data.organizations.map((o) => o.name)).toEqual(['Kept', 'Next']);
        });
      });

      it('refuses a change it could not read back, and stores nothing of it', async () => {
        const storage = await create();
        await using(storage.open(), async (s) => {
          await s.config.update((d) => void d.organizations.push(org(1, 'Good')));
          await expect(
            s.config.update((d) => void d.organizations.push({ ...org(2, 'Bad'), id: -5 })),
          ).rejects.toMatchObject({ code: 'internal' });
          expect(s.config.data.organizations.map((o) => o.name)).toEqual(['Good']);
        });
        // The next start reads what was stored.
        await using(storage.open(), async (s) => {
          expect(s.config.data.organizations.map((o) => o.name)).toEqual(['Good']);
        });
      });

      it('leaves memory as stored when the store refuses a write', async () => {
        const storage = await create();
        await using(storage.open(), async (s) => {
          await s.config.update((d) => void d.organizations.push(org(1, 'Stored')));
          await storage.refuseNextConfigWrite();
          await expect(
            s.config.update((d) => void d.organizations.push(org(2, 'Lost'))),
          ).rejects.toThrow();
          expect(s.config.data.organizations.map((o) => o.name)).toEqual(['Stored']);
        });
      });
    });

    describe('job history', () => {
      it('keeps the latest record of a job, across a restart', async () => {
        const storage = await create();
        await using(storage.open(), async (s) => {
          await s.jobs.put(jobRecord({ id: 'jb_1', status: 'running', finishedAt: null }));
          await s.jobs.put(jobRecord({ id: 'jb_1', status: 'succeeded' }));
          await s.jobs.put(jobRecord({ id: 'jb_2', hour: '2026-01-01T01' }));
          expect(s.jobs.size).toBe(2);
        });
        await using(storage.open(), async (s) => {
          expect(s.jobs.size).toBe(2);
          expect((await s.jobs.get('jb_1'))?.status).toBe('succeeded');
          expect(await s.jobs.get('jb_missing')).toBeNull();
          const page = await s.jobs.list({});
          expect(page.items.map((j) => j.id)).toEqual(['jb_2', 'jb_1']); // newest hour first
          expect(page.total).toBe(2);
        });
      });

      it('refuses a record it could not read back, keeping the one before', async () => {
        const storage = await create();
        await using(storage.open(), async (s) => {
          await s.jobs.put(jobRecord({ id: 'jb_1' }));
          const broken = { ...jobRecord({ id: 'jb_1' }), status: 'exploded' } as never;
          await expect(s.jobs.put(broken)).rejects.toMatchObject({ code: 'internal' });
          expect((await s.jobs.get('jb_1'))?.status).toBe('succeeded');
        });
        await using(storage.open(), async (s) => {
          expect((await s.jobs.get('jb_1'))?.status).toBe('succeeded');
          expect(s.jobs.size).toBe(1);
        });
      });

      it('answers per hour with the latest try and whether any succeeded', async () => {
        const storage = await create();
        await using(storage.open(), async (s) => {
          const hour = '2026-01-01T05';
          await s.jobs.put(jobRecord({ id: 'jb_a', hour, status: 'succeeded' }));
          await s.jobs.put(
            jobRecord({
              id: 'jb_b',
              hour,
              status: 'failed',
              createdAt: `${hour}:40:00.000Z`,
              updatedAt: `${hour}:41:00.000Z`,
            }),
          );
          const record = s.jobs.hourRecords('cn_aaaaaaaa').get('events', hour);
          expect(record?.latest.id).toBe('jb_b');
          expect(record?.succeeded).toBe(true);
          expect(s.jobs.hourRecords('cn_aaaaaaaa').get('merged-ids', hour)).toBeUndefined();
          expect(s.jobs.entries(() => true, 'cn_other').length).toBe(0);
        });
      });
    });

    describe('backups', () => {
      it('keeps each document exactly as given, with its entry, across a restart', async () => {
        const storage = await create();
        const document = '{"Version":"2012-10-17","Statement":[]}';
        await using(storage.open(), async (s) => {
          await s.backups.add(backupEntry('bk_1'), document);
          await s.backups.add({ ...backupEntry('bk_2'), existed: false }, null);
        });
        await using(storage.open(), async (s) => {
          expect(s.backups.entries().map((b) => b.id)).toEqual(['bk_1', 'bk_2']);
          const [first, second] = s.backups.entries();
          expect(JSON.parse((await s.backups.stored(first!))!)).toMatchObject({ document });
          expect(JSON.parse((await s.backups.stored(second!))!)).toMatchObject({
            document: null,
          });
          expect(await s.backups.stored(backupEntry('bk_never'))).toBeNull();
        });
      });
    });

    describe('backups moved from another store', () => {
      it('keeps the text exactly, once, and says when its id holds another', async () => {
        const storage = await create();
        const text = '{\n  "id": "bk_9",\n  "document": "{}"\n}\n';
        await using(storage.open(), async (s) => {
          expect(await s.backups.keep(backupEntry('bk_9'), text)).toBe(true);
          expect(await s.backups.keep(backupEntry('bk_9'), text)).toBe(true);
          expect(await s.backups.keep(backupEntry('bk_9'), `${text} `)).toBe(false);
        });
        await using(storage.open(), async (s) => {
          expect(s.backups.entries().map((b) => b.id)).toEqual(['bk_9']);
          expect(await s.backups.stored(backupEntry('bk_9'))).toBe(text);
        });
      });
    });

    describe('migrations', () => {
      it('inserts, then replaces by id, keeping the order they began in', async () => {
        const storage = await create();
        await using(storage.open(), async (s) => {
          await s.migrations.save(migrationRecord('mg_1', 'in-progress'));
          await s.migrations.save(migrationRecord('mg_2', 'in-progress'));
          const changed = migrationRecord('mg_1', 'rolled-back');
          await s.migrations.save(changed);
          changed.state = 'in-progress'; // a later change to the caller's copy is not stored
        });
        await using(storage.open(), async (s) => {
          expect(s.migrations.all().map((m) => [m.id, m.state])).toEqual([
            ['mg_1', 'rolled-back'],
            ['mg_2', 'in-progress'],
          ]);
        });
      });
    });

    describe('secrets', () => {
      it('keeps a secret for its origin only, and forgets it when deleted', async () => {
        const storage = await create();
        await using(storage.open(), async (s) => {
          await s.secrets.set('amplitude-secret-key:1', 'sekrit', 'https://amplitude.com');
          expect(await s.secrets.has('amplitude-secret-key:1')).toBe(true);
        });
        await using(storage.open(), async (s) => {
          expect(await s.secrets.get('amplitude-secret-key:1', 'https://amplitude.com')).toBe(
            'sekrit',
          );
          expect(await s.secrets.originOf('amplitude-secret-key:1')).toBe('https://amplitude.com');
          await expect(
            s.secrets.get('amplitude-secret-key:1', 'https://attacker.example'),
          ).rejects.toBeInstanceOf(SecretUnusable);
          expect(await s.secrets.has('amplitude-secret-key:1', 'https://attacker.example')).toBe(
            false,
          );
          await s.secrets.delete('amplitude-secret-key:1');
          expect(await s.secrets.get('amplitude-secret-key:1')).toBeNull();
        });
      });
    });

    describe('one writer', () => {
      it('refuses a second writer while one is open, and lets readers see what it stored', async () => {
        const storage = await create();
        await using(storage.open(), async (writer) => {
          await writer.config.update((d) => void d.organizations.push(org(1, 'Held')));
          await expect(storage.open()).rejects.toMatchObject({ code: 'locked' });
          await using(storage.openReader(), async (reader) => {
            expect(reader.config.data.organizations.map((o) => o.name)).toEqual(['Held']);
            expect(() => reader.guard()).toThrow();
            await expect(
              reader.config.update((d) => void d.organizations.push(org(2, 'Sneaked'))),
            ).rejects.toThrow();
          });
          expect(() => writer.guard()).not.toThrow();
        });
        // Closed: the next writer gets in.
        await using(storage.open(), async (s) => {
          expect(s.config.data.organizations.map((o) => o.name)).toEqual(['Held']);
        });
      });
    });
  });
}
