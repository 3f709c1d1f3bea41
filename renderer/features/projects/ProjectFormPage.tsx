import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useState } from 'react';
import { useRouter } from '../../app/router';
import { useAppStore } from '../app/store';
import { SaveForm, useSaveForm } from '../common/SaveForm';
import { useOrgsStore } from '../organizations/store';
import { useProjectsStore } from './store';
import { checkDraft, draftFrom, type Draft } from './project-draft';
import { ProjectFields, SourceOfEvents } from './ProjectFields';

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
  const checked = checkDraft(draft, existing, owner?.id ?? 0, secretStored);
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
        <ProjectFields draft={draft} set={set} errors={errors} locked={!!existing} />
        <SourceOfEvents draft={draft} set={set} errors={errors} secretStored={secretStored} />
      </SpaceBetween>
    </SaveForm>
  );
}
