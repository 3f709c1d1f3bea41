import { describe, expect, it } from 'vitest';
import type { Project } from '../../../shared/model/entities';
import {
  connectionOf,
  initialDraft,
  stepErrors,
  targetOf,
  wizardFields,
} from '../../../renderer/features/setup/wizard/draft';

const ID = 'cn_abcd1234';
const project = { id: 187520, name: 'Web', kind: 'standard' } as Project;
const filled = {
  ...initialDraft('187520'),
  name: 'prod-events',
  // No profile is assumed by the draft: the admin names one (ProfileField may fill "default").
  profile: 'default',
  bucket: 'acme-exports',
  prefix: 'amplitude/',
};

describe('the setup wizard draft', () => {
  it('asks for a name and a project before leaving the first step, and refuses a portfolio', () => {
    expect(stepErrors('data', initialDraft(''), ID, undefined)).toMatchObject({
      projectId: 'Choose the project to export',
    });
    expect(stepErrors('data', filled, ID, project)).toBeNull();
    expect(stepErrors('data', filled, ID, { ...project, kind: 'portfolio' })).toEqual({
      projectId: 'Portfolio projects can not be export sources',
    });
  });

  it('checks the bucket step with the setup rules, region included', () => {
    expect(stepErrors('bucket', filled, ID, project)).toBeNull();
    expect(stepErrors('bucket', initialDraft('187520'), ID, project)).toHaveProperty('profile');
    expect(stepErrors('bucket', { ...filled, bucket: 'Not_A_Bucket' }, ID, project)).toHaveProperty(
      'bucket',
    );
    expect(stepErrors('bucket', { ...filled, region: 'mars-1' }, ID, project)).toHaveProperty(
      'region',
    );
  });

  it('encrypts with the key when one is given, else keeps the bucket default', () => {
    expect(targetOf(filled, ID)).toMatchObject({ sse: 'bucket-default', kmsKeyArn: null });
    const key = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(targetOf({ ...filled, kmsKeyArn: key }, ID)).toMatchObject({
      sse: 'aws:kms',
      kmsKeyArn: key,
    });
  });

  it('exports as the project role in the role form once the account is known', () => {
    const legacy = connectionOf(filled, ID, { account: '111122223333', project });
    expect(legacy.destination).toMatchObject({ type: 's3', roleArn: null });
    const role = connectionOf({ ...filled, form: 'role', data: 'both' }, ID, {
      account: '111122223333',
      project,
    });
    expect(role).toMatchObject({
      id: ID,
      datasets: ['events', 'merged-ids'],
      destination: { roleArn: 'arn:aws:iam::111122223333:role/ferry-export-187520' },
    });
    expect(
      connectionOf({ ...filled, form: 'role' }, ID, { account: undefined, project }).destination,
    ).toMatchObject({ roleArn: null });
  });

  it('puts an action’s field errors under the wizard’s field names', () => {
    expect(wizardFields({ 'target.bucket': 'b', 'destination.region': 'r', _: 'x' })).toEqual({
      bucket: 'b',
      region: 'r',
      _: 'x',
    });
  });
});
