import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, {
  type StatusIndicatorProps,
} from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useEffect, useState } from 'react';
import {
  MIGRATION_STEPS,
  stepNumber,
  type MigrationStep,
  type MigrationView,
} from '../../../shared/model/migration';
import { useAppStore } from '../app/store';
import { useConnectionsStore } from '../connections/store';
import { BackfillModal } from '../schedule/BackfillModal';
import { hourLabel } from '../schedule/ConnectionStatus';
import { PolicyView } from '../setup/PolicyView';
import { migrationOf, useMigrationStore } from './store';

const STEP_STATUS: Record<MigrationStep['status'], StatusIndicatorProps.Type> = {
  done: 'success',
  failed: 'error',
  waiting: 'in-progress',
  pending: 'pending',
};

const STATE_TEXT: Record<MigrationView['state'], string> = {
  'in-progress': 'In progress',
  'rolling-back': 'Rollback not finished',
  'rolled-back': 'Rolled back',
  finished: 'Finished',
};

/**
 * The KMS migration of one connection: a checklist of ten steps, one explicit action each, with
 * what every step did, the backups it took, and rollback until the old connection is deleted.
 */
export function MigrationPage({ connectionId }: { connectionId: string }) {
  const { items, loaded, load, start, busy, downloadRunbook } = useMigrationStore();
  const connections = useConnectionsStore((s) => s.items);
  const flash = useAppStore((s) => s.flash);
  const [rollingBack, setRollingBack] = useState(false);
  const [backfill, setBackfill] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => void load(), [load]);

  const found = migrationOf(items, connectionId);
  const m = found && found.state !== 'rolled-back' ? found : null;
  const old = connections.find((c) => c.id === connectionId);
  const newConnection = m && connections.find((c) => c.id === m.newConnectionId);

  if (!loaded) return <Box padding="l">Loading…</Box>;

  if (!m) {
    if (!old || old.destination.type !== 's3')
      return (
        <Box padding="l">
          <Header variant="h1">Nothing to migrate</Header>
          <Box variant="p">There is no S3 connection {connectionId}.</Box>
        </Box>
      );
    const begin = async () => {
      const result = await start(old.id, name.trim() || undefined);
      if (!result.ok) setError(result.message);
    };
    return (
      <ContentLayout
        header={
          <Header
            variant="h1"
            description="A guided checklist: nothing in AWS changes until you run a step, and until the last step everything can be rolled back."
          >
            Move “{old.name}” to KMS and a per-project role
          </Header>
        }
      >
        <SpaceBetween size="l">
          {found?.state === 'rolled-back' && (
            <Alert type="info" header="An earlier migration of this connection was rolled back">
              Everything it changed was put back. You can start again.
            </Alert>
          )}
          <Container header={<Header variant="h2">What will happen</Header>}>
            <ol style={{ margin: 0, paddingLeft: 20 }}>
              {MIGRATION_STEPS.map((s) => (
                <li key={s.id} style={{ marginBottom: 6 }}>
                  <b>{s.title}.</b> {s.does}
                </li>
              ))}
            </ol>
          </Container>
          <Container>
            <SpaceBetween size="m">
              <FormField
                label="Name of the new connection"
                description={`Default: ${old.name} (KMS)`}
                errorText={error}
              >
                <Input
                  value={name}
                  placeholder={`${old.name} (KMS)`}
                  onChange={(e) => setName(e.detail.value)}
                  ariaLabel="Name of the new connection"
                />
              </FormField>
              <Button
                variant="primary"
                loading={busy}
                onClick={begin}
                data-testid="start-migration"
              >
                Start migration
              </Button>
            </SpaceBetween>
          </Container>
        </SpaceBetween>
      </ContentLayout>
    );
  }

  const book = async () => {
    const result = await downloadRunbook(m.id);
    if (result.ok) flash('success', `Saved ${result.value}`);
    else flash('error', result.message);
  };

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={`${m.oldConnectionName} → ${m.newConnectionName} · s3://${m.bucket}/${m.prefix} · ${STATE_TEXT[m.state]}`}
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button iconName="download" onClick={book} data-testid="download-runbook">
                Download runbook
              </Button>
              {m.canRollback && (
                <Button onClick={() => setRollingBack(true)} data-testid="open-rollback">
                  {m.state === 'rolling-back' ? 'Retry rollback…' : 'Roll back…'}
                </Button>
              )}
            </SpaceBetween>
          }
        >
          Move “{m.oldConnectionName}” to KMS and a per-project role
        </Header>
      }
    >
      <SpaceBetween size="l">
        {m.state === 'finished' && (
          <Alert type="success" header="Migration finished" data-testid="migration-finished">
            “{m.newConnectionName}” exports with SSE-KMS as the per-project role. The old
            connection’s job history is archived and stays readable on the Jobs page.{' '}
            {m.rollbackRefused}
          </Alert>
        )}
        {m.state === 'rolling-back' && (
          <Alert type="error" header="The rollback did not finish" data-testid="rollback-partial">
            Some parts could not be put back (below). The backups are kept; fix the cause and retry.
          </Alert>
        )}
        {m.gap && (
          <Alert
            type="warning"
            header={`${m.gap.hours} missed hour${m.gap.hours === 1 ? '' : 's'} older than the catch-up window`}
            data-testid="migration-gap"
            action={
              newConnection && (
                <Button onClick={() => setBackfill(true)} data-testid="migration-backfill">
                  Backfill {m.gap.hours} hour{m.gap.hours === 1 ? '' : 's'}
                </Button>
              )
            }
          >
            Neither connection exported {hourLabel(m.gap.from)} to {hourLabel(m.gap.to)}. Newer
            missed hours are caught up by themselves. A backfill writes exactly these hours, which
            the old connection never wrote: nothing is doubled.
          </Alert>
        )}
        {m.rollback.length > 0 && <RollbackReport migration={m} />}
        <Container
          header={
            <Header
              variant="h2"
              counter={`(${m.steps.filter((s) => s.status === 'done').length}/10)`}
            >
              Checklist
            </Header>
          }
        >
          <ol style={{ listStyle: 'none', margin: 0, padding: 0 }} data-testid="migration-steps">
            {m.steps.map((step) => (
              <StepRow key={step.id} migration={m} step={step} />
            ))}
          </ol>
        </Container>
        {m.backups.length > 0 && <BackupsTable migration={m} />}
      </SpaceBetween>
      {rollingBack && <RollbackModal migration={m} onClose={() => setRollingBack(false)} />}
      {backfill && newConnection && m.gap && (
        <BackfillModal
          connection={newConnection}
          initial={{ from: m.gap.from, to: m.gap.to }}
          onClose={() => {
            setBackfill(false);
            void load();
          }}
          onShowHistory={() => undefined}
        />
      )}
    </ContentLayout>
  );
}

/** One step: its state and outcome; the current one with its action. */
function StepRow({ migration: m, step }: { migration: MigrationView; step: MigrationStep }) {
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
            type={current && step.status === 'pending' ? 'info' : STEP_STATUS[step.status]}
          >
            <b>
              {stepNumber(step.id)}. {spec.title}
            </b>
          </StatusIndicator>
          {step.at && (
            <Box
              variant="small"
              color="text-status-inactive"
            >{`${step.at.slice(0, 16).replace('T', ' ')} UTC${step.markedByAdmin ? ' · marked done by you' : ''}`}</Box>
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
                  <StatusIndicator
                    type={
                      c.status === 'passed'
                        ? 'success'
                        : c.status === 'failed'
                          ? 'error'
                          : 'warning'
                    }
                  >
                    {c.label}
                  </StatusIndicator>{' '}
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
          <Button variant="primary" onClick={() => setConfirming(true)} data-testid="run-step">
            Delete the old connection…
          </Button>
        ) : (
          <Button
            variant="primary"
            loading={busy}
            data-testid="run-step"
            onClick={() => run(step.id === 'key' && keyArn.trim() ? { keyArn: keyArn.trim() } : {})}
          >
            {step.id === 'key' ? (keyArn.trim() ? 'Use this key' : 'Create a key') : label}
          </Button>
        )}
        {markable && (
          <Button disabled={busy} onClick={() => run({ markDone: true })} data-testid="mark-done">
            I did this outside Ferry — check it
          </Button>
        )}
      </SpaceBetween>
      {confirming && (
        <Modal
          visible
          onDismiss={() => setConfirming(false)}
          header={`Delete “${m.oldConnectionName}”?`}
          closeAriaLabel="Close"
          footer={
            <Box float="right">
              <SpaceBetween direction="horizontal" size="xs">
                <Button variant="link" onClick={() => setConfirming(false)}>
                  Cancel
                </Button>
                <Button
                  variant="primary"
                  loading={busy}
                  onClick={() => run({ confirm: true })}
                  data-testid="confirm-delete-old"
                >
                  Delete and finish
                </Button>
              </SpaceBetween>
            </Box>
          }
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
        </Modal>
      )}
    </SpaceBetween>
  );
}

function RollbackModal({ migration: m, onClose }: { migration: MigrationView; onClose(): void }) {
  const { rollback, busy } = useMigrationStore();
  const [deleteKey, setDeleteKey] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const go = async () => {
    const result = await rollback(m.id, deleteKey);
    if (!result.ok) return setError(result.message);
    onClose();
  };
  return (
    <Modal
      visible
      onDismiss={onClose}
      closeAriaLabel="Close"
      header="Roll back the migration?"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button variant="primary" loading={busy} onClick={go} data-testid="confirm-rollback">
              Roll back
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="s">
        {error && <Alert type="error">{error}</Alert>}
        <Box variant="p">Ferry puts back what this migration changed, each part on its own:</Box>
        <ul style={{ margin: 0, paddingLeft: 18 }}>
          <li>removes the new connection “{m.newConnectionName}”, if it was created;</li>
          <li>
            restores the bucket policy and default encryption from the step 5 backups
            {m.restorePoint
              ? ` (${m.restorePoint.bucketPolicy}, ${m.restorePoint.bucketEncryption})`
              : ' (not taken yet: nothing was changed)'}
            ;
          </li>
          <li>undoes the export role (deleted if this migration created it);</li>
          <li>
            enables “{m.oldConnectionName}” again
            {m.oldWasEnabled ? '' : ' (it was disabled before: it stays so)'}.
          </li>
        </ul>
        {m.keyCreated && (
          <Checkbox checked={deleteKey} onChange={(e) => setDeleteKey(e.detail.checked)}>
            Also schedule deletion of the key step 2 created (in 7 days; cancelable until then)
          </Checkbox>
        )}
        <Box variant="small">
          A part that fails is reported; the backups are kept and you can retry.
        </Box>
      </SpaceBetween>
    </Modal>
  );
}

function RollbackReport({ migration: m }: { migration: MigrationView }) {
  return (
    <Container header={<Header variant="h2">Rollback</Header>} data-testid="rollback-report">
      <ul style={{ margin: 0, paddingLeft: 0, listStyle: 'none' }}>
        {m.rollback.map((i) => (
          <li key={i.id} style={{ marginBottom: 4 }}>
            <StatusIndicator
              type={i.status === 'done' ? 'success' : i.status === 'failed' ? 'error' : 'stopped'}
            >
              {i.label}
            </StatusIndicator>{' '}
            <Box variant="small" display="inline">
              {i.detail}
            </Box>
          </li>
        ))}
      </ul>
    </Container>
  );
}

function BackupsTable({ migration: m }: { migration: MigrationView }) {
  const { downloadBackup } = useMigrationStore();
  const flash = useAppStore((s) => s.flash);
  return (
    <Table
      data-testid="migration-backups"
      header={
        <Header
          variant="h2"
          counter={`(${m.backups.length})`}
          description="Kept in the data folder’s backups/; Ferry never deletes them."
        >
          Backups
        </Header>
      }
      items={m.backups}
      columnDefinitions={[
        { id: 'id', header: 'Backup', cell: (b) => b.id, isRowHeader: true },
        { id: 'kind', header: 'Document', cell: (b) => `${b.kind} · ${b.target}` },
        {
          id: 'taken',
          header: 'Taken (UTC)',
          cell: (b) => b.takenAt.slice(0, 16).replace('T', ' '),
        },
        { id: 'existed', header: 'Before', cell: (b) => (b.existed ? 'kept' : 'there was none') },
        {
          id: 'download',
          header: 'Download',
          minWidth: 120,
          cell: (b) => (
            <Button
              variant="inline-link"
              ariaLabel={`Download backup ${b.id}`}
              onClick={async () => {
                const result = await downloadBackup(b.id);
                if (!result.ok) flash('error', result.message);
              }}
            >
              Download
            </Button>
          ),
        },
      ]}
    />
  );
}
