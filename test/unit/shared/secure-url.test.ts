import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { secureUrlProblem } from '../../../shared/model/fields';

/** Pieces an attacker (or a careless paste) puts together, including what parsers disagree on. */
const piece = fc.constantFrom(
  'http://',
  'https://',
  'HTTP://',
  'http:',
  'https:',
  'http:/',
  '//',
  '/',
  '\\',
  '%5c',
  '%2f',
  '@',
  ':',
  '#',
  '?',
  '.',
  '[',
  ']',
  '::1',
  '127.0.0.1',
  '127.1',
  '0x7f000001',
  'localhost',
  'attacker.example',
  'amplitude.com',
  'user',
  'pass',
  '8080',
  '%40',
  '%2e',
  '\t',
  ' ',
  'a',
);
const candidate = fc.array(piece, { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));

describe('URLs credentials are sent to', () => {
  it('accepted only when the request goes where the secret is bound: https, or http to this computer', () => {
    fc.assert(
      fc.property(candidate, (s) => {
        if (secureUrlProblem(s) !== null) return;
        const url = new URL(s); // accepted: it parses
        expect(url.username + url.password).toBe('');
        // The secret is bound to this origin (secret-binding.ts); the request the source builds
        // from the same text goes to the very same origin.
        const request = new URL(`${s.replace(/\/+$/, '')}/api/2/export?start=20260101T00`);
        expect(request.origin).toBe(url.origin);
        if (url.protocol === 'http:')
          expect(['localhost', '127.0.0.1', '[::1]']).toContain(url.hostname);
        else expect(url.protocol).toBe('https:');
      }),
      { numRuns: 20_000, seed: 20261202 },
    );
  });

  it('refuses the backslash and user-info tricks', () => {
    for (const trick of [
      'http://attacker.example\\@127.0.0.1/',
      'http://attacker.example%5c@127.0.0.1/',
      'http://user:pass@127.0.0.1/',
      'https://user@amplitude.com/',
      'http://127.0.0.1\\.attacker.example/',
      'http://localhost\t.attacker.example/',
      'http:127.0.0.1/',
    ])
      expect(secureUrlProblem(trick), trick).not.toBeNull();
    expect(secureUrlProblem('http://attacker.example\\@127.0.0.1/')).toMatch(/backslashes/);
    expect(secureUrlProblem('http://attacker.example%5c@127.0.0.1/')).toMatch(/user names/);
    for (const fine of ['https://amplitude.com', 'http://127.0.0.1:8080/x', 'http://[::1]:9/'])
      expect(secureUrlProblem(fine), fine).toBeNull();
  });
});
