import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type * as Atomic from '../../../../electron/engine/store/atomic';
import { organization as org } from '../../../support/records';

// The write of config.json held at a gate the test opens, so what readers see while it is under
// way is checked at a known point, not at a time.
// `full` makes the disk refuse it as a full one does.
const gate = vi.hoisted(() => ({
  hold: null as Promise<void> | null,
  reached: () => {},
  full: false,
}));
vi.mock('../../../../electron/engine/store/atomic', async (importOriginal) => {
  const real = await importOriginal<typeof Atomic>();
  return {
    ...real,
    writeFileAtomic: async (path: string, data: string | Uint8Array) => {
      if (gate.full && path.endsWith('config.json'))
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
          code: 'ENOSPC',
          syscall: 'write',
        });
      if (gate.hold && path.endsWith('config.json')) {
        gate.reached();
        await gate.hold;
      }
      return real.writeFileAtomic(path, data);
    },
  };
});

const { ConfigStore } = await import('../../../../electron/engine/store/config-store');
const { CopyNotWritten } = await import('../../../../electron/engine/store/json-file');

const root = await mkdtemp(join(tmpdir(), 'ferry-config-store-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('ConfigStore.update', () => {
  it('shows a change to readers only once config.json holds it', async () => {
    const dir = await mkdtemp(join(root, 'visible-'));
    const store = await ConfigStore.open(dir, () => undefined);
    let open!: () => void;
    const reached = new Promise<void>((resolve) => (gate.reached = resolve));
    gate.hold = new Promise((resolve) => (open = resolve));
    const updating = store.update((draft) => void draft.organizations.push(org(7, 'Acme')));
    try {
      await reached; // the write has started and is held
      expect(store.data.organizations).toEqual([]);
    } finally {
      gate.hold = null;
      open();
      await updating;
    }
    expect(store.data.organizations.map((o) => o.name)).toEqual(['Acme']);
  });

  it('leaves memory as the file is when config.json can not be written', async () => {
    const dir = await mkdtemp(join(root, 'refused-'));
    const store = await ConfigStore.open(dir, () => undefined);
    await store.update((draft) => void draft.organizations.push(org(1, 'First')));
    // A folder where the file goes: the atomic rename is refused.
    await rm(join(dir, 'config.json'));
    await mkdir(join(dir, 'config.json'));
    await expect(
      store.update((draft) => void draft.organizations.push(org(2, 'Second'))),
    ).rejects.toThrow();
    expect(store.data.organizations.map((o) => o.name)).toEqual(['First']);
  });

  it('says a full disk in one sentence naming the folder, and changes nothing', async () => {
    const dir = await mkdtemp(join(root, 'full-'));
    const store = await ConfigStore.open(dir, () => undefined);
    await store.update((draft) => void draft.organizations.push(org(1, 'First')));
    const before = await readFile(join(dir, 'config.json'), 'utf8');
    gate.full = true;
    try {
      const refused = store.update((draft) => void draft.organizations.push(org(2, 'Second')));
      await expect(refused).rejects.toThrow(
        `Ferry could not write to its data folder ${dir}: the disk is full. Nothing was changed. Free space on that disk, then try again.`,
      );
    } finally {
      gate.full = false;
    }
    expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe(before);
    expect(store.data.organizations.map((o) => o.name)).toEqual(['First']);
  });

  it('keeps a change the file holds even when its copy fails, and says so', async () => {
    const dir = await mkdtemp(join(root, 'copy-'));
    const store = await ConfigStore.open(dir, () => undefined);
    await store.update((draft) => void draft.organizations.push(org(1, 'First')));
    await rm(join(dir, 'config.json.bak'));
    await mkdir(join(dir, 'config.json.bak'));
    const failed = store.update((draft) => void draft.organizations.push(org(2, 'Second')));
    await expect(failed).rejects.toBeInstanceOf(CopyNotWritten);
    await expect(failed).rejects.toThrow(/saved in config.json, but its copy config.json.bak/);
    const onDisk = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(onDisk.organizations.map((o: { name: string }) => o.name)).toEqual(['First', 'Second']);
    expect(store.data.organizations.map((o) => o.name)).toEqual(['First', 'Second']);
  });
});
