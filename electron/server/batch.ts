/**
 * Several reads in one request: `POST /api/batch` with `{ "calls": [{ "method", "input" }, …] }`
 * answers `{ ok: true, value: [<each call's envelope>, …] }`, in order. The console asks its
 * first lists together (seven calls, which were seven requests on every start and every
 * reconnection); the HTTP transport sends reads asked in the same moment this way
 * (renderer/api/batching.ts).
 *
 * Reads only: a call that changes anything is answered with an error and must be sent alone,
 * where it is audited and answered with its own HTTP status. Each call is checked against the
 * caller's role as if it came alone.
 */
import type { Envelope } from '../../shared/api/errors';
import { methodSpec } from '../../shared/api/contract';
import { roleAllows, roleRefusal, type Role } from '../../shared/model/roles';
import { fail } from './answers';

/** The path under /api/ (no method of the contract has this name). */
export const BATCH_METHOD = 'batch';

/** The most calls one batch may hold. */
export const MAX_BATCH_CALLS = 16;

interface BatchCall {
  method: string;
  input: unknown;
}

/** The calls a batch's body names, or what is wrong with it. */
function batchCalls(body: unknown): BatchCall[] | string {
  const calls = (body as { calls?: unknown } | null)?.calls;
  if (!Array.isArray(calls) || calls.length === 0)
    return 'A batch is { "calls": [{ "method": …, "input": … }, …] } with at least one call';
  if (calls.length > MAX_BATCH_CALLS)
    return `A batch holds at most ${MAX_BATCH_CALLS} calls (this one has ${calls.length})`;
  const parsed: BatchCall[] = [];
  for (const call of calls as unknown[]) {
    const method = (call as { method?: unknown } | null)?.method;
    if (typeof method !== 'string') return 'Each call of a batch names its method';
    parsed.push({ method, input: (call as { input?: unknown }).input });
  }
  return parsed;
}

/** Each call answered as the engine answers it alone, for a caller with this name and role. */
export async function answerBatch(
  dispatch: (method: string, input: unknown) => Promise<Envelope<unknown>>,
  caller: { name: string; role: Role },
  body: unknown,
): Promise<Envelope<Envelope<unknown>[]>> {
  const calls = batchCalls(body);
  if (typeof calls === 'string') return fail('validation', calls);
  const value = await Promise.all(
    calls.map(({ method, input }) => {
      const spec = methodSpec(method);
      // An unknown method is the engine's to name, as when it comes alone.
      if (spec?.mutates)
        return fail('validation', `${method} changes something: send it alone, not in a batch`);
      if (spec && !roleAllows(caller.role, method, input, false))
        return fail('forbidden', roleRefusal(caller.name, caller.role, method));
      return dispatch(method, input);
    }),
  );
  return { ok: true, value };
}
