import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useState } from 'react';
import type { Connection } from '../../../shared/model/entities';
import { MIGRATION_STEPS, type MigrationView } from '../../../shared/model/migration';
import { useAppStore } from '../app/store';
import { useConnectionsStore } from '../connections/store';
import { BackfillModal } from '../schedule/BackfillModal';
import { hourText } from '../common/time';
import { BackupsTable } from './BackupsTable';
import { MigrationResources } from './MigrationResources';
import { RollbackModal, RollbackReport } from './Rollback';
import { StepRow } from './StepRow';
import { migrationOf, useMigrationStore } from './store';
import { InfoLink } from '../help/InfoLink';
import { fire } from '../common/action';
import { NotFound } from '../../components/NotFound';
import { plural } from '../../../shared/format';

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
  const { items, loaded, load } = useMigrationStore();
  const connections = useConnectionsStore((s) => s.items);
  useEffect(() => void load(), [load]);

  const found = migrationOf(items, connectionId);
  const m = found && found.state !== 'rolled-back' ? found : null;
  const old = connections.find((c) => c.id === connectionId);

  if (!loaded) return <Box padding="l">Loading…</Box>;
  if (m) return <MigrationProgress migration={m} />;
  if (!old || old.destination.type !== 's3')
    return (
      <NotFound title="Nothing to migrate">There is no S3 connection {connectionId}.</NotFound>
    );
  return <StartMigration old={old} earlierRolledBack={found?.state === 'rolled-back'} />;
}

/** What the migration will do, step by step, and the new connection's name: then start. */
function StartMigration({
  old,
  earlierRolledBack,
}: {
  old: Connection;
  earlierRolledBack: boolean;
}) {
  const { start, busy } = useMigrationStore();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const begin = async () => {
    const result = await start(old.id, name.trim() || undefined);
    if (!result.ok) setError(result.message);
  };
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          info={<InfoLink />}
          description="A guided checklist: nothing in AWS changes until you run a step, and until the last step everything can be rolled back."
        >
          Move “{old.name}” to KMS and a per-project role
        </Header>
      }
    >
      <SpaceBetween size="l">
        {earlierRolledBack && (
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
              onClick={fire(begin)}
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

/** A migration under way or finished: its checklist, backups, gap and rollback. */
function MigrationProgress({ migration: m }: { migration: MigrationView }) {
  const { load, downloadRunbook } = useMigrationStore();
  const connections = useConnectionsStore((s) => s.items);
  const flash = useAppStore((s) => s.flash);
  const [rollingBack, setRollingBack] = useState(false);
  const [backfill, setBackfill] = useState(false);
  const newConnection = connections.find((c) => c.id === m.newConnectionId);
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
              <Button iconName="download" onClick={fire(book)} data-testid="download-runbook">
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
            <Link href={`#/connections/${m.newConnectionId}`} data-testid="new-connection-link">
              {m.newConnectionName}
            </Link>{' '}
            exports with SSE-KMS as the per-project role. The old connection’s job history is
            archived and stays readable on the <Link href="#/jobs">Jobs</Link> page.{' '}
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
            header={`${plural(m.gap.hours, 'missed hour')} older than the catch-up window`}
            data-testid="migration-gap"
            action={
              newConnection && (
                <Button onClick={() => setBackfill(true)} data-testid="migration-backfill">
                  Backfill {plural(m.gap.hours, 'hour')}
                </Button>
              )
            }
          >
            Neither connection exported {hourText(m.gap.from)} to {hourText(m.gap.to)}. Newer missed
            hours are caught up by themselves. A backfill writes exactly these hours, which the old
            connection never wrote: nothing is doubled.
          </Alert>
        )}
        {m.rollback.length > 0 && <RollbackReport migration={m} />}
        <MigrationResources migration={m} connections={connections} />
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
