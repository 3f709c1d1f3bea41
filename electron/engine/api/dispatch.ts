import type { z } from 'zod';
import { contract, type MethodParsed, type MethodResult } from '../../../shared/api/contract';
import { FerryError, type Envelope } from '../../../shared/api/errors';
import { API_METHODS, type ApiMethod } from '../../../shared/api/methods';
import { redactDeep } from '../redact';

/** One function per contract method; it receives input the contract has already validated. */
export type Handlers = {
  [M in ApiMethod]: (input: MethodParsed<M>) => Promise<MethodResult<M>> | MethodResult<M>;
};

export const isApiMethod = (name: unknown): name is ApiMethod =>
  typeof name === 'string' && (API_METHODS as readonly string[]).includes(name);

/**
 * The single way into the engine from any transport: check the method, validate the input with
 * the contract, run the handler, and turn any failure into a typed error body.
 *
 * Nothing that reaches a person carries a stack trace; unexpected errors are logged in full and
 * answered with their message only.
 */
export async function dispatch(
  ...args: Parameters<typeof dispatchRaw>
): Promise<Envelope<unknown>> {
  // The redaction gate: no answer, to any transport, carries a secret Ferry holds.
  return redactDeep(await dispatchRaw(...args));
}

async function dispatchRaw(
  handlers: Handlers,
  method: unknown,
  input: unknown,
  options: {
    readOnly?: boolean;
    /** Why changes are refused right now (the data folder's lock was lost), or null. */
    refuseChanges?: () => string | null;
    log?: (error: unknown) => void;
  } = {},
): Promise<Envelope<unknown>> {
  if (!isApiMethod(method))
    return {
      ok: false,
      error: { code: 'unknown_method', message: `Unknown API method "${String(method)}"` },
    };
  const spec = contract[method];
  if (options.readOnly && spec.mutates)
    return {
      ok: false,
      error: {
        code: 'locked',
        message: 'This data folder is open read-only here; changes are not possible.',
      },
    };
  const refused = spec.mutates ? options.refuseChanges?.() : null;
  if (refused) return { ok: false, error: { code: 'locked', message: refused } };
  const parsed = spec.input.safeParse(input);
  if (!parsed.success) return { ok: false, error: validationError(parsed.error).toBody() };
  try {
    const handler = handlers[method] as (input: unknown) => unknown;
    return { ok: true, value: await handler(parsed.data) };
  } catch (error) {
    if (error instanceof FerryError) return { ok: false, error: error.toBody() };
    options.log?.(error);
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      error: { code: 'internal', message: `Something went wrong inside Ferry: ${message}` },
    };
  }
}

/** A zod failure as a FerryError: one message per field, the first field as `field`. */
export function validationError(error: z.ZodError): FerryError {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.');
    const key = path || '_';
    if (!(key in fields)) fields[key] = issue.message;
  }
  const first = error.issues[0];
  const field = first && first.path.length ? first.path.map(String).join('.') : undefined;
  const message = first
    ? field
      ? first.message
      : `Invalid input: ${first.message}`
    : 'Invalid input';
  return new FerryError('validation', message, field, fields);
}
