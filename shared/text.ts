/**
 * Text that comes from people and from upstream servers, made safe to store and to show.
 *
 * One rule for what a name may contain (no control characters, no invisible text-direction
 * controls that make a terminal or a table show something other than what is stored), one
 * escape for printing anything to a terminal. (Redacting upstream answers is the engine's:
 * electron/engine/redact.ts.)
 */

/**
 * C0/C1 control characters (ESC, NUL, \x01 …) and the Unicode bidirectional controls
 * (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) that reorder what is shown.
 */
const UNSAFE_CLASS =
  '[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]';
export const UNSAFE_CHARS = new RegExp(UNSAFE_CLASS, 'u');
export const UNSAFE_ALL = new RegExp(UNSAFE_CLASS, 'gu');

/** Why a one-line text field is not acceptable, or null. */
export function unsafeTextProblem(label: string, value: string): string | null {
  if (/[\r\n\t]/.test(value)) return `${label} must be on one line`;
  if (UNSAFE_CHARS.test(value))
    return `${label} must not contain control characters or invisible text-direction marks`;
  return null;
}

/**
 * Text as a terminal should print it: every unsafe character but line breaks and tabs shown as
 * a visible `\u001b`-style escape (which is also valid inside a JSON string, so `--json`
 * output stays parseable and means the same).
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_ALL, (c) =>
    c === '\n' || c === '\t' ? c : `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`,
  );
}
