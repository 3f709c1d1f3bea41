import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Tiles from '@cloudscape-design/components/tiles';
import { SourceFields } from '../../connections/SourceFields';
import type { Draft, SetDraft } from './draft';

/** Step 1: the connection's name, its project, and which data it exports. */
export function DataStep({
  draft,
  set,
  err,
}: {
  draft: Draft;
  set: SetDraft;
  err: (field: string) => string | undefined;
}) {
  return (
    <Container header={<Header variant="h2">Data</Header>}>
      <SpaceBetween size="m">
        <SourceFields
          name={draft.name}
          projectId={draft.projectId}
          onName={(name) => set('name', name)}
          onProject={(projectId) => set('projectId', projectId)}
          err={err}
          testIdPrefix="wizard"
        />
        <FormField label="Export">
          <Tiles
            value={draft.data}
            onChange={(e) => set('data', e.detail.value as Draft['data'])}
            items={[
              {
                value: 'events',
                label: 'Events',
                description: 'Events ingested from now on, hour by hour.',
              },
              {
                value: 'merged-ids',
                label: 'Merged Amplitude IDs',
                description: 'Which user IDs were merged, hour by hour.',
              },
              {
                value: 'both',
                label: 'Both',
                description: 'Events and merged IDs, to the same bucket.',
              },
            ]}
          />
        </FormField>
      </SpaceBetween>
    </Container>
  );
}
