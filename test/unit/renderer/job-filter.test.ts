import { expect, it } from 'vitest';
import { queryTokens, tokensQuery } from '../../../renderer/features/jobs/job-filter';

it('maps the jobs query to property-filter tokens and back', () => {
  const query = {
    connectionId: 'cn_aaaaaaaa',
    status: ['failed' as const, 'queued' as const],
    dataset: 'events' as const,
  };
  const tokens = queryTokens(query, true);
  expect(tokens).toHaveLength(4);
  expect(tokensQuery(tokens)).toEqual(query);
  // On a connection's page the connection is not a token.
  expect(queryTokens(query, false).map((t) => t.propertyKey)).not.toContain('connection');
});

it('keeps one connection and one data set (the newer wins), adds statuses, drops the unknown', () => {
  expect(
    tokensQuery([
      { propertyKey: 'connection', operator: '=', value: 'cn_old' },
      { propertyKey: 'connection', operator: '=', value: 'cn_new' },
      { propertyKey: 'status', operator: '=', value: 'failed' },
      { propertyKey: 'status', operator: '=', value: 'failed' },
      { propertyKey: 'status', operator: '=', value: 'exploded' },
      { propertyKey: 'dataset', operator: '=', value: 'merged-ids' },
      { operator: ':', value: 'free text' },
    ]),
  ).toEqual({ connectionId: 'cn_new', status: ['failed'], dataset: 'merged-ids' });
  expect(tokensQuery([])).toEqual({});
});
