import CopyToClipboard from '@cloudscape-design/components/copy-to-clipboard';
import { diffLines } from 'diff';
import { formatDocument } from '../../../shared/aws/policies';

export const CODE = {
  margin: 0,
  padding: '8px 12px',
  overflowX: 'auto' as const,
  fontSize: 13,
  lineHeight: 1.45,
  borderRadius: 8,
  border: '1px solid rgba(128,128,128,0.35)',
};
// Marked by colour and by a sign at the line start, so the change does not rest on colour alone.
const ADDED = { background: 'rgba(0, 160, 60, 0.16)' };
const REMOVED = { background: 'rgba(220, 30, 30, 0.16)', textDecoration: 'line-through' };

/** Lines of `from` → `to` (JSON compared by structure, not whitespace), added and removed marked. */
export function DocumentDiff({ from, to, testId }: { from: string; to: string; testId?: string }) {
  const parts = diffLines(formatDocument(from), formatDocument(to));
  return (
    // Focusable, so a keyboard can scroll a document wider than its box (WCAG 2.1.1).
    <pre style={CODE} data-testid={testId} tabIndex={0} role="region" aria-label="Changes">
      {parts.map((part, i) => (
        <span
          key={i}
          style={part.added ? ADDED : part.removed ? REMOVED : undefined}
          aria-label={part.added ? 'added' : part.removed ? 'removed' : undefined}
        >
          {part.value}
        </span>
      ))}
    </pre>
  );
}

/** Copy a document, for pasting into the AWS console. */
export function CopyDocument({ text, what = 'document' }: { text: string; what?: string }) {
  return (
    <CopyToClipboard
      variant="button"
      textToCopy={text}
      copyButtonText={`Copy ${what}`}
      copySuccessText="Copied — paste it in the AWS console"
      copyErrorText="Could not copy"
    />
  );
}
