import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Tiles from '@cloudscape-design/components/tiles';
import { moveConsequences } from '../../../../shared/model/places';
import { Breakable } from '../../../components/Breakable';
import { ProfileField } from '../../setup/ProfileField';
import { S3LocationFields } from '../S3LocationFields';
import type { Draft, SectionProps } from './draft';

/**
 * Where the files go: an S3 bucket written with a profile on this machine, or a local folder.
 * Editing a saved connection's place says what a move does and does not take along.
 */
export function DestinationSection({
  draft,
  set,
  err,
  patch,
  move,
}: SectionProps & {
  patch(change: Partial<Draft>): void;
  /** Where this edit moves a saved connection's exports (null: it stays). */
  move: { from: string; to: string } | null;
}) {
  return (
    <Container header={<Header variant="h2">Destination</Header>}>
      <SpaceBetween size="m">
        <Tiles
          value={draft.destType}
          onChange={(e) => set('destType', e.detail.value as Draft['destType'])}
          items={[
            {
              value: 's3',
              label: 'Amazon S3 bucket',
              description: 'Written with an AWS profile on this machine.',
            },
            {
              value: 'folder',
              label: 'Local folder',
              description: 'Same files and names, on this disk. Good for trying Ferry out.',
            },
          ]}
        />
        {draft.destType === 's3' ? (
          <SpaceBetween size="m">
            <ProfileField
              value={draft.profile}
              onChange={(profile) => set('profile', profile)}
              errorText={err('destination.profile')}
              ask={{ region: draft.region, endpoint: draft.endpoint || null }}
              testIdPrefix="connection"
            />
            <S3LocationFields
              value={draft}
              onChange={patch}
              errorText={(field) => err(`destination.${field}`)}
              testIdPrefix="connection"
            />
          </SpaceBetween>
        ) : (
          <FormField
            label="Folder"
            description="An absolute path, made when you save. Exports never make it: if its disk is not mounted, they stop and say so."
            errorText={err('destination.path')}
          >
            <Input
              value={draft.folder}
              onChange={(e) => set('folder', e.detail.value)}
              placeholder="/Users/me/ferry-export"
              data-testid="connection-folder"
            />
          </FormField>
        )}
        {move && <MoveNotice move={move} tables={draft.queryCopy || draft.jsonTable} />}
      </SpaceBetween>
    </Container>
  );
}

/**
 * What moving a connection's exports does: nothing already exported goes along. Drawn with the
 * form's own components, not an Alert: the form would then share Alert's code with the
 * connections list, and the console's first load would fetch other pages' code with it
 * (test/e2e/first-load.spec.ts).
 */
function MoveNotice({ move, tables }: { move: { from: string; to: string }; tables: boolean }) {
  return (
    <div data-testid="move-notice">
      <StatusIndicator type="info">
        <b>Saving moves where this connection exports</b>
      </StatusIndicator>
      <div style={{ paddingInlineStart: 20, paddingBlockStart: 4 }}>
        <Breakable text={moveConsequences(move)} after={/(?<=\/)/} /> After saving, check access to
        the new place with Verify on the connection’s page
        {tables ? ', and move its Athena tables under Query in Athena' : ''}.
      </div>
    </div>
  );
}
