import { describe, expect, it } from 'vitest';
import { backupAskTarget } from '../../../../electron/engine/aws/backup-ask';
import type { Connection } from '../../../../shared/model/entities';

const connection = {
  id: 'cn_aaaaaaaa',
  destination: {
    type: 's3',
    bucket: 'acme',
    region: 'eu-west-1',
    prefix: 'p/',
    profile: 'prod',
    endpoint: null,
    forcePathStyle: false,
  },
} as unknown as Connection;
const via = {
  profile: 'wizard',
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:5000',
  forcePathStyle: true,
};

describe('who reads and restores a backup', () => {
  it('is whoever took it, before the connection (the wizard applies before saving one)', () => {
    expect(backupAskTarget([connection], { connectionId: 'cn_aaaaaaaa', via }, {})).toEqual({
      ...via,
      mfaCode: undefined,
    });
  });

  it('is the connection for an older backup that does not say, and each given field wins', () => {
    expect(
      backupAskTarget([connection], { connectionId: 'cn_aaaaaaaa' }, { region: 'eu-central-1' }),
    ).toMatchObject({ profile: 'prod', region: 'eu-central-1', endpoint: null });
  });

  it('asks for a profile and Region when nothing says', () => {
    expect(() => backupAskTarget([], { connectionId: null }, {})).toThrow(
      'give the AWS profile and Region',
    );
  });
});
