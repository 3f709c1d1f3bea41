import { describe, expect, it } from 'vitest';
import { contract } from '../../../shared/api/contract';
import { API_METHODS } from '../../../shared/api/methods';
import { roleAllows, roleRefusal } from '../../../shared/model/roles';

const mutates = (m: (typeof API_METHODS)[number]) => contract[m].mutates;

describe('roles', () => {
  it('lets a viewer read every method that changes nothing, and nothing else', () => {
    for (const m of API_METHODS) expect(roleAllows('viewer', m, {}, mutates(m))).toBe(!mutates(m));
  });

  it('lets an operator run exports but not change policies, settings or records', () => {
    for (const m of ['jobs.exportHour', 'jobs.retry', 'backfills.start', 'backfills.cancel'])
      expect(roleAllows('operator', m, {}, true)).toBe(true);
    for (const m of [
      'orgs.create',
      'aws.apply',
      'settings.update',
      'migrations.start',
      'backups.restore',
    ])
      expect(roleAllows('operator', m, {}, true)).toBe(false);
    expect(roleAllows('operator', 'connections.update', { id: 'c', enabled: false }, true)).toBe(
      true,
    );
    expect(
      roleAllows('operator', 'connections.update', { id: 'c', enabled: true, name: 'x' }, true),
    ).toBe(false);
    expect(roleAllows('operator', 'connections.update', { id: 'c' }, true)).toBe(false);
    expect(roleAllows('operator', 'connections.update', null, true)).toBe(false);
  });

  it('lets an admin call everything', () => {
    for (const m of API_METHODS) expect(roleAllows('admin', m, {}, mutates(m))).toBe(true);
  });

  it('says who was refused and what the role allows', () => {
    expect(roleRefusal('alice', 'viewer', 'orgs.create')).toBe(
      'alice is a viewer and may not call orgs.create: viewers read, and change nothing. Ask a team admin.',
    );
    expect(roleRefusal('bob', 'operator', 'aws.apply')).toMatch(/^bob is an operator/);
  });
});
