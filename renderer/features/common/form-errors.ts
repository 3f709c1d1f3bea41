/** Field errors by dotted path (`destination.bucket`), as a form shows them. */
export type FieldErrors = Record<string, string>;

/**
 * Split what a save was refused for into what the form can mark in red and what it can not:
 * an error is placed when the form shows that field now (each path the form puts an error under,
 * exactly). Every other message must reach the admin another way — as the form's own alert — or
 * the save is refused without a reason anyone can see.
 */
export function placeErrors(
  errors: FieldErrors,
  shown: readonly string[],
): { placed: FieldErrors; unplaced: string[] } {
  const placed: FieldErrors = {};
  const unplaced: string[] = [];
  for (const [key, message] of Object.entries(errors)) {
    if (shown.includes(key)) placed[key] = message;
    else if (!unplaced.includes(message)) unplaced.push(message);
  }
  return { placed, unplaced };
}

/** The alert above a refused form: the messages no field shows, then where to look for the rest. */
export function formAlert(
  formError: string | null,
  errors: FieldErrors,
  shown: readonly string[],
): string | undefined {
  if (formError) return formError;
  const { placed, unplaced } = placeErrors(errors, shown);
  const marked = Object.keys(placed).length > 0 ? 'Check the fields marked in red.' : '';
  return [...unplaced, marked].filter(Boolean).join(' ') || undefined;
}

/** True when an error is about `prefix` or a field under it (to open the section holding it). */
export function hasErrorUnder(errors: FieldErrors, ...prefixes: string[]): boolean {
  return Object.keys(errors).some((key) =>
    prefixes.some((p) => key === p || key.startsWith(p.endsWith('.') ? p : `${p}.`)),
  );
}
