import { describe, expect, it } from 'vitest';
import { settleFlashes, type Flash } from '../../../renderer/features/app/flash-watch';

const exporting: Flash = {
  id: 'flash-1',
  type: 'info',
  content: 'Exporting 2026-12-03 14:00 UTC for "demo".',
  sticky: false,
  watch: {
    connectionId: 'cn_a',
    hour: '2026-12-03T14',
    pending: ['events', 'merged-ids'],
    succeeded: 'Exported 2026-12-03 14:00 UTC for "demo".',
    failed: 'The export of 2026-12-03 14:00 UTC for "demo" did not succeed.',
  },
};
const job = (dataset: string, status: string, hour = '2026-12-03T14', connectionId = 'cn_a') => ({
  connectionId,
  hour,
  dataset,
  status,
});

describe('an export message', () => {
  it('says "Exported" once every data set of its hour ended well, not before', () => {
    let flashes = settleFlashes([exporting], job('events', 'succeeded'));
    expect(flashes[0]).toMatchObject({ type: 'info', content: exporting.content });
    flashes = settleFlashes(flashes, job('merged-ids', 'running'));
    expect(flashes[0]!.type).toBe('info');
    flashes = settleFlashes(flashes, job('merged-ids', 'succeeded'));
    expect(flashes).toEqual([
      { id: 'flash-1', type: 'success', content: exporting.watch!.succeeded, sticky: false },
    ]);
  });

  it('says it did not succeed when one data set failed or was cancelled', () => {
    let flashes = settleFlashes([exporting], job('events', 'failed'));
    flashes = settleFlashes(flashes, job('merged-ids', 'succeeded'));
    expect(flashes[0]).toMatchObject({ type: 'error', content: exporting.watch!.failed });
    const cancelled = settleFlashes(
      settleFlashes([exporting], job('events', 'cancelled')),
      job('merged-ids', 'succeeded'),
    );
    expect(cancelled[0]!.type).toBe('error');
  });

  it("leaves other hours', connections' and messages' flashes alone", () => {
    const other: Flash = { id: 'flash-2', type: 'warning', content: 'x', sticky: true };
    for (const j of [
      job('events', 'succeeded', '2026-12-03T13'),
      job('events', 'succeeded', '2026-12-03T14', 'cn_b'),
    ]) {
      const flashes = settleFlashes([exporting, other], j);
      expect(flashes[0]).toMatchObject({
        type: 'info',
        watch: { pending: ['events', 'merged-ids'] },
      });
      expect(flashes[1]).toBe(other);
      // Nothing waited on that job: the same list, so the console does not redraw for it.
      const before = [exporting, other];
      expect(settleFlashes(before, j)).toBe(before);
    }
    const before = [exporting];
    expect(settleFlashes(before, job('events', 'running'))).toBe(before);
  });
});
