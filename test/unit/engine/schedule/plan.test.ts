import { describe, expect, it } from 'vitest';
import { planConnection } from '../../../../electron/engine/schedule/plan';
import { hourRecords } from '../../../../electron/engine/store/hour-records';
import type { IndexEntry } from '../../../../electron/engine/store/job-index';
import { connection, project } from '../../../../shared/model/entities';

const conn = connection.parse({
  id: 'cn_abcdefgh',
  name: 'c',
  projectId: 7,
  destination: { type: 'folder', path: '/tmp/x' },
  datasets: ['events'],
  enabled: true,
  scheduleFrom: '2026-03-01T00',
  createdAt: '2026-03-01T00:00:00Z',
  updatedAt: '2026-03-01T00:00:00Z',
});
const proj = project.parse({
  id: 7,
  orgId: 1,
  name: 'p',
  kind: 'standard',
  source: { type: 'demo' },
  createdAt: '2026-03-01T00:00:00Z',
  updatedAt: '2026-03-01T00:00:00Z',
});
const failed = (hour: string, at: string): IndexEntry => ({
  id: `j_${hour}`,
  connectionId: conn.id,
  dataset: 'events',
  hour,
  status: 'failed',
  trigger: 'scheduled',
  cancelledBy: null,
  errorKind: 'config',
  createdAt: at,
  updatedAt: at,
  finishedAt: at,
  events: null,
  bytes: null,
  month: hour.slice(0, 7),
});
const plan = (entries: IndexEntry[], now: string) =>
  planConnection(conn, proj, hourRecords(entries), Date.parse(now), () => false);

describe('the schedule plan', () => {
  it('tries a failed hour again an hour after its last try', () => {
    const entries = [failed('2026-03-01T02', '2026-03-01T03:10:00Z')];
    expect(plan(entries, '2026-03-01T03:30:00Z').due).toEqual([
      { hour: '2026-03-01T00', dataset: 'events' },
      { hour: '2026-03-01T01', dataset: 'events' },
    ]);
    expect(plan(entries, '2026-03-01T04:15:00Z').due.map((d) => d.hour)).toContain('2026-03-01T02');
  });

  it('is not held back by a try recorded in the future (made while the clock ran ahead)', () => {
    // Recorded at 2026-03-02T09:00 by a clock 30 h ahead; the clock is right now.
    const entries = [failed('2026-03-01T02', '2026-03-02T09:00:00Z')];
    expect(plan(entries, '2026-03-01T03:30:00Z').due.map((d) => d.hour)).toEqual([
      '2026-03-01T00',
      '2026-03-01T01',
      '2026-03-01T02',
    ]);
  });
});
