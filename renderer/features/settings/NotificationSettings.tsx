import Alert from '@cloudscape-design/components/alert';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Checkbox from '@cloudscape-design/components/checkbox';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Toggle from '@cloudscape-design/components/toggle';
import { useEffect, useState } from 'react';
import { settingsUpdate, type AppSettings } from '../../../shared/model/settings';
import { api } from '../../api/client';
import { attempt, fieldErrors, fire } from '../common/action';
import { useAppStore } from '../app/store';
import { draftFrom, settingsInput, type Draft } from './settings-draft';

/**
 * Failure emails (SMTP; the password goes to the secret store, never config.json) and how many
 * exports run at once.
 */
export function NotificationSettings() {
  const flash = useAppStore((s) => s.flash);
  const [settings, setSettings] = useState<AppSettings | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    void attempt(() => api().settings.get()).then((r) => {
      if (!r.ok) return;
      setSettings(r.value);
      setDraft(draftFrom(r.value));
    });
  }, []);
  if (!draft || !settings) return null;
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) =>
    setDraft({ ...draft, [key]: value });

  const input = settingsInput(draft);
  const save = async () => {
    const problems = fieldErrors(settingsUpdate, input);
    setErrors(problems ?? {});
    if (problems) return;
    setSaving(true);
    const result = await attempt(() => api().settings.update(input));
    setSaving(false);
    if (!result.ok) {
      setErrors(result.fields);
      return flash('error', result.message);
    }
    setSettings(result.value);
    setDraft(draftFrom(result.value));
    flash('success', 'Settings saved.');
  };
  return (
    <Container
      data-testid="notification-settings"
      header={
        <Header
          variant="h2"
          description="When a connection fails after its tries, Ferry shows a notification and emails the organization's admin and the connection's creator: at most one email per connection a day, and one when it works again."
          actions={
            <Button
              variant="primary"
              loading={saving}
              onClick={fire(save)}
              data-testid="save-settings"
            >
              Save
            </Button>
          }
        >
          Failure emails and exports
        </Header>
      }
    >
      <SpaceBetween size="l">
        {!settings.smtp && (
          <Alert type="info">
            No SMTP server is set: failures show as notifications only. Fill in the server below to
            email them too.
          </Alert>
        )}
        <SmtpFields
          draft={draft}
          set={set}
          errors={errors}
          passwordStored={settings.smtpPasswordStored}
        />
        <TestEmail enabled={!!settings.smtp} />
        <FormField
          label="Exports at once"
          description="Across all connections. Scheduled hours go first; backfills use the free slots."
          errorText={errors.concurrency}
        >
          <Input
            type="number"
            value={draft.concurrency}
            onChange={(e) => set('concurrency', e.detail.value)}
          />
        </FormField>
      </SpaceBetween>
    </Container>
  );
}

/** The SMTP server that failure emails go through. */
function SmtpFields({
  draft,
  set,
  errors,
  passwordStored,
}: {
  draft: Draft;
  set: <K extends keyof Draft>(key: K, value: Draft[K]) => void;
  errors: Record<string, string>;
  passwordStored: boolean;
}) {
  // In team mode the password is kept in the team's database, sealed (docs/team.md).
  const team = useAppStore((s) => !!s.info?.database);
  return (
    <ColumnLayout columns={2}>
      <FormField label="SMTP host" errorText={errors['smtp.host']}>
        <Input
          value={draft.host}
          placeholder="smtp.example.com"
          onChange={(e) => set('host', e.detail.value)}
          data-testid="smtp-host"
        />
      </FormField>
      <FormField label="Port" errorText={errors['smtp.port']}>
        <Input
          type="number"
          value={draft.port}
          onChange={(e) => set('port', e.detail.value)}
          data-testid="smtp-port"
        />
      </FormField>
      <FormField label="From address" errorText={errors['smtp.from']}>
        <Input
          value={draft.from}
          placeholder="ferry@example.com"
          onChange={(e) => set('from', e.detail.value)}
          data-testid="smtp-from"
        />
      </FormField>
      <FormField label="Security">
        <Toggle checked={draft.secure} onChange={(e) => set('secure', e.detail.checked)}>
          TLS from the start (port 465); otherwise the server must offer STARTTLS
        </Toggle>
        {!draft.secure && (
          <Checkbox
            checked={draft.allowUnencrypted}
            onChange={(e) => set('allowUnencrypted', e.detail.checked)}
            description="Only for a server on a network you trust: the password and every email would cross it in clear."
          >
            Allow an unencrypted server
          </Checkbox>
        )}
      </FormField>
      <FormField label="User name (optional)" errorText={errors['smtp.user']}>
        <Input value={draft.user} onChange={(e) => set('user', e.detail.value)} />
      </FormField>
      <FormField
        label="Password"
        description={
          passwordStored
            ? 'A password is stored for this server. Type a new one to replace it; a new host or port needs it again.'
            : team
              ? "Sealed in the team database with the team's KMS key (or given as FERRY_SECRET_SMTP_PASSWORD on each host), never in clear."
              : 'Kept in the OS keychain (desktop) or a private file (headless), never in config.json.'
        }
        errorText={errors.smtpPassword}
      >
        <Input
          type="password"
          value={draft.password}
          onChange={(e) => set('password', e.detail.value)}
        />
      </FormField>
    </ColumnLayout>
  );
}

/** Send a test email through the saved server. */
function TestEmail({ enabled }: { enabled: boolean }) {
  const flash = useAppStore((s) => s.flash);
  const [testTo, setTestTo] = useState('');
  const [busy, setBusy] = useState(false);
  const test = async () => {
    setBusy(true);
    const result = await attempt(() => api().settings.testEmail({ to: testTo }));
    setBusy(false);
    flash(
      result.ok ? 'success' : 'error',
      result.ok ? `Test email sent to ${testTo}.` : result.message,
    );
  };
  return (
    <FormField
      label="Send a test email"
      description="Uses the saved settings (save first)."
      secondaryControl={
        <Button
          onClick={fire(test)}
          loading={busy}
          disabled={!enabled || !testTo}
          data-testid="test-email"
        >
          Send
        </Button>
      }
    >
      <Input
        value={testTo}
        placeholder="you@example.com"
        onChange={(e) => setTestTo(e.detail.value)}
      />
    </FormField>
  );
}
