/** The checklist's rows: each step's state and outcome, and the current step's action. */
import { formatTime } from '../common/time';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useState } from 'react';
import {
  MIGRATION_STEPS,
  stepNumber,
  type MigrationStep,
  type MigrationView,
} from '../../../shared/model/migration';
import { MIGRATION_CHECK_LOOK, MIGRATION_STEP_LOOK } from '../common/status-look';
import { PolicyView } from '../setup/PolicyView';
import { useMigrationStore } from './store';
import { fire } from '../common/action';
import { ConfirmAction } from '../../components/Confirm';

/** One step: its state and outcome; the current one with its action. */
export function StepRow({ migration: m, step }: { migration: MigrationView; step: MigrationStep }) {
  const spec = MIGRATION_STEPS[stepNumber(step.id) - 1]!;
  const current = m.current === step.id;
  return (
    <li
      data-testid={`step-${stepNumber(step.id)}`}
      style={{
        padding: '12px 0',
        borderTop: stepNumber(step.id) > 1 ? '1px solid rgba(128,128,128,0.25)' : undefined,
      }}
    >
      <SpaceBetween size="xs">
        <SpaceBetween direction="horizontal" size="xs">
          <StatusIndicator
            type={current && step.status === 'pending' ? 'info' : MIGRATION_STEP_LOOK[step.status]}
          >
            <b>
              {stepNumber(step.id)}. {spec.title}
            </b>
          </StatusIndicator>
          {step.at && (
            <Box
              variant="small"
              color="text-status-inactive"
            >{`${formatTime(step.at)}${step.markedByAdmin ? ' · marked done by you' : ''}`}</Box>
          )}
        </SpaceBetween>
        {(current || step.status === 'pending') && <Box variant="small">{spec.does}</Box>}
        {step.outcome && (
          <Box
            variant="p"
            color={step.status === 'failed' ? 'text-status-error' : undefined}
            data-testid={`outcome-${stepNumber(step.id)}`}
          >
            {step.outcome}
          </Box>
        )}
        {step.id === 'prerequisites' && m.checks.length > 0 && (
          <ExpandableSection headerText={`Checks (${m.checks.length})`}>
            <ul style={{ margin: 0, paddingLeft: 18 }}>
              {m.checks.map((c) => (
                <li key={c.label}>
                  <StatusIndicator type={MIGRATION_CHECK_LOOK[c.status]}>{c.label}</StatusIndicator>{' '}
                  <Box variant="small" display="inline">
                    {c.detail}
                  </Box>
                </li>
              ))}
            </ul>
          </ExpandableSection>
        )}
        {step.id === 'new-connection' && m.documents.length > 0 && (
          <ExpandableSection headerText={`Generated documents (${m.documents.length})`}>
            <SpaceBetween size="m">
              {m.documents.map((d) => (
                <SpaceBetween size="xxs" key={`${d.kind}|${d.target}`}>
                  <Box variant="h4">
                    {d.kind} · {d.target}
                  </Box>
                  <PolicyView proposal={d} />
                </SpaceBetween>
              ))}
            </SpaceBetween>
          </ExpandableSection>
        )}
        {step.id === 'first-export' && m.objects.length > 0 && (
          <Table
            variant="embedded"
            data-testid="first-objects"
            items={m.objects}
            columnDefinitions={[
              { id: 'key', header: 'Object', cell: (o) => o.key },
              { id: 'sse', header: 'Encryption', cell: (o) => o.serverSideEncryption ?? 'none' },
              { id: 'kms', header: 'KMS key', cell: (o) => o.kmsKeyId ?? '—' },
            ]}
          />
        )}
        {current && <StepAction migration={m} step={step} />}
      </SpaceBetween>
    </li>
  );
}

/** The action of the current step. */
function StepAction({ migration: m, step }: { migration: MigrationView; step: MigrationStep }) {
  const { next, busy } = useMigrationStore();
  const [keyArn, setKeyArn] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const n = stepNumber(step.id);
  const run = async (options: { markDone?: boolean; keyArn?: string; confirm?: boolean } = {}) => {
    setError(null);
    const result = await next({ id: m.id, ...options });
    if (!result.ok) setError(result.message);
    setConfirming(false);
  };
  const label =
    step.status === 'failed'
      ? `Try step ${n} again`
      : step.status === 'waiting'
        ? 'Check again'
        : `Run step ${n}`;
  const markable =
    step.id === 'prerequisites' || step.id === 'apply-policies' || step.id === 'encryption';

  return (
    <SpaceBetween size="s">
      {error && (
        <Alert type="error" data-testid="step-error">
          {error}
        </Alert>
      )}
      {step.id === 'key' && (
        <FormField
          label="Existing key ARN (optional)"
          description="Leave empty to create a new key in the bucket’s Region."
        >
          <Input
            value={keyArn}
            onChange={(e) => setKeyArn(e.detail.value)}
            placeholder="arn:aws:kms:us-east-1:111122223333:key/…"
            ariaLabel="Existing key ARN"
          />
        </FormField>
      )}
      <SpaceBetween direction="horizontal" size="xs">
        {step.id === 'delete-old' ? (
          <Button onClick={() => setConfirming(true)} data-testid="run-step">
            Delete the old connection…
          </Button>
        ) : (
          <Button
            variant="primary"
            loading={busy}
            data-testid="run-step"
            onClick={fire(() =>
              run(step.id === 'key' && keyArn.trim() ? { keyArn: keyArn.trim() } : {}),
            )}
          >
            {step.id === 'key' ? (keyArn.trim() ? 'Use this key' : 'Create a key') : label}
          </Button>
        )}
        {markable && (
          <Button
            disabled={busy}
            onClick={fire(() => run({ markDone: true }))}
            data-testid="mark-done"
          >
            I did this outside Ferry — check it
          </Button>
        )}
      </SpaceBetween>
      {confirming && (
        <ConfirmAction
          visible
          title={`Delete “${m.oldConnectionName}”?`}
          action="Delete and finish"
          testId="confirm-delete-old"
          // Nothing undoes it: rollback ends here. The name typed, as the AWS console asks.
          typeToConfirm={m.oldConnectionName}
          onCancel={() => setConfirming(false)}
          onConfirm={async () => {
            const result = await next({ id: m.id, confirm: true });
            if (result.ok) setConfirming(false);
            return result;
          }}
        >
          <SpaceBetween size="s">
            <Alert type="warning">
              After this, <b>rollback will no longer be possible</b>. The backups stay, and each can
              still be restored on its own.
            </Alert>
            <Box variant="p">
              “{m.oldConnectionName}” is deleted and its statements are taken out of the bucket
              policy (backed up first). Its job history is archived and stays readable.
            </Box>
          </SpaceBetween>
        </ConfirmAction>
      )}
    </SpaceBetween>
  );
}
