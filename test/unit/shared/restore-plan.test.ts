import { describe, expect, it } from 'vitest';
import { connectionSidPrefix, TRUST_SID } from '../../../shared/aws/policies';
import { planRestore, type PlanConnection } from '../../../shared/aws/restore-plan';

const A: PlanConnection = { id: 'cn_alpha', name: 'alpha', enabled: true };
const B: PlanConnection = { id: 'cn_beta', name: 'beta', enabled: true };
const sid = (c: PlanConnection, part: string) => `${connectionSidPrefix(c.id)}${part}`;
const stmt = (Sid: string | undefined, Action = 's3:PutObject') => ({
  ...(Sid && { Sid }),
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::1:root' },
  Action,
  Resource: 'arn:aws:s3:::b/*',
});
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const sids = (text: string | null) =>
  text === null
    ? null
    : (JSON.parse(text) as { Statement: { Sid?: string; Action: string }[] }).Statement.map(
        (s) => s.Sid ?? s.Action,
      );

describe('restoring a bucket policy', () => {
  it('"there was none": removes only the backup connection’s statements; a colleague’s and another live connection’s stay', () => {
    const now = doc(
      stmt(sid(A, 'Write')),
      stmt('ColleagueReads', 's3:GetObject'),
      stmt(sid(B, 'Write')),
      stmt(undefined, 's3:ListBucket'),
    );
    const plan = planRestore({
      kind: 'bucket-policy',
      kept: null,
      now,
      mode: 'ferry',
      backupConnectionId: A.id,
      connections: [A, B],
    });
    expect(sids(plan.document)).toEqual(['ColleagueReads', sid(B, 'Write'), 's3:ListBucket']);
    expect(plan.removed.map((n) => [n.label, n.why])).toEqual([
      [sid(A, 'Write'), 'added since for "alpha", which exports with it: it loses this access'],
    ]);
    expect(plan.kept.map((n) => n.label)).toEqual([
      'ColleagueReads',
      sid(B, 'Write'),
      'Allow s3:ListBucket on arn:aws:s3:::b/*',
    ]);
    expect(plan.lostIfWhole.map((n) => n.why)).toEqual([
      'not Ferry’s: someone else added it',
      'connection "beta" exports with it and loses this access',
      'not Ferry’s: someone else added it',
    ]);
  });

  it('"there was none" and only Ferry’s statements of gone connections: the policy is removed', () => {
    const plan = planRestore({
      kind: 'bucket-policy',
      kept: null,
      now: doc(stmt(sid(A, 'Write')), stmt(sid(B, 'List'))),
      mode: 'ferry',
      backupConnectionId: A.id,
      connections: [],
    });
    expect(plan.document).toBeNull();
    expect(plan.removed.map((n) => n.why)).toEqual([
      'Ferry’s, for no connection Ferry has (deleted, or never saved)',
      'Ferry’s, for no connection Ferry has (deleted, or never saved)',
    ]);
  });

  it('puts back the backup’s statements as they were, keeps what came later from others', () => {
    const kept = doc(stmt('Owner', 's3:GetObject'), stmt(sid(A, 'Write')));
    const now = doc(
      stmt('Owner', 's3:*'), // changed since: the backup's version goes back
      stmt(sid(B, 'Write')), // another connection applied it since
      stmt('Colleague', 's3:GetObject'),
    );
    const plan = planRestore({
      kind: 'bucket-policy',
      kept,
      now,
      mode: 'ferry',
      backupConnectionId: 'cn_migration',
      connections: [A, B],
    });
    const written = JSON.parse(plan.document!) as { Statement: { Sid: string; Action: string }[] };
    expect(written.Statement.map((s) => [s.Sid, s.Action])).toEqual([
      ['Owner', 's3:GetObject'],
      [sid(B, 'Write'), 's3:PutObject'],
      ['Colleague', 's3:GetObject'],
      [sid(A, 'Write'), 's3:PutObject'],
    ]);
    expect(plan.putBack.map((n) => [n.label, n.why])).toEqual([
      ['Owner', 'changed since: put back'],
      [sid(A, 'Write'), 'missing: put back'],
    ]);
    expect(plan.removed).toEqual([]);
  });

  it('"replace the whole document" writes the backup as it was and lists every statement lost', () => {
    const kept = doc(stmt('Owner'));
    const now = doc(stmt('Owner'), stmt(sid(B, 'Write')), stmt('Colleague'));
    const plan = planRestore({
      kind: 'bucket-policy',
      kept,
      now,
      mode: 'whole',
      backupConnectionId: A.id,
      connections: [A, B],
    });
    expect(plan.document).toBe(kept);
    expect(plan.removed.map((n) => n.label)).toEqual([sid(B, 'Write'), 'Colleague']);
    expect(plan.lostIfWhole).toEqual([]);
  });

  it('the admin trust statement is Ferry’s; the default encryption is put back whole', () => {
    const plan = planRestore({
      kind: 'role-trust',
      kept: doc(stmt('Owner', 'sts:AssumeRole')),
      now: doc(stmt('Owner', 'sts:AssumeRole'), stmt(TRUST_SID, 'sts:AssumeRole')),
      mode: 'ferry',
      backupConnectionId: A.id,
      connections: [A],
    });
    expect(sids(plan.document)).toEqual(['Owner']);
    const encryption = '{"Rules":[]}';
    expect(
      planRestore({
        kind: 'bucket-encryption',
        kept: encryption,
        now: '{"Rules":[{}]}',
        mode: 'ferry',
        backupConnectionId: null,
        connections: [],
      }).document,
    ).toBe(encryption);
  });
});
