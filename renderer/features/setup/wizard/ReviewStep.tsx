import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Toggle from '@cloudscape-design/components/toggle';
import { describeDestination } from '../../../../shared/model/describe';
import type { Project } from '../../../../shared/model/entities';
import { useSetupStore } from '../store';
import type { Draft, SetDraft } from './draft';

/** Step 6: what will be created, whether access was verified, and whether to start now. */
export function ReviewStep({
  draft,
  set,
  project,
  submitting,
}: {
  draft: Draft;
  set: SetDraft;
  project: Project | undefined;
  submitting: boolean;
}) {
  const verified = useSetupStore((s) => s.verify);
  return (
    <Container header={<Header variant="h2">Review</Header>}>
      <SpaceBetween size="m">
        <KeyValuePairs
          columns={2}
          items={[
            { label: 'Connection', value: draft.name },
            { label: 'Project', value: project ? `${project.name} (${project.id})` : '—' },
            {
              label: 'Destination',
              value: describeDestination({
                type: 's3',
                bucket: draft.bucket,
                prefix:
                  draft.prefix && !draft.prefix.endsWith('/') ? `${draft.prefix}/` : draft.prefix,
              } as never),
            },
            {
              label: 'AWS profile',
              value: `${draft.profile}${draft.form === 'role' ? ' → export role' : ''}`,
            },
            {
              label: 'Access',
              value: verified ? (
                <StatusIndicator type={verified.ok ? 'success' : 'error'}>
                  {verified.ok ? 'Verified' : 'Checks failed'}
                </StatusIndicator>
              ) : (
                <StatusIndicator type="warning">Not verified</StatusIndicator>
              ),
            },
          ]}
        />
        <Toggle
          checked={draft.enable}
          onChange={(e) => set('enable', e.detail.checked)}
          data-testid="wizard-enable"
        >
          Start hourly exports immediately
        </Toggle>
        {submitting && <StatusIndicator type="loading">Creating…</StatusIndicator>}
      </SpaceBetween>
    </Container>
  );
}
