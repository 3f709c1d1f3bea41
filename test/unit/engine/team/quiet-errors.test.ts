import { describe, expect, it } from 'vitest';
import { quietErrors } from '../../../../electron/engine/team/quiet-errors';

describe('quietErrors', () => {
  it('says an error once a minute, then how often it came meanwhile', () => {
    let clock = Date.parse('2026-12-05T10:00:00Z');
    const said: string[] = [];
    const log = quietErrors(
      (e) => said.push((e as Error).message),
      () => clock,
    );
    const refused = (worker: string) =>
      new Error(`connect ECONNREFUSED 127.0.0.1:5432 (Queue: ferry-hours, Worker: ${worker})`);

    log(refused('a'));
    for (let i = 0; i < 119; i++) {
      clock += 500;
      log(refused(i % 2 ? 'a' : 'b')); // the same error, whichever worker of the queue saw it
    }
    log(new Error('Connection terminated unexpectedly')); // another error is said at once
    expect(said).toEqual([
      'connect ECONNREFUSED 127.0.0.1:5432 (Queue: ferry-hours, Worker: a)',
      'Connection terminated unexpectedly',
    ]);

    clock += 1_000; // a minute since it was first said
    log(refused('c'));
    expect(said.at(-1)).toBe(
      'connect ECONNREFUSED 127.0.0.1:5432 (Queue: ferry-hours, Worker: c) (and 119 times more since 2026-12-05T10:00:00.000Z)',
    );
    // Quiet for a minute, then once more: said plainly, nothing was held back.
    clock += 120_000;
    log(refused('d'));
    expect(said.at(-1)).toBe('connect ECONNREFUSED 127.0.0.1:5432 (Queue: ferry-hours, Worker: d)');
    expect(said).toHaveLength(4);
  });
});
