import { describe, expect, it } from 'vitest';
import { migrationRefusal } from '../../../shared/model/migration';

const s3 = (extra: { roleArn?: string | null; kmsKeyArn?: string | null } = {}) => ({
  type: 's3',
  roleArn: null,
  kmsKeyArn: null,
  ...extra,
});
const ROLE = 'arn:aws:iam::111122223333:role/team-exports';
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('which connections a KMS migration is for', () => {
  it('an S3 connection writing as the profile, with or without a key', () => {
    expect(migrationRefusal({ name: 'web', destination: s3() })).toBeNull();
    expect(migrationRefusal({ name: 'web', destination: s3({ kmsKeyArn: KEY }) })).toBeNull();
  });

  it('not one that already writes as a role: it says how to add KMS instead', () => {
    expect(migrationRefusal({ name: 'web', destination: s3({ roleArn: ROLE }) })).toEqual({
      code: 'validation',
      message: `"web" already exports as a role (${ROLE}); to encrypt with KMS, edit its encryption and apply the key policy`,
    });
    expect(
      migrationRefusal({ name: 'web', destination: s3({ roleArn: ROLE, kmsKeyArn: KEY }) }),
    ).toMatchObject({ code: 'validation', message: expect.stringContaining('nothing to migrate') });
  });

  it('not a folder, nor the new connection of an unfinished migration', () => {
    expect(migrationRefusal({ name: 'local', destination: { type: 'folder' } })?.message).toBe(
      '"local" exports to a folder; only S3 connections move to KMS and a role',
    );
    expect(
      migrationRefusal({ name: 'web (KMS)', destination: s3(), replaces: 'cn_old' }),
    ).toMatchObject({ code: 'conflict' });
  });
});
