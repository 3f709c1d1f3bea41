import { Fragment } from 'react';

/**
 * A path, key or ARN that may wrap only after a `/` or `:` — never inside a word ("obj/ect.txt"
 * stays whole). Its text, copied, is unchanged (`<wbr>` adds no character). `after` names other
 * places it may wrap (a table name: after `.` and `_`).
 */
export function Breakable({ text, after = /(?<=[/:])/ }: { text: string; after?: RegExp }) {
  const parts = text.split(after);
  return (
    <span>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {part}
          {i < parts.length - 1 && <wbr />}
        </Fragment>
      ))}
    </span>
  );
}

const WHOLE = { whiteSpace: 'nowrap' } as const;

/**
 * Words that never break inside, wherever they sit: Cloudscape's StatusIndicator breaks its text
 * anywhere (`word-break: break-all`), so a narrow column showed "Disab|led". Lines still break
 * between the words.
 */
export function WholeWords({ text }: { text: string }) {
  return (
    <>
      {text.split(/(\s+)/).map((part, i) =>
        /^\s*$/.test(part) ? (
          <Fragment key={i}>{part}</Fragment>
        ) : (
          <span key={i} style={WHOLE}>
            {part}
          </span>
        ),
      )}
    </>
  );
}
