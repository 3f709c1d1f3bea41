import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../../electron/engine/store';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();

async function seed(dataDir: string, names: string[]): Promise<void> {
  const store = await openStore({ dataDir, role: 'test' });
  for (const [i, name] of names.entries())
    await store.config.update((d) => {
      d.organizations.push({
        id: i + 1,
        name,
        adminEmail: null,
        createdAt: 'now',
        updatedAt: 'now',
      });
    });
  await store.close();
}

describe('config.json on disk', () => {
  it('lays out the data dir and keeps a last good copy beside config.json', async () => {
    const dataDir = await newDir();
    await seed(dataDir, ['Acme']);
    expect((await readdir(dataDir)).sort()).toEqual([
      'backups',
      'config.json',
      'config.json.bak',
      'jobs',
    ]);
    const main = await readFile(join(dataDir, 'config.json'), 'utf8');
    expect(JSON.parse(main)).toMatchObject({
      schemaVersion: 4,
      organizations: [{ name: 'Acme' }],
      backups: [],
      backfills: [],
      alerts: {},
      migrations: [],
      archived: [],
    });
    expect(await readFile(join(dataDir, 'config.json.bak'), 'utf8')).toBe(main);
    expect((await stat(join(dataDir, 'config.json'))).mode & 0o777).toBe(0o600);
  });

  it('moves a truncated config.json aside and restores the last good state', async () => {
    const dataDir = await newDir();
    await seed(dataDir, ['Acme', 'Globex']);
    const path = join(dataDir, 'config.json');
    const damaged = (await readFile(path, 'utf8')).slice(0, 40);
    await truncate(path, 40);

    const store = await openStore({ dataDir, role: 'test' });
    expect(store.config.data.organizations.map((o) => o.name)).toEqual(['Acme', 'Globex']);
    expect(store.notices).toHaveLength(1);
    expect(store.notices[0]!.level).toBe('warning');
    expect(store.notices[0]!.message).toMatch(
      /config\.json could not be read .*kept at .*config\.json\.damaged-.*restored the last good copy/,
    );
    await store.close();

    const aside = (await readdir(dataDir)).filter((n) => n.startsWith('config.json.damaged-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(dataDir, aside[0]!), 'utf8')).toBe(damaged);
    expect(JSON.parse(await readFile(path, 'utf8')).organizations).toHaveLength(2);
  });

  it('treats valid JSON that breaks the schema as damaged too', async () => {
    const dataDir = await newDir();
    await seed(dataDir, ['Acme']);
    await writeFile(
      join(dataDir, 'config.json'),
      JSON.stringify({ schemaVersion: 1, organizations: [{ id: 'x' }] }),
    );
    const store = await openStore({ dataDir, role: 'test' });
    expect(store.config.data.organizations.map((o) => o.name)).toEqual(['Acme']);
    expect(store.notices[0]!.message).toMatch(/invalid content at organizations\.0/);
    await store.close();
  });

  it('refuses to open, and writes nothing, when config.json and its copy are both damaged', async () => {
    const dataDir = await newDir();
    await seed(dataDir, ['Acme']);
    const main = '{"schemaVersion": 1, "organ';
    const copy = '{"schemaVersion": 3, "organizations": [{"id": 1, "na';
    await writeFile(join(dataDir, 'config.json'), main);
    await writeFile(join(dataDir, 'config.json.bak'), copy);
    const before = (await readdir(dataDir)).sort();
    const opening = openStore({ dataDir, role: 'test' });
    await expect(opening).rejects.toThrow(
      /config\.json can not be read .* and its copy config\.json\.bak can not be read .*Ferry changed neither file.*To recover: put back a good config\.json/,
    );
    await expect(opening).rejects.toMatchObject({ fatal: true });
    // Both kept byte for byte, nothing set aside or written, and the lock released.
    expect(await readFile(join(dataDir, 'config.json'), 'utf8')).toBe(main);
    expect(await readFile(join(dataDir, 'config.json.bak'), 'utf8')).toBe(copy);
    expect((await readdir(dataDir)).sort()).toEqual(before);
    await expect(openStore({ dataDir, role: 'test' })).rejects.toThrow(/Ferry changed neither/);
  });

  it('keeps both copies of a month of history aside when neither can be read', async () => {
    const dataDir = await newDir();
    const store = await openStore({ dataDir, role: 'test' });
    await store.close();
    await writeFile(join(dataDir, 'jobs', '2026-01.json'), '{"schemaVersion":1,"jobs":[{');
    await writeFile(join(dataDir, 'jobs', '2026-01.json.bak'), 'not json');
    const again = await openStore({ dataDir, role: 'test' });
    expect(again.notices[0]).toMatchObject({ level: 'error' });
    expect(again.notices[0]!.message).toMatch(
      /2026-01\.json can not be read .*Both were kept .*started this file empty/,
    );
    await again.close();
    const names = await readdir(join(dataDir, 'jobs'));
    expect(names.filter((n) => n.includes('.damaged-')).sort()).toEqual([
      expect.stringMatching(/^2026-01\.json\.bak\.damaged-/),
      expect.stringMatching(/^2026-01\.json\.damaged-/),
    ]);
  });

  it('restores a deleted config.json from its copy', async () => {
    const dataDir = await newDir();
    await seed(dataDir, ['Acme']);
    await writeFile(join(dataDir, 'config.json'), '');
    const store = await openStore({ dataDir, role: 'test' });
    expect(store.config.data.organizations).toHaveLength(1);
    await store.close();
  });

  it('migrates old configs step by step to the current schema (0 → 1 → 2 → 3)', async () => {
    const v1 = await newDir();
    await writeFile(
      join(v1, 'config.json'),
      JSON.stringify({
        schemaVersion: 1,
        organizations: [],
        projects: [],
        connections: [],
        settings: { theme: 'x' },
      }),
    );
    const fromV1 = await openStore({ dataDir: v1, role: 'test' });
    expect(fromV1.config.data).toMatchObject({
      schemaVersion: 4,
      backups: [],
      backfills: [],
      migrations: [],
      settings: { theme: 'x' },
    });
    await fromV1.close();

    const dataDir = await newDir();
    await writeFile(
      join(dataDir, 'config.json'),
      JSON.stringify({
        organizations: [{ id: 7, name: 'Old', adminEmail: null, createdAt: 'a', updatedAt: 'a' }],
        projects: [],
        connections: [],
      }),
    );
    const store = await openStore({ dataDir, role: 'test' });
    expect(store.notices).toEqual([]);
    expect(store.config.data).toMatchObject({
      schemaVersion: 4,
      settings: {},
      backups: [],
      alerts: {},
      archived: [],
      organizations: [{ name: 'Old' }],
    });
    await store.close();
  });

  it('refuses a config written by a newer Ferry and leaves it untouched', async () => {
    const dataDir = await newDir();
    const text = JSON.stringify({ schemaVersion: 99, organizations: [] });
    await writeFile(join(dataDir, 'config.json'), text);
    await expect(openStore({ dataDir, role: 'test' })).rejects.toThrow(
      /written by a newer version of Ferry/,
    );
    expect(await readFile(join(dataDir, 'config.json'), 'utf8')).toBe(text);
    // …and the lock was released: the next try meets the same answer, not "already in use".
    await expect(openStore({ dataDir, role: 'test' })).rejects.toThrow(
      /written by a newer version of Ferry/,
    );
  });

  it('keeps memory and disk equal when a change throws half-way', async () => {
    const dataDir = await newDir();
    await seed(dataDir, ['Acme']);
    const store = await openStore({ dataDir, role: 'test' });
    await expect(
      store.config.update((d) => {
        d.organizations[0]!.name = 'Changed';
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(store.config.data.organizations[0]!.name).toBe('Acme');
    await store.close();
  });

  it('read-only opens change nothing on disk, even for a damaged file', async () => {
    const dataDir = await newDir();
    await seed(dataDir, ['Acme']);
    await truncate(join(dataDir, 'config.json'), 10);
    const before = (await readdir(dataDir)).sort();
    const store = await openStore({ dataDir, role: 'test', readOnly: true });
    expect(store.config.data.organizations).toHaveLength(1);
    await store.close();
    expect((await readdir(dataDir)).sort()).toEqual(before);
  });
});
