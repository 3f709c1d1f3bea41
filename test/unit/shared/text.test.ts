import { describe, expect, it } from 'vitest';
import { redactUpstream } from '../../../electron/engine/redact';
import { displayName, secureUrlProblem } from '../../../shared/model/fields';
import { terminalSafe, unsafeTextProblem } from '../../../shared/text';

describe('text from people and upstream servers', () => {
  it('names refuse control characters and text-direction overrides, one rule everywhere', () => {
    for (const bad of [
      'Evil\u001b]0;x\u0007',
      'a\u0000b',
      'x\u0001',
      'abc\u202egnp.exe',
      'a\u2066b',
    ])
      expect(displayName('Name').safeParse(bad).error?.issues[0]?.message).toBe(
        'Name must not contain control characters or invisible text-direction marks',
      );
    expect(unsafeTextProblem('Name', 'Ærøskøbing 東京 — ok')).toBeNull();
    expect(displayName('Name').parse('  Acme  ')).toBe('Acme');
  });

  it('prints unsafe characters as visible escapes that stay valid JSON', () => {
    const text = 'Acme\u001b[2J\u202e\u0085';
    expect(terminalSafe(`${text}\n\tok`)).toBe('Acme\\u001b[2J\\u202e\\u0085\n\tok');
    expect(JSON.parse(terminalSafe(JSON.stringify({ name: text }))).name).toBe(text);
  });

  it('redacts credentials from an upstream answer, then caps it', () => {
    const basic = Buffer.from('key-1:secret-1').toString('base64');
    const body = JSON.stringify({
      authorization: `Basic ${basic}`,
      'x-api-key': 'abcd1234',
      note: `password=hunter22 token: tok_123 echoed ${basic} and secret-1 and Bearer eyJhbGciOi.x.y`,
    });
    const out = redactUpstream(body, ['secret-1']);
    for (const secret of [basic, 'secret-1', 'hunter22', 'tok_123', 'abcd1234', 'eyJhbGciOi'])
      expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
    expect(redactUpstream('a\u001bb\nc')).toBe('a b c');
    expect(redactUpstream('x'.repeat(1000))).toHaveLength(300);
    // Ordinary words and ids stay readable.
    expect(redactUpstream('Raw data files were not found for 20200125T05')).toBe(
      'Raw data files were not found for 20200125T05',
    );
  });

  it('accepts https endpoints, and http only to this computer', () => {
    expect(secureUrlProblem('https://amplitude.com')).toBeNull();
    expect(secureUrlProblem('http://127.0.0.1:8080/x')).toBeNull();
    expect(secureUrlProblem('http://localhost:47811/changed')).toBeNull();
    expect(secureUrlProblem('http://[::1]:9/')).toBeNull();
    expect(secureUrlProblem('http://localhost.evil.com/')).toMatch(/^Use https:\/\//);
    expect(secureUrlProblem('http://127.0.0.1.nip.io/')).toMatch(/^Use https:\/\//);
    expect(secureUrlProblem('ftp://amplitude.com')).toMatch(/https:\/\//);
    expect(secureUrlProblem('amplitude.com')).toMatch(/Enter a URL/);
  });
});
