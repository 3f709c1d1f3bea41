import { describe, expect, it } from 'vitest';
import { openTestEngine, seedDemoFolder } from '../../support/engine';
import { useTempDirs } from '../../support/temp';

const newDir = useTempDirs();

describe('the history of a connection named by its name', () => {
  it('jobs.list, jobs.stats and backfills.list take a name as every other method does', async () => {
    const dir = await newDir();
    const engine = await openTestEngine(dir);
    try {
      const conn = await seedDemoFolder(engine, `${dir}/out`, { name: 'Local Files' });
      await engine.exports.runHour(conn.id, '2026-11-26T05', ['events'], 'manual');
      await engine.call('backfills.start', {
        connectionId: conn.id,
        from: '2026-11-26T06',
        to: '2026-11-26T06',
      });

      const byId = await engine.call('jobs.list', { connectionId: conn.id });
      expect(byId.items.length).toBeGreaterThan(0);
      expect(await engine.call('jobs.list', { connectionId: 'local files' })).toEqual(byId);
      expect(
        await engine.call('jobs.stats', {
          connectionId: 'Local Files',
          hourFrom: '2026-11-26T00',
          hourTo: '2026-11-26T09',
        }),
      ).toEqual(
        await engine.call('jobs.stats', {
          connectionId: conn.id,
          hourFrom: '2026-11-26T00',
          hourTo: '2026-11-26T09',
        }),
      );
      const backfills = await engine.call('backfills.list', { connectionId: 'Local Files' });
      expect(backfills.map((b) => b.connectionId)).toEqual([conn.id]);
      // A connection that is not there is an error that says so, not an empty history.
      await expect(engine.call('jobs.list', { connectionId: 'nope' })).rejects.toThrow(
        'There is no connection "nope"',
      );
    } finally {
      await engine.close();
    }
  });
});
