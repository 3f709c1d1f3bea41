import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Tiles from '@cloudscape-design/components/tiles';
import { ProfileField } from '../../setup/ProfileField';
import { S3LocationFields } from '../S3LocationFields';
import type { Draft, SectionProps } from './draft';

/** Where the files go: an S3 bucket written with a profile on this machine, or a local folder. */
export function DestinationSection({
  draft,
  set,
  err,
  patch,
}: SectionProps & { patch(change: Partial<Draft>): void }) {
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
      </SpaceBetween>
    </Container>
  );
}
