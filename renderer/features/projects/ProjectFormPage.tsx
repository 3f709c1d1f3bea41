import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Tiles from '@cloudscape-design/components/tiles';
import { useEffect, useState } from 'react';
import { projectCreate, type Project, type ProjectCreate } from '../../../shared/model/entities';
import { useRouter } from '../../app/router';
import { useAppStore } from '../app/store';
import { fieldErrors } from '../common/action';
import { SaveForm, useSaveForm } from '../common/SaveForm';
import { useOrgsStore } from '../organizations/store';
import { useProjectsStore } from './store';

type SourceType = Project['source']['type'];

interface Draft {
  id: string;
  name: string;
  kind: 'standard' | 'portfolio';
  sourceType: SourceType;
  path: string;
  eventsPerHour: string;
  region: 'us' | 'eu';
  endpoint: string;
  apiKey: string;
  secretKey: string;
}

function draftFrom(p: Project | undefined): Draft {
  const s = p?.source;
  return {
    id: p ? String(p.id) : '',
    name: p?.name ?? '',
    kind: p?.kind ?? 'standard',
    sourceType: s?.type ?? 'demo',
    path: s?.type === 'files' ? s.path : '',
    eventsPerHour: s?.type === 'demo' ? String(s.eventsPerHour) : '2000',
    region: s?.type === 'amplitude' ? s.region : 'us',
    endpoint: s?.type === 'amplitude' ? (s.endpoint ?? '') : '',
    apiKey: s?.type === 'amplitude' ? s.apiKey : '',
    secretKey: '',
  };
}

function sourceOf(d: Draft, existing: Project | undefined): ProjectCreate['source'] {
  if (d.sourceType === 'files') return { type: 'files', path: d.path };
  if (d.sourceType === 'amplitude')
    return { type: 'amplitude', region: d.region, endpoint: d.endpoint || null, apiKey: d.apiKey };
  const seed = existing?.source.type === 'demo' ? existing.source.seed : 1;
  return { type: 'demo', seed, eventsPerHour: Number(d.eventsPerHour) };
}

/** Add a project to an organization, or edit one: its id, kind and where its events come from. */
export function ProjectFormPage({ orgId, id }: { orgId?: number; id?: number }) {
  const store = useProjectsStore();
  const orgs = useOrgsStore((s) => s.items);
  const navigate = useRouter((s) => s.navigate);
  const flash = useAppStore((s) => s.flash);
  const existing = id !== undefined ? store.items.find((p) => p.id === id) : undefined;
  const owner = orgs.find((o) => o.id === (existing?.orgId ?? orgId));
  const [draft, setDraft] = useState<Draft>(() => draftFrom(existing));
  const form = useSaveForm();
  const { errors, recheck } = form;
  const secretStored = !!existing?.secretKeyStored && existing.source.type === 'amplitude';
  /** The draft as the API takes it, and what is wrong with it before it is sent. */
  const checked = (() => {
    const source = sourceOf(draft, existing);
    const secretKey =
      draft.sourceType === 'amplitude' && draft.secretKey ? draft.secretKey : undefined;
    const input: ProjectCreate = {
      id: draft.id,
      orgId: owner?.id ?? 0,
      name: draft.name,
      kind: draft.kind,
      source,
      secretKey,
    };
    const problems = fieldErrors(projectCreate, input) ?? {};
    if (draft.sourceType === 'amplitude' && !secretKey && !secretStored)
      problems.secretKey = "Enter the project's secret key";
    return { input, source, secretKey, problems };
  })();
  useEffect(() => recheck(checked.problems), [checked.problems, recheck]);

  if (!owner)
    return (
      <Header variant="h1">
        {id !== undefined ? `Project ${id}` : `Organization ${orgId}`} was not found
      </Header>
    );

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));
  const submit = async () => {
    const { input, source, secretKey, problems } = checked;
    const saved = await form.save(problems, () =>
      existing
        ? store.update({ id: existing.id, name: draft.name, kind: draft.kind, source, secretKey })
        : store.create(input),
    );
    if (!saved) return;
    flash(
      'success',
      existing
        ? `Project "${saved.name}" saved.`
        : `Project "${saved.name}" added. Connect it to a bucket next.`,
    );
    navigate(
      !existing && saved.kind === 'standard'
        ? `/connections/new?project=${saved.id}`
        : `/organizations/${owner.id}`,
    );
  };

  return (
    <SaveForm
      title={existing ? `Edit ${existing.name}` : 'Add project'}
      description={`In ${owner.name} (${owner.id})`}
      state={form}
      fields={[
        'id',
        'name',
        'kind',
        'source',
        'source.type',
        ...(draft.sourceType === 'files' ? ['source.path'] : []),
        ...(draft.sourceType === 'demo' ? ['source.eventsPerHour'] : []),
        ...(draft.sourceType === 'amplitude'
          ? ['source.region', 'source.apiKey', 'secretKey', 'source.endpoint']
          : []),
      ]}
      submitLabel={existing ? 'Save changes' : 'Add project'}
      testId="project"
      onSubmit={() => void submit()}
      onCancel={() => navigate(`/organizations/${owner.id}`)}
    >
      <SpaceBetween size="l">
        <Container header={<Header variant="h2">Project</Header>}>
          <SpaceBetween size="m">
            <FormField
              label="Project ID"
              description="The numeric project ID from Amplitude. It starts every exported file name."
              errorText={errors.id}
            >
              <Input
                value={draft.id}
                disabled={!!existing}
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
        <Container header={<Header variant="h2">Source of events</Header>}>
          <SpaceBetween size="m">
            <FormField errorText={errors['source.type'] ?? errors.source}>
              <Tiles
                value={draft.sourceType}
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
            )}
          </SpaceBetween>
        </Container>
      </SpaceBetween>
    </SaveForm>
  );
}
