/**
 * Quick reads asked in the same moment, sent as one request (`POST /api/batch`, see
 * electron/server/batch.ts): the console's start asks seven lists at once, which were seven
 * requests on every start and every reconnection. A call alone, or any call not in QUICK_READS,
 * goes as it always did. Pure but for the timer that ends a moment.
 */
import type { Envelope } from '../../shared/api/errors';
import { QUICK_READS, type ApiMethod } from '../../shared/api/methods';

/** One call of a batch, as the server reads it. */
export interface BatchedCall {
  method: ApiMethod;
  input: unknown;
}

interface Waiting extends BatchedCall {
  resolve(envelope: Envelope<unknown>): void;
  reject(error: unknown): void;
}

/**
 * A `call` that sends each call by `one`, except quick reads asked before `nextMoment` runs its
 * callback: two or more of those go together by `many`, which answers each in order (or throws
 * for all: no token, say).
 */
export function batching(
  one: (method: ApiMethod, input: unknown) => Promise<Envelope<unknown>>,
  many: (calls: BatchedCall[]) => Promise<Envelope<unknown>[]>,
  nextMoment: (send: () => void) => void = (send) => setTimeout(send, 0),
): (method: ApiMethod, input: unknown) => Promise<Envelope<unknown>> {
  let waiting: Waiting[] = [];
  const send = () => {
    const calls = waiting;
    waiting = [];
    if (calls.length === 1) {
      const [only] = calls as [Waiting];
      return void one(only.method, only.input).then(only.resolve, only.reject);
    }
    many(calls.map(({ method, input }) => ({ method, input }))).then(
      (answers) => calls.forEach((call, i) => call.resolve(answers[i]!)),
      (error: unknown) => calls.forEach((call) => call.reject(error)),
    );
  };
  return (method, input) => {
    if (!QUICK_READS.has(method)) return one(method, input);
    return new Promise((resolve, reject) => {
      if (waiting.length === 0) nextMoment(send);
      waiting.push({ method, input, resolve, reject });
    });
  };
}
