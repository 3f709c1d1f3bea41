import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { SourceFields } from '../SourceFields';
import type { SectionProps } from './draft';

/** The connection's name and its project (fixed once the connection exists). */
export function SourceSection({ draft, set, err, locked }: SectionProps & { locked: boolean }) {
  return (
    <Container header={<Header variant="h2">Source</Header>}>
      <SpaceBetween size="m">
        <SourceFields
          name={draft.name}
          projectId={draft.projectId}
          onName={(name) => set('name', name)}
          onProject={(projectId) => set('projectId', projectId)}
          err={err}
          projectLocked={locked}
          testIdPrefix="connection"
        />
      </SpaceBetween>
    </Container>
  );
}
