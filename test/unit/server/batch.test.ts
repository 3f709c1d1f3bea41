import { describe, expect, it } from 'vitest';
import { answerBatch, BATCH_METHOD, MAX_BATCH_CALLS } from '../../../electron/server/batch';
import { contract, methodSpec } from '../../../shared/api/contract';
import type { Envelope } from '../../../shared/api/errors';

/** A dispatch that answers each call with its own name, and remembers what it was asked. */
function recording() {
  const asked: string[] = [];
  const dispatch = async (method: string, input: unknown): Promise<Envelope<unknown>> => {
    asked.push(method);
    return { ok: true, value: { method, input } };
  };
  return { asked, dispatch };
}

const viewer = { name: 'vera', role: 'viewer' as const };
const admin = { name: 'ada', role: 'admin' as const };

describe('a batch of reads', () => {
  it('answers each call as the engine does, in order', async () => {
    const { asked, dispatch } = recording();
    const answer = await answerBatch(dispatch, viewer, {
      calls: [{ method: 'orgs.list' }, { method: 'jobs.list', input: { limit: 5 } }],
    });
    expect(answer).toEqual({
      ok: true,
      value: [
        { ok: true, value: { method: 'orgs.list', input: undefined } },
        { ok: true, value: { method: 'jobs.list', input: { limit: 5 } } },
      ],
    });
    expect(asked).toEqual(['orgs.list', 'jobs.list']);
  });

  it('refuses a call that changes anything, whoever asks, and asks the engine nothing for it', async () => {
    const { asked, dispatch } = recording();
    const answer = await answerBatch(dispatch, admin, {
      calls: [{ method: 'orgs.create', input: { id: 1, name: 'x' } }, { method: 'orgs.list' }],
    });
    expect(answer.ok && answer.value[0]).toEqual({
      ok: false,
      error: {
        code: 'validation',
        message: 'orgs.create changes something: send it alone, not in a batch',
      },
    });
    expect(asked).toEqual(['orgs.list']);
  });

  it('refuses a body that is not a batch, or too large a one', async () => {
    const { asked, dispatch } = recording();
    for (const body of [undefined, {}, { calls: [] }, { calls: [{}] }, { calls: 'orgs.list' }]) {
      const answer = await answerBatch(dispatch, admin, body);
      expect(answer.ok, JSON.stringify(body)).toBe(false);
      expect(!answer.ok && answer.error.code).toBe('validation');
    }
    const many = { calls: Array.from({ length: MAX_BATCH_CALLS + 1 }, () => ({ method: 'x' })) };
    const tooMany = await answerBatch(dispatch, admin, many);
    expect(!tooMany.ok && tooMany.error.message).toBe(
      `A batch holds at most ${MAX_BATCH_CALLS} calls (this one has ${MAX_BATCH_CALLS + 1})`,
    );
    expect(asked).toEqual([]);
  });

  it('is a name no method of the contract has', () => {
    expect(Object.keys(contract)).not.toContain(BATCH_METHOD);
    expect(methodSpec(BATCH_METHOD)).toBeUndefined();
  });

  it("reads the contract's own methods only, never what every object has", () => {
    expect(methodSpec('orgs.create')?.mutates).toBe(true);
    expect(methodSpec('orgs.list')?.mutates).toBe(false);
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty'])
      expect(methodSpec(name), name).toBeUndefined();
  });
});
