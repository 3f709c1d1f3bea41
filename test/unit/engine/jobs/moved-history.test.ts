import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTestEngine, seedDemoFolder } from '../../../support/engine';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();
const HOUR = '2026-11-26T05';

/**
 * A connection that moved keeps a true history: each job says where its files went, and
 * reconcile checks the new place against the hours written there only — an hour exported
 * before the move is said to be at the old place, not "missing".
 */
describe('the history of a connection that moved', () => {
  it('records where each hour went, and reconciles only what went to the place it has now', async () => {
    const dir = await newDir();
    const engine = await openTestEngine(dir);
    try {
      const conn = await seedDemoFolder(engine, `${dir}/old`);
      const [before] = await engine.exports.runHour(conn.id, HOUR, ['events'], 'manual');
      expect(before).toMatchObject({
        status: 'succeeded',
        writtenTo: { type: 'folder', path: `${dir}/old` },
      });

      await engine.call('connections.update', {
        id: conn.id,
        destination: { type: 'folder', path: `${dir}/new` },
      });
      const range = { connectionId: conn.id, from: HOUR, to: HOUR };
      const moved = await engine.call('jobs.reconcile', range);
      expect(moved).toMatchObject({
        missing: [],
        extra: [],
        changed: [],
        matching: 0,
        notExported: [],
        elsewhere: [{ hour: HOUR, dataset: 'events', place: `${dir}/old`, jobId: before!.id }],
      });

      // Exported again, the hour is at the new place, and checked there.
      const [again] = await engine.exports.runHour(conn.id, HOUR, ['events'], 'manual');
      expect(again?.writtenTo).toEqual({ type: 'folder', path: `${dir}/new` });
      const after = await engine.call('jobs.reconcile', range);
      expect(after).toMatchObject({ missing: [], extra: [], changed: [], elsewhere: [] });
      expect(after.matching).toBe(again!.objects.length);
      // The earlier job still says where its files are.
      expect((await engine.call('jobs.get', { id: before!.id })).writtenTo).toEqual({
        type: 'folder',
        path: `${dir}/old`,
      });
    } finally {
      await engine.close();
    }
  });

  it('writes no manifest entry for a dataset whose latest export went to the old place', async () => {
    const dir = await newDir();
    const engine = await openTestEngine(dir);
    try {
      const conn = await seedDemoFolder(engine, `${dir}/old`, {
        datasets: ['events', 'merged-ids'],
        options: { manifest: true },
      });
      await engine.exports.runHour(conn.id, HOUR, ['events', 'merged-ids'], 'manual');
      const manifestAt = async (folder: string) =>
        JSON.parse(
          await readFile(join(dir, folder, '_manifests', `7_${HOUR.slice(0, 10)}_5.json`), 'utf8'),
        ) as { objects: { dataset: string; key: string }[] };
      const datasetsIn = async (folder: string) =>
        [...new Set((await manifestAt(folder)).objects.map((o) => o.dataset))].sort();
      expect(await datasetsIn('old')).toContain('events');

      await engine.call('connections.update', {
        id: conn.id,
        destination: { type: 'folder', path: `${dir}/new` },
      });
      // Only the merged IDs again: the events of the hour are at the old place, not listed here.
      await engine.exports.runHour(conn.id, HOUR, ['merged-ids'], 'manual');
      expect(await datasetsIn('new')).not.toContain('events');
      for (const { key } of (await manifestAt('new')).objects)
        await expect(stat(join(dir, 'new', key))).resolves.toBeTruthy();
    } finally {
      await engine.close();
    }
  });
});
