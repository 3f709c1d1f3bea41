import { Fragment } from 'react';

/**
 * A path, key or ARN that may wrap only after a `/` or `:` — never inside a word ("obj/ect.txt"
 * stays whole). Its text, copied, is unchanged (`<wbr>` adds no character).
 */
export function Breakable({ text }: { text: string }) {
  const parts = text.split(/(?<=[/:])/);
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
