import { describe, expect, it } from 'vitest';
import { jobsCounter, queryTokens, tokensQuery } from '../../../renderer/features/jobs/job-filter';

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

describe('the count beside the job history’s title', () => {
  it('is the total once read, and nothing while it can not be read', () => {
    expect(jobsCounter('ready', 1234, 50)).toBe('(1,234)');
    expect(jobsCounter('ready', 0, 0)).toBe('(0)');
    // Disconnected: no "(0)" above "Could not read the job history".
    expect(jobsCounter('error', 0, 0)).toBeUndefined();
    expect(jobsCounter('loading', 0, 0)).toBeUndefined();
    // What was read before stays counted while a new read is on its way or failed.
    expect(jobsCounter('error', 12, 12)).toBe('(12)');
  });
});
