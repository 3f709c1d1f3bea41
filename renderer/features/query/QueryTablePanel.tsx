import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import CopyToClipboard from '@cloudscape-design/components/copy-to-clipboard';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useEffect } from 'react';
import {
  lastHourQuery,
  queryEventsLocation,
  queryTableNames,
  type QueryTablePlan,
} from '../../../shared/aws/glue-table';
import type { Connection } from '../../../shared/model/entities';
import { Breakable } from '../../components/Breakable';
import { useAppStore } from '../app/store';
import { CODE } from '../common/DocumentDiff';
import { downloadText } from '../common/download';
import { useQueryTableStore } from './store';

/**
 * "Query in Athena" on a connection that writes the query copy: the Glue table's name and where
 * it reads, whether it exists as Ferry defines it (query.plan, read from the catalog), a query
 * over the newest exported hour to copy, the DDL to download, and creating or updating it.
 */
export function QueryTablePanel({
  connection,
  lastExportedHour,
}: {
  connection: Connection;
  lastExportedHour: string | null;
}) {
  const dest = connection.destination;
  const result = useQueryTableStore((s) => s.plans[connection.id]);
  const busy = useQueryTableStore((s) => s.busy[connection.id] ?? false);
  const check = useQueryTableStore((s) => s.check);
  const apply = useQueryTableStore((s) => s.apply);
  const flash = useAppStore((s) => s.flash);
  useEffect(() => {
    void check(connection.id);
  }, [check, connection.id]);
  if (dest.type !== 's3') return null;

  const { database, table } = queryTableNames(connection.projectId);
  const plan = result?.ok ? result.value : null;
  const hour = lastExportedHour;
  const query = plan?.query ?? (hour ? lastHourQuery(connection.projectId, hour) : null);
  const target = { bucket: dest.bucket, prefix: dest.prefix, projectId: connection.projectId };

  return (
    <Container
      data-testid="query-table"
      header={
        <Header
          variant="h2"
          description="A Glue table over the Parquet query copy, with partition projection by event date: each exported hour can be queried as soon as it lands, with no crawler."
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button
                disabled={!plan}
                onClick={() =>
                  plan && downloadText(`${database}.${table}.sql`, plan.ddl, 'application/sql')
                }
              >
                Download DDL
              </Button>
              {plan && plan.change !== 'none' && (
                <Button
                  variant="primary"
                  loading={busy}
                  data-testid="apply-query-table"
                  onClick={() =>
                    void apply(connection.id).then((applied) =>
                      flash(
                        applied.ok ? 'success' : 'error',
                        applied.ok
                          ? `${plan.change === 'create' ? 'Created' : 'Updated'} ${database}.${table}. What was there before is kept on the Backups page.`
                          : applied.message,
                      ),
                    )
                  }
                >
                  {plan.change === 'create' ? 'Create table' : 'Update table'}
                </Button>
              )}
            </SpaceBetween>
          }
        >
          Query in Athena
        </Header>
      }
    >
      <SpaceBetween size="m">
        {result && !result.ok && (
          <Alert
            type="warning"
            header="Ferry could not read the Glue Data Catalog"
            action={<Button onClick={() => void check(connection.id)}>Try again</Button>}
          >
            {result.message}
          </Alert>
        )}
        <KeyValuePairs
          columns={3}
          items={[
            {
              label: 'Table',
              value: (
                <CopyToClipboard
                  variant="inline"
                  textToCopy={`${database}.${table}`}
                  copyButtonAriaLabel="Copy the table name"
                  copySuccessText="Table name copied"
                  copyErrorText="Could not copy"
                />
              ),
            },
            { label: 'Reads', value: <Breakable text={queryEventsLocation(target)} /> },
            { label: 'State', value: <TableState plan={plan} loading={busy && !plan} /> },
          ]}
        />
        {query && (
          <SpaceBetween size="xs">
            <Box variant="awsui-key-label">
              {hour
                ? `Events exported in ${hour.slice(0, 10)} ${hour.slice(11, 13)}:00 UTC, by type`
                : 'Events of the last hour, by type'}
            </Box>
            <pre style={CODE} tabIndex={0} aria-label="Athena query" data-testid="athena-query">
              {query}
            </pre>
            <CopyToClipboard
              variant="button"
              textToCopy={query}
              copyButtonText="Copy query"
              copySuccessText="Copied — paste it in the Athena query editor"
              copyErrorText="Could not copy"
            />
          </SpaceBetween>
        )}
      </SpaceBetween>
    </Container>
  );
}

function TableState({ plan, loading }: { plan: QueryTablePlan | null; loading: boolean }) {
  if (loading) return <StatusIndicator type="loading">Reading the catalog</StatusIndicator>;
  if (!plan) return <StatusIndicator type="stopped">Unknown</StatusIndicator>;
  if (plan.change === 'none')
    return <StatusIndicator type="success">Ready, dates from {plan.since}</StatusIndicator>;
  if (plan.change === 'create')
    return <StatusIndicator type="pending">Not created yet</StatusIndicator>;
  return (
    <StatusIndicator type="warning">Differs from Ferry’s definition: update it</StatusIndicator>
  );
}
