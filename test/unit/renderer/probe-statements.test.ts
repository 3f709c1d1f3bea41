import { describe, expect, it } from 'vitest';
import { placeStatements } from '../../../renderer/features/common/probe-statements';
import type { Probe } from '../../../shared/model/aws';

const put = {
  Sid: 'FerryPut',
  Effect: 'Allow' as const,
  Action: ['s3:PutObject'],
  Resource: 'arn:aws:s3:::b/*',
};
const list = {
  Sid: 'FerryList',
  Effect: 'Allow' as const,
  Action: ['s3:ListBucket'],
  Resource: 'arn:aws:s3:::b',
};

const probe = (id: Probe['id'], label: string, statement: Probe['statement']): Probe => ({
  id,
  label,
  status: statement ? 'failed' : 'passed',
  detail: statement ? 'Refused' : 'OK',
  missingPermission: null,
  statement,
  fix: null,
  field: null,
});

describe('where the access check draws each policy statement', () => {
  it('draws a statement once, under the first probe that needs it; the others point up to it', () => {
    const places = placeStatements([
      probe('location', 'Find the bucket', null),
      probe('put', 'Write an object', put),
      probe('list', 'List objects', list),
      probe('multipart', 'Write in parts', { ...put }),
      probe('abort', 'Abort an upload', put),
    ]);
    expect(places).toEqual([
      null,
      { show: JSON.stringify(put, null, 2) },
      { show: JSON.stringify(list, null, 2) },
      { sameAs: 'Write an object' },
      { sameAs: 'Write an object' },
    ]);
  });

  it('draws statements that differ in any part each in full', () => {
    const other = { ...put, Resource: 'arn:aws:s3:::b/other/*' };
    expect(placeStatements([probe('put', 'A', put), probe('multipart', 'B', other)])).toEqual([
      { show: JSON.stringify(put, null, 2) },
      { show: JSON.stringify(other, null, 2) },
    ]);
  });
});
