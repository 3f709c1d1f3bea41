import { describe, expect, it } from 'vitest';
import { planConnection } from '../../../../electron/engine/schedule/plan';
import { hourRecords } from '../../../../electron/engine/store/hour-records';
import { connectionStatus } from '../../../../electron/engine/schedule/status';
import { connection, project } from '../../../../shared/model/entities';

const base = {
  id: 'cn_abcdefgh',
  name: 'prod',
  projectId: 7,
  datasets: ['events'],
  enabled: true,
  scheduleFrom: '2026-03-01T00',
  createdAt: '2026-03-01T00:00:00Z',
  updatedAt: '2026-03-01T00:00:00Z',
};
const s3 = connection.parse({
  ...base,
  destination: { type: 's3', bucket: 'acme', region: 'us-east-1', prefix: 'a/', profile: 'p' },
});
const folder = connection.parse({ ...base, destination: { type: 'folder', path: '/tmp/x' } });
const proj = project.parse({
  id: 7,
  orgId: 1,
  name: 'p',
  kind: 'standard',
  source: { type: 'demo' },
  createdAt: '2026-03-01T00:00:00Z',
  updatedAt: '2026-03-01T00:00:00Z',
});
const status = (
  c: typeof s3,
  access?: Parameters<typeof connectionStatus>[7],
  exported = false,
) => {
  const entries = exported
    ? [
        {
          id: 'j1',
          connectionId: c.id,
          dataset: 'events' as const,
          hour: '2026-03-01T00',
          status: 'succeeded' as const,
          trigger: 'scheduled' as const,
          cancelledBy: null,
          errorKind: null,
          createdAt: '2026-03-01T01:00:00Z',
          updatedAt: '2026-03-01T01:00:00Z',
          finishedAt: '2026-03-01T01:00:00Z',
          events: 1,
          bytes: 1,
          month: '2026-03',
        },
      ]
    : [];
  const plan = planConnection(
    c,
    proj,
    hourRecords(entries),
    Date.parse('2026-03-01T01:30:00Z'),
    () => true,
  );
  return connectionStatus(
    c,
    plan,
    { queued: 0, running: 0 },
    undefined,
    [],
    () => undefined,
    [],
    access,
  );
};

describe('a connection not verified', () => {
  it('is said so while enabled with no passing check and nothing exported, with the way to verify', () => {
    expect(status(s3)).toMatchObject({
      state: 'not-verified',
      reason: 'Access to s3://acme/a/ was never checked, and no hour has been exported yet.',
      fix: expect.stringMatching(
        /^Verify access \("Verify access" on the connection's page, or ferry verify prod\)/,
      ),
    });
    const failed = {
      ok: false,
      checkedAt: '2026-03-01T00:40:00.000Z',
      failed: [{ title: 'Write an object', missingPermission: 's3:PutObject' }],
    };
    expect(status(s3, failed)).toMatchObject({
      state: 'not-verified',
      reason:
        'The access check of 2026-03-01 00:40 UTC failed: Write an object (s3:PutObject), and no hour has been exported yet.',
    });
  });

  it('is healthy once a check passed or an hour was exported; a folder needs no check', () => {
    expect(status(s3, { ok: true, checkedAt: '2026-03-01T00:40:00.000Z', failed: [] }).state).toBe(
      'healthy',
    );
    expect(status(s3, undefined, true).state).toBe('healthy');
    expect(status(folder).state).toBe('healthy');
  });
});
