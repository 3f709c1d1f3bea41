import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { ProjectSelect } from '../ProjectSelect';
import type { SectionProps } from './draft';

/** The connection's name and its project (fixed once the connection exists). */
export function SourceSection({ draft, set, err, locked }: SectionProps & { locked: boolean }) {
  return (
    <Container header={<Header variant="h2">Source</Header>}>
      <SpaceBetween size="m">
        <FormField
          label="Connection name"
          description="A short name you will recognise, also used by the CLI (ferry export <name>)."
          errorText={err('name')}
        >
          <Input
            value={draft.name}
            onChange={(e) => set('name', e.detail.value)}
            placeholder="prod-events"
            data-testid="connection-name"
          />
        </FormField>
        <FormField
          label="Project"
          description="Whose events to export."
          errorText={err('projectId')}
        >
          <ProjectSelect
            value={draft.projectId}
            onChange={(projectId) => set('projectId', projectId)}
            disabled={locked}
            testId="connection-project"
          />
        </FormField>
      </SpaceBetween>
    </Container>
  );
}
