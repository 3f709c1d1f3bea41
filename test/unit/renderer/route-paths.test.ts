import { describe, expect, it } from 'vitest';
import { matchRoute, routeQuery, withQuery } from '../../../renderer/app/route-paths';

describe('route paths', () => {
  it('match a pattern, whatever the query', () => {
    expect(matchRoute('/connections/:id', '/connections/cn_1?job=jb_2')).toEqual({ id: 'cn_1' });
    expect(matchRoute('/connections/:id', '/connections')).toBeNull();
  });

  it('set one query parameter and keep the others', () => {
    expect(withQuery('/jobs', 'job', 'jb_1')).toBe('/jobs?job=jb_1');
    expect(withQuery('/connections?state=failing', 'job', 'jb_1')).toBe(
      '/connections?state=failing&job=jb_1',
    );
    // Set again: replaced, not repeated.
    expect(withQuery('/jobs?job=jb_1', 'job', 'jb_2')).toBe('/jobs?job=jb_2');
    expect(routeQuery(withQuery('/jobs', 'job', 'a b&c')).get('job')).toBe('a b&c');
  });

  it('remove one, and the "?" with the last', () => {
    expect(withQuery('/jobs?job=jb_1', 'job', null)).toBe('/jobs');
    expect(withQuery('/connections?state=failing&job=jb_1', 'job', null)).toBe(
      '/connections?state=failing',
    );
    expect(withQuery('/jobs', 'job', null)).toBe('/jobs');
  });
});
