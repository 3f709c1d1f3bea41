import { describe, expect, it } from 'vitest';
import { batching, type BatchedCall } from '../../../renderer/api/batching';
import { contract } from '../../../shared/api/contract';
import type { Envelope } from '../../../shared/api/errors';
import { QUICK_READS, type ApiMethod } from '../../../shared/api/methods';

/** A batching call over recorded transports, whose moment ends when the test says. */
function harness(refuse?: Error) {
  const sent: (string | string[])[] = [];
  let endMoment: (() => void) | null = null;
  const answer = (method: string, input: unknown): Envelope<unknown> => ({
    ok: true,
    value: [method, input],
  });
  const call = batching(
    async (method, input) => {
      sent.push(method);
      return answer(method, input);
    },
    async (calls: BatchedCall[]) => {
      sent.push(calls.map((c) => c.method));
      if (refuse) throw refuse;
      return calls.map((c) => answer(c.method, c.input));
    },
    (send) => (endMoment = send),
  );
  return { call, sent, endMoment: () => endMoment?.() };
}

describe('quick reads asked together', () => {
  it('go in one request, each answered with its own answer', async () => {
    const { call, sent, endMoment } = harness();
    const orgs = call('orgs.list', undefined);
    const info = call('app.info', { a: 1 });
    const jobs = call('jobs.list', { limit: 5 }); // not quick: at once, alone
    expect(sent).toEqual(['jobs.list']);
    endMoment();
    expect(await orgs).toEqual({ ok: true, value: ['orgs.list', undefined] });
    expect(await info).toEqual({ ok: true, value: ['app.info', { a: 1 }] });
    expect(await jobs).toEqual({ ok: true, value: ['jobs.list', { limit: 5 }] });
    expect(sent).toEqual(['jobs.list', ['orgs.list', 'app.info']]);
  });

  it('go as they always did when alone, and a later moment is a new batch', async () => {
    const { call, sent, endMoment } = harness();
    const first = call('orgs.list', undefined);
    endMoment();
    await first;
    const second = [call('projects.list', undefined), call('connections.list', undefined)];
    endMoment();
    await Promise.all(second);
    expect(sent).toEqual(['orgs.list', ['projects.list', 'connections.list']]);
  });

  it('each fail as the batch does (no token, say)', async () => {
    const refused = new Error('no token');
    const { call, endMoment } = harness(refused);
    const both = [call('orgs.list', undefined), call('app.info', undefined)];
    endMoment();
    for (const one of both) await expect(one).rejects.toBe(refused);
  });

  it('are reads in the contract, every one', () => {
    const specs = contract as Record<ApiMethod, { mutates: boolean }>;
    for (const method of QUICK_READS) expect(specs[method]?.mutates, method).toBe(false);
  });
});
