import { describe, expect, it } from 'vitest';
import { redirectTarget } from '../../../../electron/engine/sources/redirects';

describe('which redirects an Amplitude download follows', () => {
  const from = (url: string) => new URL(url);
  const followed = (at: string, location: string) => {
    const next = redirectTarget(from(at), location);
    return 'target' in next ? next.target.href : null;
  };

  it('follows https anywhere, and http between addresses of this computer', () => {
    expect(followed('https://amplitude.com/api/2/export', 'https://cdn.example/x.zip')).toBe(
      'https://cdn.example/x.zip',
    );
    expect(followed('https://amplitude.com/api/2/export?a=1', '/api/2/export?b=2')).toBe(
      'https://amplitude.com/api/2/export?b=2',
    );
    expect(followed('http://127.0.0.1:8080/api/2/export', 'http://localhost:9090/z')).toBe(
      'http://localhost:9090/z',
    );
    expect(followed('http://[::1]:8080/a', 'https://amplitude.com/a')).toBe(
      'https://amplitude.com/a',
    );
  });

  it('refuses plain http elsewhere, http from https, other schemes, user info and no address', () => {
    const refusals = [
      ['https://amplitude.com/a', 'http://169.254.169.254/latest/meta-data/'],
      ['http://127.0.0.1:8080/a', 'http://10.0.0.5/admin'],
      // From https to this computer's own services: a downgrade, and not the endpoint's.
      ['https://amplitude.com/a', 'http://localhost:8080/api/jobs'],
      ['https://amplitude.com/a', 'file:///etc/passwd'],
      ['https://amplitude.com/a', 'https://user:pass@amplitude.com/a'],
      ['https://amplitude.com/a', 'http://[not a host'],
    ] as const;
    for (const [at, location] of refusals)
      expect(redirectTarget(from(at), location), location).toHaveProperty('refused');
    expect(redirectTarget(from('https://amplitude.com/a'), null)).toEqual({
      refused: 'the redirect names no address',
    });
    expect(redirectTarget(from('https://amplitude.com/a'), 'http://169.254.169.254/x')).toEqual({
      refused: 'Ferry follows redirects to https:// addresses only',
      to: 'http://169.254.169.254',
    });
  });
});
