import { hostname } from 'node:os';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openTestEngine } from '../../../support/engine';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();

describe('a destination that refuses what the console asks of it', () => {
  it('says so in words for take-over and reconcile, not as a fault inside Ferry', async () => {
    const engine = await openTestEngine(await newDir());
    await engine.call('orgs.create', { id: 1, name: 'Acme' });
    await engine.call('projects.create', { id: 10, orgId: 1, name: 'Web' });
    const folder = join(await newDir(), 'exports');
    const conn = await engine.call('connections.create', {
      name: 'local',
      projectId: 10,
      destination: { type: 'folder', path: folder, permissions: 'owner' },
    });
    // Its disk unmounted (the folder gone).
    await rm(folder, { recursive: true });
    const refusal = {
      ok: false,
      error: {
        code: 'validation',
        message: expect.stringMatching(
          new RegExp(`^There is no folder ${folder} on ${hostname()}\\. If it is on a disk`),
        ),
      },
    };
    expect(await engine.dispatch('connections.takeOver', { id: conn.id })).toMatchObject(refusal);
    expect(
      await engine.dispatch('jobs.reconcile', {
        connectionId: conn.id,
        from: '2026-11-25T00',
        to: '2026-11-25T01',
      }),
    ).toMatchObject(refusal);
    await engine.close();
  });
});
