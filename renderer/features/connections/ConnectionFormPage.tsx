import Checkbox from '@cloudscape-design/components/checkbox';
import Container from '@cloudscape-design/components/container';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Tiles from '@cloudscape-design/components/tiles';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import Textarea from '@cloudscape-design/components/textarea';
import Toggle from '@cloudscape-design/components/toggle';
import { useEffect, useState } from 'react';
import type { Connection, ConnectionCreate } from '../../../shared/model/entities';
import {
  connectionCreate,
  DEFAULT_PARTITION_BYTES,
  effectiveSse,
  MIB,
  SSE_MODES,
} from '../../../shared/model/entities';
import { routeQuery, useRouter } from '../../app/router';
import { useAppStore } from '../app/store';
import { kmsKeyProblem, regionProblem } from '../../../shared/aws/regions';
import { fieldErrors } from '../common/action';
import { ProfileField } from '../setup/ProfileField';
import { SaveForm, useSaveForm } from '../common/SaveForm';
import { hasErrorUnder } from '../common/form-errors';
import { useProjectsStore } from '../projects/store';
import { defaultProjectId, ProjectSelect } from './ProjectSelect';
import { S3LocationFields } from './S3LocationFields';
import { useConnectionsStore } from './store';

interface Draft {
  name: string;
  projectId: string;
  destType: 's3' | 'folder';
  bucket: string;
  region: string;
  prefix: string;
  profile: string;
  kmsKeyArn: string;
  endpoint: string;
  forcePathStyle: boolean;
  folder: string;
  events: boolean;
  mergedIds: boolean;
  createdBy: string;
  enabled: boolean;
  sse: (typeof SSE_MODES)[number];
  partitionMiB: string;
  gzipLevel: string;
  filterMode: 'none' | 'include' | 'exclude';
  filterTypes: string;
  manifest: boolean;
  /** Empty: the source's default. */
  settleMinutes: string;
  lookbackHours: string;
  accessTries: string;
}

function draftFrom(
  c: Connection | undefined,
  projectId: string,
  destType: Draft['destType'] = 's3',
): Draft {
  const s3 = c?.destination.type === 's3' ? c.destination : null;
  return {
    name: c?.name ?? '',
    projectId: c ? String(c.projectId) : projectId,
    destType: c?.destination.type ?? destType,
    bucket: s3?.bucket ?? '',
    region: s3?.region ?? 'us-east-1',
    prefix: s3?.prefix ?? '',
    // Chosen from the profiles on this machine: none is assumed ("default" may not exist).
    profile: s3?.profile ?? '',
    kmsKeyArn: s3?.kmsKeyArn ?? '',
    endpoint: s3?.endpoint ?? '',
    forcePathStyle: s3?.forcePathStyle ?? false,
    folder: c?.destination.type === 'folder' ? c.destination.path : '',
    events: c ? c.datasets.includes('events') : true,
    mergedIds: c ? c.datasets.includes('merged-ids') : false,
    createdBy: c?.createdBy ?? '',
    enabled: c?.enabled ?? false,
    sse: s3?.sse ?? 'bucket-default',
    partitionMiB: String((c?.options.partitionBytes ?? DEFAULT_PARTITION_BYTES) / MIB),
    gzipLevel: String(c?.options.gzipLevel ?? 6),
    filterMode: c?.options.eventFilter?.mode ?? 'none',
    filterTypes: c?.options.eventFilter?.eventTypes.join('\n') ?? '',
    manifest: c?.options.manifest ?? false,
    settleMinutes: c?.schedule.settleMinutes === null || !c ? '' : String(c.schedule.settleMinutes),
    lookbackHours: String(c?.schedule.lookbackHours ?? 24),
    accessTries: String(c?.schedule.accessTries ?? 5),
  };
}

/** What is wrong with a draft before it is sent: the contract's rules and the Region. */
function problemsOf(d: Draft): Record<string, string> | null {
  const input = toInput(d);
  const dest = input.destination;
  const region = dest.type === 's3' ? regionProblem(dest.region, dest.endpoint) : null;
  const key = dest.type === 's3' ? kmsKeyProblem(dest.kmsKeyArn, dest.region) : null;
  const shared = {
    ...(region && { 'destination.region': region }),
    ...(key && { 'destination.kmsKeyArn': key }),
  };
  return fieldErrors(connectionCreate, input) ?? (region || key ? shared : null);
}

/** The fields the form shows for a draft, by the API's dotted paths. */
function shownFields(d: Draft): string[] {
  const destination =
    d.destType === 'folder'
      ? ['destination.path']
      : ['profile', 'bucket', 'region', 'prefix', 'kmsKeyArn', 'endpoint', 'sse'].map(
          (f) => `destination.${f}`,
        );
  return [
    'name',
    'projectId',
    ...destination,
    'datasets',
    'createdBy',
    'enabled',
    'options.partitionBytes',
    'options.gzipLevel',
    'options.eventFilter',
    'options.eventFilter.eventTypes',
    'schedule.settleMinutes',
    'schedule.lookbackHours',
    'schedule.accessTries',
  ];
}

function toInput(d: Draft): ConnectionCreate {
  return {
    name: d.name,
    projectId: d.projectId,
    destination:
      d.destType === 'folder'
        ? { type: 'folder', path: d.folder }
        : {
            type: 's3',
            bucket: d.bucket,
            region: d.region,
            prefix: d.prefix,
            profile: d.profile,
            kmsKeyArn: d.kmsKeyArn || null,
            endpoint: d.endpoint || null,
            forcePathStyle: d.forcePathStyle,
            sse: effectiveSse(d.kmsKeyArn, d.sse),
          },
    datasets: [
      ...(d.events ? (['events'] as const) : []),
      ...(d.mergedIds ? (['merged-ids'] as const) : []),
    ],
    enabled: d.enabled,
    options: {
      partitionBytes: Math.round(Number(d.partitionMiB) * MIB),
      gzipLevel: Number(d.gzipLevel),
      eventFilter:
        d.filterMode === 'none'
          ? null
          : {
              mode: d.filterMode,
              eventTypes: d.filterTypes
                .split(/[\n,]/)
                .map((t) => t.trim())
                .filter(Boolean),
            },
      manifest: d.manifest,
    },
    schedule: {
      settleMinutes: d.settleMinutes.trim() === '' ? null : Number(d.settleMinutes),
      lookbackHours: Number(d.lookbackHours),
      accessTries: Number(d.accessTries),
    },
    createdBy: d.createdBy || null,
  };
}

const SSE_LABELS: Record<(typeof SSE_MODES)[number], string> = {
  'bucket-default': "The bucket's default encryption",
  AES256: 'SSE-S3 (AES256)',
  'aws:kms': 'SSE-KMS (the key above)',
};

/** Create a connection, or edit one: project → destination → what to export. */
export function ConnectionFormPage({ id }: { id?: string }) {
  const { path, navigate } = useRouter();
  const store = useConnectionsStore();
  const projects = useProjectsStore((s) => s.items);
  const flash = useAppStore((s) => s.flash);
  const existing = id ? store.items.find((c) => c.id === id) : undefined;
  const [draft, setDraft] = useState<Draft>(() =>
    draftFrom(
      existing,
      defaultProjectId(routeQuery(path).get('project'), projects),
      routeQuery(path).get('type') === 'folder' ? 'folder' : 's3',
    ),
  );
  const form = useSaveForm();
  const { recheck } = form;
  // A section holding a field marked in red is open, so the mark is seen.
  const [filesOpen, setFilesOpen] = useState(draft.filterMode !== 'none' || draft.manifest);
  const [scheduleOpen, setScheduleOpen] = useState(false);
  useEffect(() => recheck(problemsOf(draft)), [draft, recheck]);

  if (id && !existing) return <Header variant="h1">Connection {id} was not found</Header>;

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));
  const err = (field: string) => form.errors[field];

  const submit = async () => {
    const input = toInput(draft);
    const { projectId: _projectId, ...changes } = input;
    const saved = await form.save(problemsOf(draft), () =>
      existing ? store.update({ id: existing.id, ...changes }) : store.create(input),
    );
    if (!saved) return;
    flash(
      'success',
      existing ? `Connection "${saved.name}" saved.` : `Connection "${saved.name}" created.`,
    );
    navigate(`/connections/${saved.id}`);
  };

  return (
    <SaveForm
      title={existing ? `Edit ${existing.name}` : 'Create connection'}
      description="Export one project's events to an S3 bucket (or a local folder), hour by hour."
      state={form}
      fields={shownFields(draft)}
      submitLabel={existing ? 'Save changes' : 'Create connection'}
      testId="connection"
      onSubmit={() => void submit()}
      onCancel={() => navigate(existing ? `/connections/${existing.id}` : '/connections')}
    >
      <SpaceBetween size="l">
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
                disabled={!!existing}
                testId="connection-project"
              />
            </FormField>
          </SpaceBetween>
        </Container>

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
                  onChange={(patch) => setDraft((d) => ({ ...d, ...patch }))}
                  errorText={(field) => err(`destination.${field}`)}
                  testIdPrefix="connection"
                />
              </SpaceBetween>
            ) : (
              <FormField
                label="Folder"
                description="An absolute path; Ferry creates it if needed."
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

        <Container header={<Header variant="h2">Files</Header>}>
          <ExpandableSection
            headerText="Partitions, compression, event filter, manifest"
            expanded={filesOpen || hasErrorUnder(form.errors, 'options', 'destination.sse')}
            onChange={(e) => setFilesOpen(e.detail.expanded)}
          >
            <SpaceBetween size="m">
              {draft.destType === 's3' && (
                <FormField
                  label="Encryption"
                  description="Server-side encryption Ferry asks for on each object. A KMS key above always means SSE-KMS."
                  errorText={err('destination.sse')}
                >
                  <Select
                    selectedOption={{
                      value: effectiveSse(draft.kmsKeyArn, draft.sse),
                      label: SSE_LABELS[effectiveSse(draft.kmsKeyArn, draft.sse)],
                    }}
                    options={SSE_MODES.map((m) => ({ value: m, label: SSE_LABELS[m] }))}
                    onChange={(e) => set('sse', e.detail.selectedOption.value as Draft['sse'])}
                  />
                </FormField>
              )}
              <FormField
                label="Partition size (MiB, uncompressed)"
                description="An hour is split into #1, #2, … files of at most this size before gzip."
                errorText={err('options.partitionBytes')}
              >
                <Input
                  type="number"
                  value={draft.partitionMiB}
                  onChange={(e) => set('partitionMiB', e.detail.value)}
                  data-testid="connection-partition"
                />
              </FormField>
              <FormField
                label="Compression level"
                description="1 is fastest, 9 smallest; 6 is gzip's default."
                errorText={err('options.gzipLevel')}
              >
                <Select
                  selectedOption={{ value: draft.gzipLevel, label: draft.gzipLevel }}
                  options={['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((v) => ({
                    value: v,
                    label: v,
                  }))}
                  onChange={(e) => set('gzipLevel', e.detail.selectedOption.value ?? '6')}
                />
              </FormField>
              <FormField
                label="Event types"
                errorText={err('options.eventFilter') ?? err('options.eventFilter.eventTypes')}
              >
                <SpaceBetween size="xs">
                  <SegmentedControl
                    selectedId={draft.filterMode}
                    onChange={(e) => set('filterMode', e.detail.selectedId as Draft['filterMode'])}
                    options={[
                      { id: 'none', text: 'All events' },
                      { id: 'include', text: 'Only these' },
                      { id: 'exclude', text: 'All but these' },
                    ]}
                  />
                  {draft.filterMode !== 'none' && (
                    <Textarea
                      value={draft.filterTypes}
                      onChange={(e) => set('filterTypes', e.detail.value)}
                      placeholder={'page_view\npurchase'}
                      rows={4}
                    />
                  )}
                </SpaceBetween>
              </FormField>
              <Toggle
                checked={draft.manifest}
                onChange={(e) => set('manifest', e.detail.checked)}
                description="Adds <prefix>_manifests/<project>_<date>_<hour>.json listing each file with its event count and checksum, written after the files."
              >
                Write a manifest per hour
              </Toggle>
            </SpaceBetween>
          </ExpandableSection>
        </Container>

        <Container header={<Header variant="h2">Schedule</Header>}>
          <ExpandableSection
            headerText="Settle delay, catch-up window, retries"
            expanded={scheduleOpen || hasErrorUnder(form.errors, 'schedule')}
            onChange={(e) => setScheduleOpen(e.detail.expanded)}
          >
            <SpaceBetween size="m">
              <FormField
                label="Settle delay (minutes after the hour)"
                description="Late events arrive after an hour ends. Empty uses the source's default: 120 min for Amplitude (its Export API has data about 2 h after upload), 10 for files, 0 for the demo."
                errorText={err('schedule.settleMinutes')}
              >
                <Input
                  type="number"
                  value={draft.settleMinutes}
                  placeholder="Source default"
                  onChange={(e) => set('settleMinutes', e.detail.value)}
                  data-testid="connection-settle"
                />
              </FormField>
              <FormField
                label="Catch-up window (hours)"
                description="After sleep, a restart or a disabled spell, missed hours this recent are exported by themselves; older ones are listed as a gap to backfill."
                errorText={err('schedule.lookbackHours')}
              >
                <Input
                  type="number"
                  value={draft.lookbackHours}
                  onChange={(e) => set('lookbackHours', e.detail.value)}
                />
              </FormField>
              <FormField
                label="Tries when AWS refuses access"
                description="Spread over about an hour, in case a policy is being fixed. Then the connection stops and Ferry notifies its creator and the organization's admin."
                errorText={err('schedule.accessTries')}
              >
                <Input
                  type="number"
                  value={draft.accessTries}
                  onChange={(e) => set('accessTries', e.detail.value)}
                />
              </FormField>
            </SpaceBetween>
          </ExpandableSection>
        </Container>
      </SpaceBetween>
    </SaveForm>
  );
}
