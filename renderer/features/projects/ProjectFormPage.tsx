import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Tiles from '@cloudscape-design/components/tiles';
import { useState } from 'react';
import { projectCreate, type ProjectCreate } from '../../../shared/model/entities';
import { useRouter } from '../../app/router';
import { useAppStore } from '../app/store';
import { fieldErrors } from '../common/action';
import { useOrgsStore } from '../organizations/store';
import { useProjectsStore } from './store';

/** Add a project to an organization, or edit one. */
export function ProjectFormPage({ orgId, id }: { orgId?: number; id?: number }) {
  const store = useProjectsStore();
  const orgs = useOrgsStore((s) => s.items);
  const navigate = useRouter((s) => s.navigate);
  const flash = useAppStore((s) => s.flash);
  const existing = id !== undefined ? store.items.find((p) => p.id === id) : undefined;
  const owner = orgs.find((o) => o.id === (existing?.orgId ?? orgId));
  const [projectId, setProjectId] = useState(existing ? String(existing.id) : '');
  const [name, setName] = useState(existing?.name ?? '');
  const [kind, setKind] = useState<'standard' | 'portfolio'>(existing?.kind ?? 'standard');
  const [sourceType, setSourceType] = useState<'demo' | 'files'>(existing?.source.type ?? 'demo');
  const [sourcePath, setSourcePath] = useState(
    existing?.source.type === 'files' ? existing.source.path : '',
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (!owner)
    return (
      <Header variant="h1">
        {id !== undefined ? `Project ${id}` : `Organization ${orgId}`} was not found
      </Header>
    );

  const submit = async () => {
    setFormError(null);
    const source: ProjectCreate['source'] =
      sourceType === 'files'
        ? { type: 'files', path: sourcePath }
        : existing?.source.type === 'demo'
          ? existing.source
          : { type: 'demo' };
    const input: ProjectCreate = { id: projectId, orgId: owner.id, name, kind, source };
    const local = fieldErrors(projectCreate, input);
    if (local) return setErrors(local);
    setErrors({});
    setBusy(true);
    const result = existing
      ? await store.update({ id: existing.id, name, kind, source })
      : await store.create(input);
    setBusy(false);
    if (!result.ok) {
      setErrors(result.fields);
      if (Object.keys(result.fields).length === 0) setFormError(result.message);
      return;
    }
    flash(
      'success',
      existing
        ? `Project "${result.value.name}" saved.`
        : `Project "${result.value.name}" added. Connect it to a bucket next.`,
    );
    navigate(
      !existing && result.value.kind === 'standard'
        ? `/connections/new?project=${result.value.id}`
        : `/organizations/${owner.id}`,
    );
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      data-testid="project-form"
    >
      <Form
        header={
          <Header variant="h1" description={`In ${owner.name} (${owner.id})`}>
            {existing ? `Edit ${existing.name}` : 'Add project'}
          </Header>
        }
        errorText={formError}
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button
              formAction="none"
              variant="link"
              onClick={() => navigate(`/organizations/${owner.id}`)}
            >
              Cancel
            </Button>
            <Button variant="primary" loading={busy} data-testid="save-project">
              {existing ? 'Save changes' : 'Add project'}
            </Button>
          </SpaceBetween>
        }
      >
        <Container>
          <SpaceBetween size="m">
            <FormField
              label="Project ID"
              description="The numeric project ID from Amplitude. It starts every exported file name."
              errorText={errors.id}
            >
              <Input
                value={projectId}
                disabled={!!existing}
                inputMode="numeric"
                onChange={(e) => setProjectId(e.detail.value)}
                placeholder="187520"
                data-testid="project-id"
              />
            </FormField>
            <FormField label="Name" errorText={errors.name}>
              <Input
                value={name}
                onChange={(e) => setName(e.detail.value)}
                placeholder="Web app (production)"
                data-testid="project-name"
              />
            </FormField>
            <FormField label="Kind" errorText={errors.kind}>
              <RadioGroup
                value={kind}
                onChange={(e) => setKind(e.detail.value as 'standard' | 'portfolio')}
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
            <FormField label="Source of events" errorText={errors['source.type'] ?? errors.source}>
              <Tiles
                value={sourceType}
                onChange={(e) => setSourceType(e.detail.value as 'demo' | 'files')}
                items={[
                  {
                    value: 'demo',
                    label: 'Demo data',
                    description: 'Realistic sample events, generated here. No account needed.',
                  },
                  {
                    value: 'files',
                    label: 'Files',
                    description:
                      'A folder of .json, .ndjson or .json.gz files, e.g. an earlier export.',
                  },
                ]}
              />
            </FormField>
            {sourceType === 'files' && (
              <FormField
                label="Folder"
                description="An absolute path; sub-folders are read too."
                errorText={errors['source.path']}
              >
                <Input
                  value={sourcePath}
                  onChange={(e) => setSourcePath(e.detail.value)}
                  placeholder="/data/amplitude-export"
                  data-testid="project-source-path"
                />
              </FormField>
            )}
          </SpaceBetween>
        </Container>
      </Form>
    </form>
  );
}
