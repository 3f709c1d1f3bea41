import Box from '@cloudscape-design/components/box';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Tabs from '@cloudscape-design/components/tabs';
import type { Proposal } from '../../../shared/model/aws';
import { CODE, CopyDocument, DocumentDiff } from '../common/DocumentDiff';

/** A proposed document: as it would be applied, and as a diff against what is there; Copy on both. */
export function PolicyView({ proposal }: { proposal: Proposal }) {
  const copy = <CopyDocument text={proposal.proposed} />;
  const document = (
    <SpaceBetween size="xs">
      {copy}
      <pre
        style={CODE}
        data-testid={`policy-${proposal.kind}`}
        tabIndex={0}
        role="region"
        aria-label="Proposed document"
      >
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
  return (
    <Tabs
      tabs={[
        {
          id: 'diff',
          label: 'Changes',
          content: (
            <SpaceBetween size="xs">
              {copy}
              <DocumentDiff
                from={proposal.current}
                to={proposal.proposed}
                testId={`diff-${proposal.kind}`}
              />
            </SpaceBetween>
          ),
        },
        { id: 'document', label: 'Full document', content: document },
      ]}
    />
  );
}
