import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useState } from 'react';
import { organizationCreate } from '../../../shared/model/entities';
import { useRouter } from '../../app/router';
import { useAppStore } from '../app/store';
import { fieldErrors } from '../common/action';
import { SaveForm, useSaveForm } from '../common/SaveForm';
import { useOrgsStore } from './store';

/** Create an organization, or edit its name and admin email. */
export function OrganizationFormPage({ id }: { id?: number }) {
  const store = useOrgsStore();
  const navigate = useRouter((s) => s.navigate);
  const flash = useAppStore((s) => s.flash);
  const existing = id !== undefined ? store.items.find((o) => o.id === id) : undefined;
  const [orgId, setOrgId] = useState(existing ? String(existing.id) : '');
  const [name, setName] = useState(existing?.name ?? '');
  const [adminEmail, setAdminEmail] = useState(existing?.adminEmail ?? '');
  const form = useSaveForm();
  const { errors, recheck } = form;
  const input = { id: orgId, name, adminEmail: adminEmail.trim() || null };
  const problems = fieldErrors(organizationCreate, input);
  useEffect(() => recheck(problems), [problems, recheck]);

  if (id !== undefined && !existing)
    return <Header variant="h1">Organization {id} was not found</Header>;

  const submit = async () => {
    const saved = await form.save(problems, () =>
      existing ? store.update(input) : store.create(input),
    );
    if (!saved) return;
    flash(
      'success',
      existing
        ? `Organization "${saved.name}" saved.`
        : `Organization "${saved.name}" created. Add its first project next.`,
    );
    navigate(existing ? `/organizations/${saved.id}` : `/organizations/${saved.id}/projects/new`);
  };

  return (
    <SaveForm
      title={existing ? `Edit ${existing.name}` : 'Create organization'}
      description="An organization owns projects and buckets."
      state={form}
      fields={['id', 'name', 'adminEmail']}
      submitLabel={existing ? 'Save changes' : 'Create organization'}
      testId="org"
      onSubmit={() => void submit()}
      onCancel={() => navigate(existing ? `/organizations/${existing.id}` : '/organizations')}
    >
      <Container>
        <SpaceBetween size="m">
          <FormField
            label="Organization ID"
            description="The numeric ID from Amplitude (Settings → Organization). It names the merged-ID files."
            errorText={errors.id}
          >
            <Input
              value={orgId}
              disabled={!!existing}
              inputMode="numeric"
              onChange={(e) => setOrgId(e.detail.value)}
              placeholder="123456"
              data-testid="org-id"
            />
          </FormField>
          <FormField label="Name" errorText={errors.name}>
            <Input
              value={name}
              onChange={(e) => setName(e.detail.value)}
              placeholder="Acme Inc."
              data-testid="org-name"
            />
          </FormField>
          <FormField
            label={
              <>
                Admin email <i>- optional</i>
              </>
            }
            description="Told when an export keeps failing."
            errorText={errors.adminEmail}
          >
            <Input
              type="email"
              value={adminEmail}
              onChange={(e) => setAdminEmail(e.detail.value)}
              placeholder="data-team@example.com"
              data-testid="org-admin-email"
            />
          </FormField>
        </SpaceBetween>
      </Container>
    </SaveForm>
  );
}
