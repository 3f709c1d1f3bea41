import Box from '@cloudscape-design/components/box';
import CopyToClipboard from '@cloudscape-design/components/copy-to-clipboard';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Tabs from '@cloudscape-design/components/tabs';
import { diffLines } from 'diff';
import type { ProposalInfo } from '../../../shared/model/aws';

const ADDED = { background: 'rgba(0, 160, 60, 0.16)' };
const REMOVED = { background: 'rgba(220, 30, 30, 0.16)', textDecoration: 'line-through' };
const CODE = {
  margin: 0,
  padding: '8px 12px',
  overflowX: 'auto' as const,
  fontSize: 13,
  lineHeight: 1.45,
  borderRadius: 8,
  border: '1px solid rgba(128,128,128,0.35)',
};

/** Pretty-print JSON text so a diff compares structure, not whitespace. */
function pretty(text: string): string {
  try {
    return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
  } catch {
    return text;
  }
}

/** A proposed document: as it would be applied (copyable), and as a diff against what is there. */
export function PolicyView({ proposal }: { proposal: ProposalInfo }) {
  const document = (
    <SpaceBetween size="xs">
      <CopyToClipboard
        variant="button"
        textToCopy={proposal.proposed}
        copyButtonText="Copy"
        copySuccessText="Copied — paste it in the AWS console"
        copyErrorText="Could not copy"
      />
      <pre style={CODE} data-testid={`policy-${proposal.kind}`}>
        {proposal.proposed}
      </pre>
    </SpaceBetween>
  );
  if (proposal.current === null)
    return (
      <SpaceBetween size="xs">
        <Box variant="small">Nothing is set there yet; this would be new.</Box>
        {document}
      </SpaceBetween>
    );
  const parts = diffLines(pretty(proposal.current), proposal.proposed);
  return (
    <Tabs
      tabs={[
        {
          id: 'diff',
          label: 'Changes',
          content: (
            <pre style={CODE} data-testid={`diff-${proposal.kind}`}>
              {parts.map((part, i) => (
                <span key={i} style={part.added ? ADDED : part.removed ? REMOVED : undefined}>
                  {part.value}
                </span>
              ))}
            </pre>
          ),
        },
        { id: 'document', label: 'Full document', content: document },
      ]}
    />
  );
}
