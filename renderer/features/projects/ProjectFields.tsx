import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Tiles from '@cloudscape-design/components/tiles';
import { useAppStore } from '../app/store';
import type { Draft, SourceType } from './project-draft';

/** What each fields block gets: the draft, how to change one field, and the field errors. */
interface FieldsProps {
  draft: Draft;
  set: <K extends keyof Draft>(key: K, value: Draft[K]) => void;
  errors: Record<string, string | undefined>;
}

/** The project's id (fixed once created), name and kind. */
export function ProjectFields({ draft, set, errors, locked }: FieldsProps & { locked: boolean }) {
  return (
    <Container header={<Header variant="h2">Project</Header>}>
      <SpaceBetween size="m">
        <FormField
          label="Project ID"
          description="The numeric project ID from Amplitude. It starts every exported file name."
          errorText={errors.id}
        >
          <Input
            value={draft.id}
            disabled={locked}
            inputMode="numeric"
            onChange={(e) => set('id', e.detail.value)}
            placeholder="187520"
            data-testid="project-id"
          />
        </FormField>
        <FormField label="Name" errorText={errors.name}>
          <Input
            value={draft.name}
            onChange={(e) => set('name', e.detail.value)}
            placeholder="Web app (production)"
            data-testid="project-name"
          />
        </FormField>
        <FormField label="Kind" errorText={errors.kind}>
          <RadioGroup
            value={draft.kind}
            onChange={(e) => set('kind', e.detail.value as Draft['kind'])}
            items={[
              {
                value: 'standard',
                label: 'Standard project',
                description: 'Its events can be exported.',
              },
              {
                value: 'portfolio',
                label: 'Portfolio',
                description: 'Combines other projects; it can not be an export source.',
              },
            ]}
          />
        </FormField>
      </SpaceBetween>
    </Container>
  );
}

/**
 * Where the project's events come from: Amplitude, a folder of files, or demo data — chosen by
 * the admin (a real organization's project is not demo data by default).
 */
export function SourceOfEvents({
  draft,
  set,
  errors,
  secretStored,
}: FieldsProps & { secretStored: boolean }) {
  return (
    <Container header={<Header variant="h2">Source of events</Header>}>
      <SpaceBetween size="m">
        <FormField errorText={errors['source.type'] ?? errors.source}>
          <Tiles
            value={draft.sourceType || null}
            onChange={(e) => set('sourceType', e.detail.value as SourceType)}
            items={[
              {
                value: 'amplitude',
                label: 'Amplitude Export API',
                description: "Pulls each hour with the project's API key and secret key.",
              },
              {
                value: 'files',
                label: 'Files',
                description:
                  'A folder of .json, .ndjson or .json.gz files, e.g. an earlier export.',
              },
              {
                value: 'demo',
                label: 'Demo data',
                description: 'Realistic sample events, generated here. No account needed.',
              },
            ]}
          />
        </FormField>
        {draft.sourceType === 'files' && (
          <FormField
            label="Folder"
            description="An absolute path; sub-folders are read too. Merged IDs are read from a merged_ids/ sub-folder when present."
            errorText={errors['source.path']}
          >
            <Input
              value={draft.path}
              onChange={(e) => set('path', e.detail.value)}
              placeholder="/data/amplitude-export"
              data-testid="project-source-path"
            />
          </FormField>
        )}
        {draft.sourceType === 'demo' && (
          <FormField label="Events per hour" errorText={errors['source.eventsPerHour']}>
            <Input
              type="number"
              value={draft.eventsPerHour}
              onChange={(e) => set('eventsPerHour', e.detail.value)}
            />
          </FormField>
        )}
        {draft.sourceType === 'amplitude' && (
          <AmplitudeFields draft={draft} set={set} errors={errors} secretStored={secretStored} />
        )}
      </SpaceBetween>
    </Container>
  );
}

/** Amplitude's data center, the project's API key and secret key, and an optional proxy host. */
function AmplitudeFields({
  draft,
  set,
  errors,
  secretStored,
}: FieldsProps & { secretStored: boolean }) {
  // In team mode the secret is kept in the team's database, sealed (docs/team.md).
  const team = useAppStore((s) => !!s.info?.database);
  return (
    <SpaceBetween size="m">
      <FormField label="Data center" errorText={errors['source.region']}>
        <SegmentedControl
          selectedId={draft.region}
          onChange={(e) => set('region', e.detail.selectedId as Draft['region'])}
          options={[
            { id: 'us', text: 'US (amplitude.com)' },
            { id: 'eu', text: 'EU (analytics.eu.amplitude.com)' },
          ]}
        />
      </FormField>
      <FormField
        label="API key"
        description="Amplitude: Settings → Projects → this project → General."
        errorText={errors['source.apiKey']}
      >
        <Input
          value={draft.apiKey}
          onChange={(e) => set('apiKey', e.detail.value)}
          data-testid="project-api-key"
        />
      </FormField>
      <FormField
        label="Secret key"
        description={
          secretStored
            ? 'A secret key is stored for this region and host. Enter a new one to replace it; changing the region or host needs it again (Ferry never sends it anywhere else).'
            : team
              ? "Sealed in the team database with the team's KMS key (or given as FERRY_SECRET_AMPLITUDE_SECRET_KEY_<project> on each host) — never in clear."
              : 'Kept in your system keychain (desktop) or a file only you can read (headless) — never in config.json.'
        }
        errorText={errors.secretKey}
      >
        <Input
          type="password"
          value={draft.secretKey}
          onChange={(e) => set('secretKey', e.detail.value)}
          placeholder={secretStored ? '••••••••' : ''}
          data-testid="project-secret-key"
        />
      </FormField>
      <FormField
        label={
          <>
            Export API host <i>- optional</i>
          </>
        }
        description="Only for a proxy; empty uses Amplitude's host for the data center."
        errorText={errors['source.endpoint']}
      >
        <Input
          value={draft.endpoint}
          onChange={(e) => set('endpoint', e.detail.value)}
          placeholder="https://amplitude.com"
        />
      </FormField>
    </SpaceBetween>
  );
}
