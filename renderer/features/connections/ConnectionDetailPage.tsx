import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useState } from 'react';
import { formatBytes } from '../../../shared/format';
import { setupTargetFor } from '../../../shared/model/aws';
import { api } from '../../api/client';
import { describeDestination } from '../../../shared/model/describe';
import { defaultSettleMinutes } from '../../../shared/model/entities';
import { useRouter } from '../../app/router';
import { ConfirmDelete } from '../../components/Confirm';
import { useAppStore } from '../app/store';
import { attempt } from '../common/action';
import { timeLabel } from '../common/time';
import { JobsTable } from '../jobs/JobsTable';
import { savedPageSize, useJobsStore } from '../jobs/store';
import { BackfillModal } from '../schedule/BackfillModal';
import { BackfillsTable } from '../schedule/BackfillsTable';
import { hourLabel, StatusAlerts, StatusBadge } from '../schedule/ConnectionStatus';
import { HistoryChart } from '../schedule/HistoryChart';
import { useScheduleStore } from '../schedule/store';
import { useProjectsStore } from '../projects/store';
import { datasetLabel } from './labels';
import { EnableButton } from './EnableButton';
import { useConnectionsStore } from './store';
import { stepNumber } from '../../../shared/model/migration';
import { migrationOf, useMigrationStore } from '../migration/store';
import { InfoLink } from '../help/InfoLink';

/** One connection: where it writes, what it exports, whether it runs, and its job history. */
export function ConnectionDetailPage({ id }: { id: string }) {
  const { items, remove } = useConnectionsStore();
  const projects = useProjectsStore((s) => s.items);
  const navigate = useRouter((s) => s.navigate);
  const flash = useAppStore((s) => s.flash);
  const [confirming, setConfirming] = useState(false);
  const [removePolicies, setRemovePolicies] = useState(false);
  const [backfill, setBackfill] = useState<{ from: string; to: string } | null | false>(false);
  const status = useScheduleStore((s) => s.statuses[id]);
  const setJobsQuery = useJobsStore((s) => s.setQuery);
  const conn = items.find((c) => c.id === id);
  const migrations = useMigrationStore((s) => s.items);
  const found = migrationOf(migrations, id);
  const migration = found && found.state !== 'rolled-back' ? found : null;

  if (!conn)
    return (
      <Box padding="l">
        <Header variant="h1">Connection not found</Header>
        <Box variant="p">There is no connection {id}. It may have been removed.</Box>
      </Box>
    );

  const project = projects.find((p) => p.id === conn.projectId);
  const dest = conn.destination;
  const showHistory = (range: { from: string; to: string }) => {
    void setJobsQuery({
      offset: 0,
      limit: savedPageSize(),
      connectionId: id,
      hourFrom: range.from,
      hourTo: range.to,
      latestOnly: true,
    });
    document.querySelector('[data-testid="jobs-table"]')?.scrollIntoView({ behavior: 'smooth' });
  };
  const settle =
    conn.schedule.settleMinutes ?? defaultSettleMinutes(project?.source.type ?? 'demo');

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          info={<InfoLink />}
          description={`Exports ${project?.name ?? conn.projectId} to ${describeDestination(dest)}`}
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button onClick={() => setConfirming(true)}>Delete</Button>
              <Button onClick={() => navigate(`/connections/${conn.id}/edit`)}>Edit</Button>
              {dest.type === 's3' && !(dest.roleArn && dest.kmsKeyArn) && !conn.replaces && (
                <Button
                  onClick={() => navigate(`/connections/${conn.id}/migrate`)}
                  data-testid="open-migration"
                >
                  Move to KMS and a per-project role…
                </Button>
              )}
              <Button onClick={() => setBackfill(null)} data-testid="open-backfill">
                Backfill…
              </Button>
              <EnableButton connection={conn} />
            </SpaceBetween>
          }
        >
          {conn.name}
        </Header>
      }
    >
      <SpaceBetween size="l">
        {migration && (
          <Alert
            type="info"
            header={
              migration.state === 'finished'
                ? `Moved to KMS and a per-project role (migration ${migration.id})`
                : `A KMS migration of this connection is ${migration.current ? `at step ${stepNumber(migration.current)} of 10` : migration.state}`
            }
            action={
              <Button
                onClick={() => navigate(`/connections/${migration.oldConnectionId}/migrate`)}
                data-testid="continue-migration"
              >
                {migration.state === 'finished' ? 'Show migration' : 'Continue migration'}
              </Button>
            }
          >
            {migration.oldConnectionName} → {migration.newConnectionName}
          </Alert>
        )}
        <StatusAlerts status={status} connection={conn} onBackfill={setBackfill} />
        <Container header={<Header variant="h2">Schedule</Header>}>
          <KeyValuePairs
            columns={4}
            items={[
              { label: 'Status', value: <StatusBadge status={status} /> },
              {
                label: 'Last exported hour',
                value: (
                  <span data-testid="last-exported">
                    {status?.lastExportedHour ? hourLabel(status.lastExportedHour) : '—'}
                  </span>
                ),
              },
              {
                label: 'Next export',
                value:
                  status?.nextHour && status.nextRunAt
                    ? `${hourLabel(status.nextHour)}, runs ${timeLabel(status.nextRunAt)}`
                    : conn.enabled
                      ? '—'
                      : 'Not scheduled (disabled)',
              },
              {
                label: 'Queue',
                value: (
                  <span data-testid="queue">
                    {status
                      ? `${status.running} running, ${status.queued} waiting${status.retrying ? `, ${status.retrying} waiting to retry` : ''}`
                      : '—'}
                  </span>
                ),
              },
              {
                label: 'Settle delay',
                value: `${settle} min after the hour${conn.schedule.settleMinutes === null ? " (the source's default)" : ''}`,
              },
              { label: 'Catch-up window', value: `${conn.schedule.lookbackHours} hours` },
              {
                label: 'Access errors',
                value: `Stop after ${conn.schedule.accessTries} ${conn.schedule.accessTries === 1 ? 'try' : 'tries'} and notify`,
              },
              {
                label: 'Scheduled since',
                value: conn.scheduleFrom ? hourLabel(conn.scheduleFrom) : 'Never enabled',
              },
            ]}
          />
        </Container>
        <HistoryChart connectionId={conn.id} />
        <BackfillsTable connectionId={conn.id} onShowHistory={showHistory} />
        <Container header={<Header variant="h2">Details</Header>}>
          <KeyValuePairs
            columns={3}
            items={[
              { label: 'Connection ID', value: conn.id },
              { label: 'Project', value: `${project?.name ?? '?'} (${conn.projectId})` },
              {
                label: 'Hourly export',
                value: conn.enabled ? (
                  <StatusIndicator type="success">Enabled</StatusIndicator>
                ) : (
                  <StatusIndicator type="stopped">Disabled</StatusIndicator>
                ),
              },
              { label: 'Destination', value: describeDestination(dest) },
              ...(dest.type === 's3'
                ? [
                    { label: 'Region', value: dest.region },
                    { label: 'AWS profile', value: dest.profile },
                    {
                      label: 'Encryption',
                      value:
                        dest.sse === 'aws:kms'
                          ? `SSE-KMS (${dest.kmsKeyArn})`
                          : dest.sse === 'AES256'
                            ? 'SSE-S3 (AES256)'
                            : "The bucket's default",
                    },
                    ...(dest.endpoint
                      ? [
                          {
                            label: 'Endpoint',
                            value: `${dest.endpoint}${dest.forcePathStyle ? ' (path-style)' : ''}`,
                          },
                        ]
                      : []),
                  ]
                : []),
              { label: 'Data', value: conn.datasets.map(datasetLabel).join(', ') },
              {
                label: 'Files',
                value: `Partitions of ${formatBytes(conn.options.partitionBytes)}, gzip level ${conn.options.gzipLevel}${conn.options.manifest ? ', with a manifest per hour' : ''}`,
              },
              {
                label: 'Event types',
                value: conn.options.eventFilter
                  ? `${conn.options.eventFilter.mode === 'include' ? 'Only' : 'All but'} ${conn.options.eventFilter.eventTypes.join(', ')}`
                  : 'All',
              },
              { label: 'Created by', value: conn.createdBy ?? '—' },
              { label: 'Created', value: timeLabel(conn.createdAt) },
            ]}
          />
        </Container>
        <JobsTable connection={conn} />
      </SpaceBetween>
      {backfill !== false && (
        <BackfillModal
          connection={conn}
          initial={backfill}
          onClose={() => setBackfill(false)}
          onShowHistory={showHistory}
        />
      )}
      <ConfirmDelete
        visible={confirming}
        title={`Delete ${conn.name}?`}
        onCancel={() => setConfirming(false)}
        onConfirm={async () => {
          let removed = '';
          if (removePolicies && dest.type === 's3') {
            const unapplied = await attempt(() =>
              api().aws.unapply({
                target: setupTargetFor(conn)!,
                form: dest.roleArn ? 'role' : 'legacy',
              }),
            );
            if (!unapplied.ok) return unapplied;
            removed = unapplied.value.changed.length
              ? ` Its statements were removed from ${unapplied.value.changed.map((c) => `the ${c.kind} of ${c.target}`).join(', ')} (backed up first).`
              : ' No policy held its statements.';
          }
          const result = await remove(conn.id);
          if (result.ok) {
            setConfirming(false);
            flash(
              'success',
              `Connection "${conn.name}" deleted. Files already exported stay in the destination.${removed}`,
            );
            navigate('/connections');
          }
          return result;
        }}
      >
        <SpaceBetween size="s">
          <span>
            Ferry stops exporting to {describeDestination(dest)}. Files already exported stay where
            they are, and the job history is kept.
          </span>
          {dest.type === 's3' && (
            <Checkbox
              checked={removePolicies}
              onChange={(e) => setRemovePolicies(e.detail.checked)}
              description="Only statements whose id names this connection go; the owner's and other connections' stay. Each changed document is backed up first."
              data-testid="remove-policies"
            >
              Also remove this connection's statements from the bucket policy
              {dest.roleArn ? ', the export role' : ''}
              {dest.kmsKeyArn ? ' and the key policy' : ''}
            </Checkbox>
          )}
        </SpaceBetween>
      </ConfirmDelete>
    </ContentLayout>
  );
}
