import Autosuggest from '@cloudscape-design/components/autosuggest';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useEffect, useState } from 'react';
import type { MethodResult } from '../../../shared/api/contract';
import { useSetupStore } from './store';

/** The profiles on this machine as choices: name, kind, region, whether MFA is asked. */
export function profileOptions(profiles: MethodResult<'aws.profiles'> | null) {
  return (profiles?.profiles ?? []).map((p) => ({
    value: p.name,
    label: p.name,
    description: `${p.kind}${p.region ? ` · ${p.region}` : ''}${p.mfaSerial ? ' · MFA' : ''}`,
  }));
}

/**
 * The AWS profile a connection uses: picked from the profiles on this machine (or typed), with
 * Check, which asks STS who it is. The same field in the setup wizard and the connection form.
 */
export function ProfileField({
  value,
  onChange,
  errorText,
  ask,
  testIdPrefix: p,
}: {
  value: string;
  onChange(profile: string): void;
  errorText?: string;
  /** Region and endpoint to ask from (Check). */
  ask: { region: string; endpoint: string | null };
  testIdPrefix: string;
}) {
  const { profiles, loadProfiles, checkIdentity, busy } = useSetupStore();
  const [checked, setChecked] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => void loadProfiles(), [loadProfiles]);
  const options = profileOptions(profiles);
  // Nothing typed yet: "default", where this machine has a profile of that name — no other is
  // assumed (the admin picks from the list).
  const obvious = options.find((o) => o.value === 'default')?.value;
  useEffect(() => {
    if (value === '' && obvious) onChange(obvious);
    // Once, when the profiles arrive: an admin who clears the field keeps it clear.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [obvious]);
  const check = async () => {
    const result = await checkIdentity({
      profile: value,
      region: ask.region || 'us-east-1',
      endpoint: ask.endpoint,
    });
    setChecked(
      result.ok
        ? { ok: true, text: `${value} is ${result.value.arn}` }
        : { ok: false, text: result.message },
    );
  };
  return (
    <SpaceBetween size="xs">
      <FormField
        label="AWS profile"
        description={`From ${profiles?.files.config ?? '~/.aws/config'}. Ferry never stores AWS keys.`}
        errorText={errorText}
        secondaryControl={
          <Button
            formAction="none"
            loading={busy === 'identity'}
            disabled={!value.trim()}
            onClick={() => void check()}
            data-testid={`${p}-check-profile`}
          >
            Check
          </Button>
        }
      >
        <Autosuggest
          data-testid={`${p}-profile`}
          value={value}
          options={options}
          onChange={(e) => {
            setChecked(null);
            onChange(e.detail.value);
          }}
          enteredTextLabel={(v) => `Use "${v}"`}
          placeholder={options.length > 0 ? 'Choose a profile' : 'A profile name, e.g. default'}
          ariaLabel="AWS profile"
          empty="No profiles found — create one with aws configure"
        />
      </FormField>
      {checked && (
        <StatusIndicator type={checked.ok ? 'success' : 'error'}>{checked.text}</StatusIndicator>
      )}
    </SpaceBetween>
  );
}
