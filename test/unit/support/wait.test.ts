import { describe, expect, it } from 'vitest';
import { waitFor, waitUntil } from '../../support/wait';

describe('waitFor', () => {
  it('returns the first value the probe gives', async () => {
    let calls = 0;
    await expect(waitFor('a third call', () => (++calls === 3 ? calls : undefined))).resolves.toBe(
      3,
    );
  });

  it('fails with what it waited for when the state never comes', async () => {
    await expect(
      waitUntil('a state that never comes', () => false, { within: 30 }),
    ).rejects.toThrow('Still waiting after 0 s for a state that never comes');
  });

  it('passes on an error the probe throws', async () => {
    await expect(
      waitFor('nothing', () => {
        throw new Error('the export ended before the fault');
      }),
    ).rejects.toThrow('the export ended before the fault');
  });
});
