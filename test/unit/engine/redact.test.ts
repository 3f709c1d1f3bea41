import { afterEach, describe, expect, it } from 'vitest';
import {
  forgetHeldSecrets,
  heldSecrets,
  holdSecret,
  MAX_HELD,
  redactDeep,
  redactSecrets,
  redactUpstream,
} from '../../../electron/engine/redact';

const SECRET = 'pa$$ w"rd/+é';

describe('the redaction gate', () => {
  afterEach(() => forgetHeldSecrets());

  it('takes a held secret out in every form an upstream echoes it', () => {
    holdSecret(SECRET);
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const echoes = [
      `raw ${SECRET} end`,
      `json ${JSON.stringify({ p: SECRET })}`,
      `url ?p=${encodeURIComponent(SECRET)}`,
      `form p=${encodeURIComponent(SECRET).replace(/%20/g, '+')}`,
      `base64 ${b64(SECRET)}`,
      `base64url ${Buffer.from(SECRET).toString('base64url')}`,
      // SMTP AUTH PLAIN: \0user\0password, base64 — at any alignment of the secret.
      `535 5.7.8 AUTH PLAIN ${b64(`\0ferry@example.com\0${SECRET}`)} refused`,
      `AUTH PLAIN ${b64(`\0u\0${SECRET}`)}`,
      `Basic ${b64(`user:${SECRET}`)}`,
    ];
    for (const echo of echoes) {
      expect(redactSecrets(echo), echo).toContain('[redacted]');
      for (const form of [SECRET, encodeURIComponent(SECRET), b64(SECRET).slice(0, 12)])
        expect(redactSecrets(echo), echo).not.toContain(form);
      expect(redactUpstream(echo), echo).not.toContain(SECRET);
    }
  });

  it('changes nothing else, and nothing at all before a secret is held', () => {
    const text = 'Bucket acme-data: 1,024 objects; profile default; password reset link';
    expect(redactSecrets(text)).toBe(text);
    holdSecret('x'); // too short to be told from ordinary text: not held
    holdSecret(SECRET);
    expect(redactSecrets(text)).toBe(text);
  });

  it('walks answers and events, copying only what it changes', () => {
    const answer = { jobs: [{ id: 'j1', error: { message: `refused ${SECRET}` } }], n: 3 };
    expect(redactDeep(answer)).toBe(answer); // nothing held: the same object
    holdSecret(SECRET);
    const out = redactDeep(answer);
    expect(out.jobs[0]?.error.message).toBe('refused [redacted]');
    expect(out.n).toBe(3);
    expect(answer.jobs[0]?.error.message).toBe(`refused ${SECRET}`);
  });

  it("keeps Ferry's own names of secrets whole", () => {
    expect(redactUpstream('amplitude-secret-key:187520 is not stored')).toBe(
      'amplitude-secret-key:187520 is not stored',
    );
    expect(redactUpstream('password: 123456')).toBe('password: [redacted]');
  });

  it('holds a bounded number: the one held longest goes first, one held again stays', () => {
    holdSecret('static-secret-key');
    for (let hour = 0; hour < MAX_HELD * 3; hour++) {
      holdSecret(`session-token-${hour}`);
      holdSecret('static-secret-key'); // used again every hour: never the oldest
    }
    expect(heldSecrets()).toHaveLength(MAX_HELD);
    expect(heldSecrets()).toContain('static-secret-key');
    expect(heldSecrets()).toContain(`session-token-${MAX_HELD * 3 - 1}`);
    expect(heldSecrets()).not.toContain('session-token-0');
    expect(redactSecrets(`token session-token-${MAX_HELD * 3 - 1}`)).toBe('token [redacted]');
  });

  it('redacts a shared (frozen) answer once, and gives every caller the same copy', () => {
    holdSecret(SECRET);
    const clean = Object.freeze({ items: Object.freeze([Object.freeze({ id: 'j1' })]) });
    expect(redactDeep(clean)).toBe(clean); // nothing to take out: the very object
    const leaky = Object.freeze({ message: `echo ${SECRET}` });
    const first = redactDeep(leaky);
    expect(first).toEqual({ message: 'echo [redacted]' });
    expect(Object.isFrozen(first)).toBe(true);
    expect(redactDeep(leaky)).toBe(first); // the same copy, not walked again
    holdSecret('another-secret'); // a new secret: walked again against it
    expect(redactDeep(leaky)).not.toBe(first);
    expect(redactDeep(leaky)).toEqual({ message: 'echo [redacted]' });
  });
});
