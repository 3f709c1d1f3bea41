import { AwsId } from '../../components/AwsId';
import {
  iamRoleConsoleUrl,
  kmsKeyConsoleUrl,
  s3ConsoleUrl,
} from '../../../shared/aws/console-links';
import Alert from '@cloudscape-design/components/alert';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useState } from 'react';
import { plannedQueryTables } from '../../../shared/aws/glue-table';
import { formatBytes } from '../../../shared/format';
import { setupTargetFor } from '../../../shared/model/aws';
import { describeDestination } from '../../../shared/model/describe';
import type { Connection } from '../../../shared/model/entities';
import { plainHttpNotice } from '../../../shared/model/fields';
import { stepNumber, type MigrationView } from '../../../shared/model/migration';
import type { ConnectionStatus } from '../../../shared/model/schedule';
import { api } from '../../api/client';
import { useRouter } from '../../app/router';
import { ConfirmDelete } from '../../components/Confirm';
import { useAppStore } from '../app/store';
import { attempt } from '../common/action';
import { formatTime, hourText } from '../common/time';
import { StatusBadge } from '../schedule/ConnectionStatus';
import { datasetLabel } from './labels';
import { useConnectionsStore } from './store';

/** A KMS migration this connection is part of, with the way back to its wizard. */
export function MigrationAlert({ migration }: { migration: MigrationView }) {
  const navigate = useRouter((s) => s.navigate);
  return (
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
  );
}

/** When the connection last exported, what runs next, and the schedule's settings. */
export function ScheduleSummary({
  connection,
  status,
  settle,
}: {
  connection: Connection;
  status: ConnectionStatus | undefined;
  settle: number;
}) {
  return (
    <Container header={<Header variant="h2">Schedule</Header>}>
      <KeyValuePairs
        columns={4}
        items={[
          { label: 'Status', value: <StatusBadge status={status} /> },
          {
            label: 'Last exported hour',
            value: (
              <span data-testid="last-exported">
                {status?.lastExportedHour ? hourText(status.lastExportedHour) : '—'}
              </span>
            ),
          },
          {
            label: 'Next export',
            value:
              status?.nextHour && status.nextRunAt
                ? `${hourText(status.nextHour)}, runs ${formatTime(status.nextRunAt)}`
                : connection.enabled
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
            value: `${settle} min after the hour${connection.schedule.settleMinutes === null ? " (the source's default)" : ''}`,
          },
          { label: 'Catch-up window', value: `${connection.schedule.lookbackHours} hours` },
          {
            label: 'Access errors',
            value: `Stop after ${connection.schedule.accessTries} ${connection.schedule.accessTries === 1 ? 'try' : 'tries'} and notify`,
          },
          {
            label: 'Scheduled since',
            value: connection.scheduleFrom ? hourText(connection.scheduleFrom) : 'Never enabled',
          },
        ]}
      />
    </Container>
  );
}

/** Where the connection writes, what it exports, and how its files are made. */
export function ConnectionDetails({
  connection,
  projectName,
}: {
  connection: Connection;
  projectName: string;
}) {
  const destination = connection.destination;
  return (
    <Container header={<Header variant="h2">Details</Header>}>
      <KeyValuePairs
        columns={3}
        items={[
          { label: 'Connection ID', value: connection.id },
          { label: 'Project', value: `${projectName} (${connection.projectId})` },
          {
            label: 'Hourly export',
            value: connection.enabled ? (
              <StatusIndicator type="success">Enabled</StatusIndicator>
            ) : (
              <StatusIndicator type="stopped">Disabled</StatusIndicator>
            ),
          },
          ...(destination.type === 's3'
            ? [
                {
                  label: 'Bucket',
                  value: (
                    <AwsId
                      text={destination.bucket}
                      label="Bucket name"
                      href={s3ConsoleUrl(destination)}
                      testId="detail-bucket"
                    />
                  ),
                },
                { label: 'Prefix', value: destination.prefix || '(the bucket root)' },
                { label: 'Region', value: destination.region },
                { label: 'AWS profile', value: destination.profile },
                ...(destination.roleArn
                  ? [
                      {
                        label: 'Export role',
                        value: (
                          <AwsId
                            text={destination.roleArn}
                            label="Role ARN"
                            href={iamRoleConsoleUrl(destination.roleArn, destination.endpoint)}
                          />
                        ),
                      },
                    ]
                  : []),
                {
                  label: 'Encryption',
                  value:
                    destination.sse === 'aws:kms' && destination.kmsKeyArn ? (
                      <SpaceBetween size="xxxs">
                        <span>SSE-KMS with the key</span>
                        <AwsId
                          text={destination.kmsKeyArn}
                          label="Key ARN"
                          href={kmsKeyConsoleUrl(destination.kmsKeyArn, destination.endpoint)}
                        />
                      </SpaceBetween>
                    ) : destination.sse === 'aws:kms' ? (
                      'SSE-KMS'
                    ) : destination.sse === 'AES256' ? (
                      'SSE-S3 (AES256)'
                    ) : (
                      "The bucket's default"
                    ),
                },
                ...(destination.endpoint
                  ? [
                      {
                        label: 'Endpoint',
                        value: (
                          <EndpointValue
                            endpoint={destination.endpoint}
                            pathStyle={destination.forcePathStyle}
                          />
                        ),
                      },
                    ]
                  : []),
              ]
            : [{ label: 'Destination', value: describeDestination(destination) }]),
          { label: 'Data', value: connection.datasets.map(datasetLabel).join(', ') },
          {
            label: 'Files',
            value: `Partitions of ${formatBytes(connection.options.partitionBytes)}, gzip level ${connection.options.gzipLevel}${connection.options.manifest ? ', with a manifest per hour' : ''}${connection.options.queryCopy ? ', with a Parquet query copy' : ''}${connection.options.jsonTable ? ', with a Glue table over the JSON files' : ''}`,
          },
          {
            label: 'Event types',
            value: connection.options.eventFilter
              ? `${connection.options.eventFilter.mode === 'include' ? 'Only' : 'All but'} ${connection.options.eventFilter.eventTypes.join(', ')}`
              : 'All',
          },
          { label: 'Created by', value: connection.createdBy ?? '—' },
          { label: 'Created', value: formatTime(connection.createdAt) },
        ]}
      />
    </Container>
  );
}

/** An S3-compatible endpoint, and a warning under it when the events cross a network in clear. */
function EndpointValue({ endpoint, pathStyle }: { endpoint: string; pathStyle?: boolean }) {
  const notice = plainHttpNotice(endpoint);
  return (
    <SpaceBetween size="xxs">
      <span>{`${endpoint}${pathStyle ? ' (path-style)' : ''}`}</span>
      {notice && (
        <StatusIndicator type="warning">
          {/* Status text breaks anywhere by default: this is prose, broken between words. */}
          <span
            data-testid="endpoint-plain-http"
            style={{ wordBreak: 'normal', overflowWrap: 'normal' }}
          >
            {notice}
          </span>
        </StatusIndicator>
      )}
    </SpaceBetween>
  );
}

/**
 * Delete a connection (asked first), optionally taking its statements out of the bucket policy,
 * the export role and the key policy; exported files and the job history stay.
 */
export function DeleteConnection({
  connection,
  visible,
  onClose,
}: {
  connection: Connection;
  visible: boolean;
  onClose(): void;
}) {
  const remove = useConnectionsStore((s) => s.remove);
  const navigate = useRouter((s) => s.navigate);
  const flash = useAppStore((s) => s.flash);
  const [removePolicies, setRemovePolicies] = useState(false);
  const [removeTable, setRemoveTable] = useState(false);
  const dest = connection.destination;
  return (
    <ConfirmDelete
      visible={visible}
      title={`Delete ${connection.name}?`}
      // Nothing undoes it: the name typed, as the AWS console asks.
      typeToConfirm={connection.name}
      onCancel={onClose}
      onConfirm={async () => {
        let removed = '';
        if (removePolicies && dest.type === 's3') {
          const unapplied = await attempt(() =>
            api().aws.unapply({
              target: setupTargetFor(connection)!,
              form: dest.roleArn ? 'role' : 'legacy',
            }),
          );
          if (!unapplied.ok) return unapplied;
          removed = unapplied.value.changed.length
            ? ` Its statements were removed from ${unapplied.value.changed.map((c) => `the ${c.kind} of ${c.target}`).join(', ')} (backed up first).`
            : ' No policy held its statements.';
        }
        if (removeTable && dest.type === 's3') {
          const dropped = await attempt(() => api().query.remove({ connectionId: connection.id }));
          if (!dropped.ok) return dropped;
          removed += dropped.value.removed
            ? dropped.value.backups.length > 1
              ? ' Its Glue query tables were deleted (backed up first).'
              : ' Its Glue query table was deleted (backed up first).'
            : ' It had no Glue query table.';
        }
        const result = await remove(connection.id);
        if (result.ok) {
          onClose();
          flash(
            'success',
            `Connection "${connection.name}" deleted. Files already exported stay in the destination.${removed}`,
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
        {dest.type === 's3' && (connection.options.queryCopy || connection.options.jsonTable) && (
          <Checkbox
            checked={removeTable}
            onChange={(e) => setRemoveTable(e.detail.checked)}
            description="Each table definition is backed up first; the files they read stay in the bucket."
            data-testid="remove-query-table"
          >
            {plannedQueryTables(connection).length > 1
              ? 'Also delete its Glue query tables'
              : 'Also delete its Glue query table'}
          </Checkbox>
        )}
      </SpaceBetween>
    </ConfirmDelete>
  );
}
