import Alert from '@cloudscape-design/components/alert';
import Autosuggest from '@cloudscape-design/components/autosuggest';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useState } from 'react';
import type { SetupTargetInput } from '../../../../shared/model/aws';
import type { ActionResult } from '../../common/action';
import { S3LocationFields } from '../../connections/S3LocationFields';
import { profileOptions } from '../ProfileField';
import { useSetupStore } from '../store';
import type { Draft, SetDraft } from './draft';

/** Step 3: the AWS profile that writes, checked on request, and where the files go. */
export function BucketStep({
  draft,
  set,
  patch,
  err,
  target,
  onResult,
}: {
  draft: Draft;
  set: SetDraft;
  patch(change: Partial<Draft>): void;
  err: (field: string) => string | undefined;
  target(): SetupTargetInput;
  /** An action's outcome: a failure is shown on its fields; a success clears them. */
  onResult(result: ActionResult<unknown>): void;
}) {
  const setup = useSetupStore();
  // What Detect found, said even when it changes nothing ("already set").
  const [detected, setDetected] = useState<{ bucket: string; text: string } | null>(null);
  return (
    <Container header={<Header variant="h2">Bucket</Header>}>
      <SpaceBetween size="m">
        {setup.profiles?.warnings.map((w) => (
          <Alert key={w} type="warning">
            {w}
          </Alert>
        ))}
        <FormField
          label="AWS profile"
          description={`From ${setup.profiles?.files.config ?? '~/.aws/config'}. Ferry never stores AWS keys.`}
          errorText={err('profile')}
          secondaryControl={
            <Button
              loading={setup.busy === 'identity'}
              onClick={() => void setup.checkIdentity(target()).then(onResult)}
              data-testid="wizard-check-profile"
            >
              Check
            </Button>
          }
        >
          <Autosuggest
            data-testid="wizard-profile"
            value={draft.profile}
            options={profileOptions(setup.profiles)}
            onChange={(e) => set('profile', e.detail.value)}
            enteredTextLabel={(v) => `Use "${v}"`}
            empty="No profiles found — create one with aws configure"
          />
        </FormField>
        {setup.identity && (
          <StatusIndicator type="success">
            {draft.profile} is {setup.identity.arn}
          </StatusIndicator>
        )}
        {(err('mfaCode') || draft.mfaCode) && (
          <FormField
            label="MFA code"
            description="From the MFA device of this profile."
            errorText={err('mfaCode')}
          >
            <Input
              value={draft.mfaCode}
              onChange={(e) => set('mfaCode', e.detail.value)}
              inputMode="numeric"
            />
          </FormField>
        )}
        <S3LocationFields
          value={draft}
          onChange={patch}
          errorText={(field) => err(field)}
          testIdPrefix="wizard"
          regionControl={
            <Button
              loading={setup.busy === 'region'}
              disabled={!draft.bucket}
              onClick={() =>
                void setup.detectRegion(target()).then((r) => {
                  setDetected(null);
                  if (!r.ok) return onResult(r);
                  setDetected({
                    bucket: draft.bucket,
                    text:
                      r.value === draft.region
                        ? `${draft.bucket} is in ${r.value}, as already set.`
                        : `${draft.bucket} is in ${r.value}: the Region is set to it (was ${draft.region}).`,
                  });
                  set('region', r.value);
                })
              }
            >
              Detect
            </Button>
          }
        />
        {detected && detected.bucket === draft.bucket && (
          <StatusIndicator type="success" data-testid="detected-region">
            {detected.text}
          </StatusIndicator>
        )}
      </SpaceBetween>
    </Container>
  );
}
