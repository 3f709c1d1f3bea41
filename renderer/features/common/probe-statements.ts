import type { Probe } from '../../../shared/model/aws';

/**
 * Where a probe's policy statement is drawn: in full (`show`, its JSON), as a pointer to the probe
 * above that shows the same statement (`sameAs`, that probe's label), or nowhere (it has none).
 */
export type StatementPlace = { show: string } | { sameAs: string } | null;

/**
 * A statement that grants what several probes missed (write, multipart, abort all need
 * s3:PutObject) is drawn once, under the first of them; the others point up to it.
 */
export function placeStatements(probes: readonly Probe[]): StatementPlace[] {
  const firstWith = new Map<string, Probe>();
  return probes.map((p) => {
    if (!p.statement) return null;
    const text = JSON.stringify(p.statement, null, 2);
    const first = firstWith.get(text);
    if (first) return { sameAs: first.label };
    firstWith.set(text, p);
    return { show: text };
  });
}
