import Checkbox from '@cloudscape-design/components/checkbox';
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Toggle from '@cloudscape-design/components/toggle';
import type { SectionProps } from './draft';

/** Which data, who is told when it keeps failing, and whether it exports every hour. */
export function ExportSection({ draft, set, err }: SectionProps) {
  return (
    <Container header={<Header variant="h2">What to export</Header>}>
      <SpaceBetween size="m">
        <FormField label="Data" errorText={err('datasets')}>
          <SpaceBetween size="xs">
            <Checkbox
              checked={draft.events}
              onChange={(e) => set('events', e.detail.checked)}
              description="<project>_<date>_<hour>#<n>.json.gz"
            >
              Events
            </Checkbox>
            <Checkbox
              checked={draft.mergedIds}
              onChange={(e) => set('mergedIds', e.detail.checked)}
              description="-<org>_<date>_<hour>.json.gz"
            >
              Merged Amplitude IDs
            </Checkbox>
          </SpaceBetween>
        </FormField>
        <FormField
          label={
            <>
              Your email <i>- optional</i>
            </>
          }
          description="Told when this connection keeps failing."
          errorText={err('createdBy')}
        >
          <Input
            type="email"
            value={draft.createdBy}
            onChange={(e) => set('createdBy', e.detail.value)}
            placeholder="me@example.com"
          />
        </FormField>
        <FormField errorText={err('enabled')}>
          <Toggle
            checked={draft.enabled}
            onChange={(e) => set('enabled', e.detail.checked)}
            description="You can also turn this on later, after checking access."
          >
            Export every hour
          </Toggle>
        </FormField>
      </SpaceBetween>
    </Container>
  );
}
