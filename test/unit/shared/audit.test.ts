import { describe, expect, it } from 'vitest';
import { contract } from '../../../shared/api/contract';
import {
  AUDIT_ACTION_WORDS,
  auditActionWords,
  auditOutcome,
  auditOutcomeWords,
  auditTargetHref,
} from '../../../shared/model/audit';

describe('the audit log as the console shows it', () => {
  it('has words for every method that changes something, and for nothing else', () => {
    const changing = Object.entries(contract)
      .filter(([, spec]) => spec.mutates)
      .map(([method]) => method)
      .sort();
    expect(Object.keys(AUDIT_ACTION_WORDS).sort()).toEqual(changing);
    expect(auditActionWords('jobs.retry')).toBe('Retry a job');
    expect(auditActionWords('future.method')).toBe('future.method');
  });

  it('names how a call ended from its stored result', () => {
    expect(['ok', 'refused', 'validation', 'upstream'].map(auditOutcome)).toEqual([
      'ok',
      'refused',
      'failed',
      'failed',
    ]);
    expect(['ok', 'refused', 'not_found', 'someday'].map(auditOutcomeWords)).toEqual([
      'Done',
      'Refused (role)',
      'Failed: not found',
      'Failed: someday',
    ]);
  });

  it('links the record an entry names, and only ids of the expected shape', () => {
    const href = (method: string, target: string | null, result = 'ok') =>
      auditTargetHref({ method, target, result });
    expect(href('connections.update', 'cn_ab12')).toBe('#/connections/cn_ab12');
    expect(href('jobs.retry', 'j_0mi3x9k2a_0a1b2c3d')).toBe('#/jobs?job=j_0mi3x9k2a_0a1b2c3d');
    expect(href('backups.restore', 'bk_20261204101500_a1b2c3')).toBe(
      '#/backups?id=bk_20261204101500_a1b2c3',
    );
    expect(href('orgs.update', '42')).toBe('#/organizations/42');
    expect(href('projects.update', '7')).toBe('#/projects/7/edit');
    // Gone, or not an id of ours: shown as text, never followed.
    expect(href('orgs.delete', '42')).toBeNull();
    expect(href('connections.delete', 'cn_ab12')).toBeNull();
    expect(href('backfills.cancel', 'bf_x_1')).toBeNull();
    expect(href('jobs.retry', '../settings')).toBeNull();
    expect(href('backups.restore', 'javascript:alert(1)')).toBeNull();
    expect(href('orgs.update', null)).toBeNull();
    expect(href('connections.update', 'cn_ab12', 'not_found')).toBeNull();
    expect(href('connections.update', 'cn_ab12', 'refused')).toBe('#/connections/cn_ab12');
    expect(href('orgs.create', '9', 'refused')).toBeNull();
    expect(href('orgs.create', '9')).toBe('#/organizations/9');
  });
});
