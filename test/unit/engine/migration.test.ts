import { describe, expect, it } from 'vitest';
import { connection, type Connection } from '../../../shared/model/entities';
import { hourIndex } from '../../../shared/model/export-format';
import {
  currentStep,
  markStep,
  newMigration,
  rollbackRefusal,
  takeOverHour,
} from '../../../electron/engine/migration/checklist';
import { principalArn, sameKey } from '../../../electron/engine/migration/aws-checks';
import { runbook } from '../../../electron/engine/migration/runbook';
import { hourRecords } from '../../../electron/engine/store/hour-records';
import type { IndexEntry } from '../../../electron/engine/store/job-index';
import type { MigrationView } from '../../../shared/model/migration';

const NOW = '2026-03-02T10:00:00.000Z';

function legacy(extra: Partial<Connection> = {}): Connection {
  return connection.parse({
    id: 'cn_oldoldol',
    name: 'legacy',
    projectId: 187520,
    destination: {
      type: 's3',
      bucket: 'acme',
      region: 'us-east-1',
      prefix: 'amplitude/',
      profile: 'default',
    },
    datasets: ['events'],
    enabled: true,
    scheduleFrom: '2026-03-01T00',
    createdAt: NOW,
    updatedAt: NOW,
    ...extra,
  });
}

/** A migration as the runbook reads it: rollback possible, no gap, no backups unless given. */
function viewOf(
  m: ReturnType<typeof newMigration>,
  extra: Partial<MigrationView> & Pick<MigrationView, 'current'>,
): MigrationView {
  return { ...m, canRollback: true, rollbackRefused: null, gap: null, backups: [], ...extra };
}

/** History entries: hour → status, one dataset. */
function records(hours: Record<string, 'succeeded' | 'failed'>) {
  const entries = Object.entries(hours)
    .sort(([a], [b]) => b.localeCompare(a))
    .map(
      ([hour, status]) =>
        ({
          id: `j${hour}`,
          connectionId: 'cn_oldoldol',
          dataset: 'events',
          hour,
          status,
          trigger: 'scheduled',
          createdAt: NOW,
          updatedAt: NOW,
        }) as unknown as IndexEntry,
    );
  return hourRecords(entries);
}

describe('the migration checklist', () => {
  it('goes step by step; step 10 finishes it and then rollback is refused', () => {
    const m = newMigration({
      id: 'mg_1',
      old: legacy(),
      newConnectionId: 'cn_newnewne',
      newConnectionName: 'legacy (KMS)',
      now: NOW,
    });
    expect(currentStep(m)).toBe('prerequisites');
    expect(m.oldWasEnabled).toBe(true);
    markStep(m, 'prerequisites', 'failed', 'denied', NOW);
    expect(currentStep(m)).toBe('prerequisites'); // a failed step stays current: try again
    expect(rollbackRefusal(m)).toBeNull();
    for (const step of m.steps.slice(0, 9)) markStep(m, step.id, 'done', 'ok', NOW);
    expect(currentStep(m)).toBe('delete-old');
    expect(m.state).toBe('in-progress');
    markStep(m, 'delete-old', 'done', 'deleted', NOW);
    expect(m.state).toBe('finished');
    expect(currentStep(m)).toBeNull();
    expect(rollbackRefusal(m)).toMatch(/can no longer be rolled back/);
    m.state = 'rolled-back';
    expect(rollbackRefusal(m)).toMatch(/rolled back already/);
  });

  it('takes over from the first hour the old connection did not export', () => {
    const latestDue = hourIndex('2026-03-01T09');
    // Exported 00–05: the new connection starts at 06.
    const all: Record<string, 'succeeded'> = {};
    for (let h = 0; h <= 5; h++) all[`2026-03-01T0${h}`] = 'succeeded';
    expect(takeOverHour(legacy(), records(all), latestDue, '2026-03-01T10')).toBe('2026-03-01T06');
    // 03 failed within the catch-up window: it is the new connection's to export.
    expect(
      takeOverHour(
        legacy(),
        records({ ...all, '2026-03-01T03': 'failed' }),
        latestDue,
        '2026-03-01T10',
      ),
    ).toBe('2026-03-01T03');
    // Never exported anything: from where its schedule began.
    expect(takeOverHour(legacy(), records({}), latestDue, '2026-03-01T10')).toBe('2026-03-01T00');
    expect(
      takeOverHour(legacy({ scheduleFrom: null }), records({}), latestDue, '2026-03-01T10'),
    ).toBe('2026-03-01T10');
    // A gap older than the old connection's window stays its own (it was shown there already).
    const old = legacy({ schedule: { settleMinutes: 0, lookbackHours: 2, accessTries: 5 } });
    const late = records({ '2026-03-01T08': 'succeeded', '2026-03-01T09': 'succeeded' });
    expect(takeOverHour(old, late, latestDue, '2026-03-01T10')).toBe('2026-03-01T10');
  });

  it('names the principal IAM simulates, and matches key ids as S3 reports them', () => {
    expect(principalArn('arn:aws:sts::111122223333:assumed-role/Admin/alice')).toBe(
      'arn:aws:iam::111122223333:role/Admin',
    );
    expect(principalArn('arn:aws:iam::111122223333:user/bob')).toBe(
      'arn:aws:iam::111122223333:user/bob',
    );
    const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd';
    expect(sameKey(arn, arn)).toBe(true);
    expect(sameKey('1234abcd', arn)).toBe(true);
    expect(sameKey('arn:aws:kms:us-east-1:111122223333:key/other', arn)).toBe(false);
    expect(sameKey(null, arn)).toBe(false);
  });

  it('writes a runbook with every step, each backup’s document, and how to undo it', () => {
    const m = newMigration({
      id: 'mg_2',
      old: legacy(),
      newConnectionId: 'cn_newnewne',
      newConnectionName: 'legacy | KMS',
      now: NOW,
    });
    markStep(m, 'prerequisites', 'done', 'all | good', NOW);
    const view = viewOf(m, {
      current: 'key',
      gap: { from: '2026-03-01T03', to: '2026-03-01T08', hours: 6 },
      backups: [
        {
          id: 'bk_1',
          kind: 'bucket-policy',
          target: 's3://acme',
          file: 'bk_1-bucket-policy.json',
          takenAt: NOW,
          connectionId: 'cn_oldoldol',
          existed: true,
          reason: 'before KMS migration mg_2',
        },
        {
          id: 'bk_2',
          kind: 'bucket-encryption',
          target: 's3://acme',
          file: 'bk_2-bucket-encryption.json',
          takenAt: NOW,
          connectionId: 'cn_oldoldol',
          existed: false,
          reason: 'before KMS migration mg_2',
        },
      ],
    });
    const text = runbook(
      view,
      new Map([
        ['bk_1', '{"Version":"2012-10-17"}'],
        ['bk_2', null],
      ]),
      NOW,
    );
    expect(text).toContain('# KMS migration mg_2');
    expect(text).toContain(
      '| 1 | Check prerequisites | done | 2026-03-02 10:00 UTC | all \\| good |',
    );
    expect(text).toContain('| 2 | Create or pick a KMS key | pending ← next |');
    expect(text).toContain('```json\n{"Version":"2012-10-17"}\n```');
    expect(text).toContain('There was none: restoring removes what Ferry put there.');
    expect(text).toContain('ferry backfill cn_newnewne --from 2026-03-01T03 --to 2026-03-01T08');
    expect(text).toContain('ferry migrate rollback cn_oldoldol');
    expect(text.split('\n').filter((l) => l.startsWith('| ')).length).toBe(11);
  });

  it('shows names and upstream text literally: no HTML, link or fence from them', () => {
    const m = newMigration({
      id: 'mg_3',
      old: { ...legacy(), name: '<img src=x onerror=alert(1)>' },
      newConnectionId: 'cn_newnewne',
      newConnectionName: '[click](javascript:alert(1))',
      now: NOW,
    });
    markStep(m, 'prerequisites', 'failed', 'denied `x` <script>alert(1)</script>', NOW);
    const text = runbook(viewOf(m, { current: 'prerequisites' }), new Map(), NOW);
    // Every < [ ] ( of them escaped: Markdown shows them as text.
    expect(text).not.toMatch(/(^|[^\\])<(img|script)|[^\\]\]\(javascript:/m);
    expect(text).toContain('**\\<img src=x onerror=alert\\(1\\)\\>**');
    expect(text).toContain('\\[click\\]\\(javascript:alert\\(1\\)\\)');
  });
});
