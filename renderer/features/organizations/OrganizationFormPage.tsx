import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { organizationCreate } from '../../../shared/model/entities';
import { useRouter } from '../../app/router';
import { useAppStore } from '../app/store';
import { fieldErrors } from '../common/action';
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
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (id !== undefined && !existing)
    return <Header variant="h1">Organization {id} was not found</Header>;

  const submit = async () => {
    setFormError(null);
    const input = { id: orgId, name, adminEmail: adminEmail.trim() || null };
    const local = fieldErrors(organizationCreate, input);
    if (local) return setErrors(local);
    setErrors({});
    setBusy(true);
    const result = existing ? await store.update(input) : await store.create(input);
    setBusy(false);
    if (!result.ok) {
      setErrors(result.fields);
      if (Object.keys(result.fields).length === 0) setFormError(result.message);
      return;
    }
    flash(
      'success',
      existing
        ? `Organization "${result.value.name}" saved.`
        : `Organization "${result.value.name}" created. Add its first project next.`,
    );
    navigate(
      existing
        ? `/organizations/${result.value.id}`
        : `/organizations/${result.value.id}/projects/new`,
    );
  };

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      data-testid="org-form"
    >
      <Form
        header={
          <Header variant="h1" description="An organization owns projects and buckets.">
            {existing ? `Edit ${existing.name}` : 'Create organization'}
          </Header>
        }
        errorText={formError}
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button
              formAction="none"
              variant="link"
              onClick={() =>
                navigate(existing ? `/organizations/${existing.id}` : '/organizations')
              }
            >
              Cancel
            </Button>
            <Button variant="primary" loading={busy} data-testid="save-org">
              {existing ? 'Save changes' : 'Create organization'}
            </Button>
          </SpaceBetween>
        }
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
      </Form>
    </form>
  );
}
