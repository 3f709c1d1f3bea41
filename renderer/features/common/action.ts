import type { z } from 'zod';
import { FerryError } from '../../../shared/api/errors';

/** What a form gets back from a store action: the value, or a message plus per-field errors. */
export type ActionResult<T> =
  { ok: true; value: T } | { ok: false; message: string; fields: Record<string, string> };

/** Run an API call and turn a failure into something a form can show; never a stack trace. */
export async function attempt<T>(run: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (error instanceof FerryError)
      return { ok: false, message: error.message, fields: error.fields ?? {} };
    return { ok: false, message: (error as Error).message || 'Something went wrong', fields: {} };
  }
}

/**
 * Check a draft against a contract schema before sending it, so a field error shows at once.
 * Returns one message per dotted field path, or null when the draft is valid.
 */
export function fieldErrors(schema: z.ZodType, draft: unknown): Record<string, string> | null {
  const result = schema.safeParse(draft);
  if (result.success) return null;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.') || '_';
    fields[key] ??= issue.message;
  }
  return fields;
}

/**
 * An async function as an event handler (onClick, onFollow…), which wants one that returns
 * nothing: its promise is not dropped — a failure it did not turn into a message is logged
 * instead of surfacing as an unhandled rejection.
 */
export function fire<A extends unknown[]>(run: (...args: A) => Promise<unknown>) {
  return (...args: A): void => {
    run(...args).catch((error: unknown) => console.error(error));
  };
}
