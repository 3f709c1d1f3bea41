import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openStore } from '../../../../electron/engine/store';
import { PLAIN_FILE_CODEC, SecretStore } from '../../../../electron/engine/store/secrets';
import { useTempDirs } from '../../../support/temp';
import { describe, expect, it } from 'vitest';
import { storageContract, type OpenedStorage } from './storage-contract';

const newDir = useTempDirs();

async function openFolder(dataDir: string, readOnly: boolean): Promise<OpenedStorage> {
  const store = await openStore({ dataDir, role: 'contract test', readOnly });
  // No environment: the secrets are those stored in the folder.
  const secrets = new SecretStore(dataDir, PLAIN_FILE_CODEC, {}, () => new Date(), readOnly);
  return Object.assign(Object.create(null) as object, store, {
    secrets,
    guard: () => store.guard(),
  }) as OpenedStorage;
}

storageContract('the data folder (lowdb config, job journals, files)', async () => {
  const dataDir = await newDir();
  return {
    open: () => openFolder(dataDir, false),
    openReader: () => openFolder(dataDir, true),
    async refuseNextConfigWrite() {
      // A folder where config.json goes: the atomic rename is refused, as by a full disk.
      await rm(join(dataDir, 'config.json'), { force: true });
      await mkdir(join(dataDir, 'config.json'));
    },
  };
});

describe('the data folder, beyond the contract', () => {
  it('never reads a backup file the index places outside backups/', async () => {
    const dataDir = await newDir();
    await writeFile(join(dataDir, 'outside.json'), '{"document":null}\n');
    const s = await openFolder(dataDir, false);
    try {
      const entry = {
        id: 'bk_1',
        kind: 'bucket-policy' as const,
        target: 's3://b',
        file: '../outside.json',
        takenAt: '2026-12-03T10:00:00.000Z',
        connectionId: null,
        existed: false,
        reason: 'hand-edited',
      };
      await expect(s.backups.stored(entry)).rejects.toMatchObject({ code: 'conflict' });
      await expect(s.backups.stored({ ...entry, file: '..' })).rejects.toThrow(/not in/);
      expect(await s.backups.stored({ ...entry, file: 'missing.json' })).toBeNull();
    } finally {
      await s.close();
    }
  });
});
