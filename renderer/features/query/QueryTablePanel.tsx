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
  plannedQueryTables,
  queryTableLocation,
  queryTableNames,
  readsElsewhere,
  type QueryTableChange,
  type QueryTableKind,
  type QueryTablePlan,
  type QueryTableTarget,
} from '../../../shared/aws/glue-table';
import type { MethodResult } from '../../../shared/api/contract';
import { plural } from '../../../shared/format';
import type { Connection } from '../../../shared/model/entities';
import { Breakable } from '../../components/Breakable';
import { useAppStore } from '../app/store';
import { CODE } from '../common/DocumentDiff';
import { downloadText } from '../common/download';
import { useQueryTableStore } from './store';

/**
 * "Query in Athena" on a connection that writes the query copy or asks for the JSON table: each
 * Glue table's name (events, merged IDs when the connection exports them, the JSON table where
 * asked for) and where it reads, whether it exists as
 * Ferry defines it (query.plan, read from the catalog), a query over the newest exported hour to
 * copy, the DDL to download, and creating or updating them.
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

  const plan = result?.ok ? result.value : null;
  const kinds = plannedQueryTables(connection);
  const hour = lastExportedHour;
  const target = {
    bucket: dest.bucket,
    prefix: dest.prefix,
    projectId: connection.projectId,
    connectionId: connection.id,
  };
  const query = plan?.query ?? (hour ? lastHourQuery(target, hour, kinds[0]) : null);
  const file =
    kinds.length === 1 ? queryTableNames(connection.projectId, kinds[0]).table : 'tables';

  return (
    <Container
      data-testid="query-table"
      header={
        <Header
          variant="h2"
          description={
            kinds[0] === 'json'
              ? 'A Glue table over the JSON files as exported: each exported hour can be queried as soon as it lands, with no crawler. Not partitioned: a query reads the whole folder unless it filters on "$path".'
              : 'Glue tables over the Parquet query copy, with partition projection by date: each exported hour can be queried as soon as it lands, with no crawler.'
          }
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button
                disabled={!plan}
                onClick={() =>
                  plan && downloadText(`ferry.${file}.sql`, plan.ddl, 'application/sql')
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
                        applied.ok ? appliedText(applied.value.changed) : applied.message,
                      ),
                    )
                  }
                >
                  {applyLabel(plan)}
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
        <TableList
          connection={connection}
          kinds={kinds}
          target={target}
          plan={plan}
          loading={busy && !plan}
        />
        {query && (
          <SpaceBetween size="xs">
            <Box variant="awsui-key-label">
              {kinds[0] !== 'merged-ids'
                ? hour
                  ? `Events exported in ${hour.slice(0, 10)} ${hour.slice(11, 13)}:00 UTC, by type`
                  : 'Events of the last hour, by type'
                : hour
                  ? `Merges exported in ${hour.slice(0, 10)} ${hour.slice(11, 13)}:00 UTC`
                  : 'Merges of the last hour'}
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

/** Each table of the connection's copy: its name (to copy), where it reads, its state. */
function TableList({
  connection,
  kinds,
  target,
  plan,
  loading,
}: {
  connection: Connection;
  kinds: QueryTableKind[];
  target: QueryTableTarget;
  plan: QueryTablePlan | null;
  loading: boolean;
}) {
  return (
    <KeyValuePairs
      columns={3}
      items={kinds.flatMap((kind) => {
        const { database, table } = queryTableNames(connection.projectId, kind);
        const planned = plan?.tables.find((t) => t.dataset === kind) ?? null;
        return [
          {
            label: TABLE_LABELS[kind],
            value: (
              <CopyToClipboard
                variant="inline"
                textToCopy={`${database}.${table}`}
                textToDisplay={
                  // Cloudscape breaks inline text anywhere: this name wraps after `.` or `_` only.
                  <span style={{ wordBreak: 'normal' }}>
                    <Breakable text={`${database}.${table}`} after={/(?<=[._])/} />
                  </span>
                }
                copyButtonAriaLabel={`Copy the ${TABLE_LABELS[kind].toLowerCase()} name`}
                copySuccessText="Table name copied"
                copyErrorText="Could not copy"
              />
            ),
          },
          {
            label: 'Reads',
            value: <Breakable text={queryTableLocation(target, kind)} />,
          },
          {
            label: 'State',
            value: <TableState table={planned} loading={loading} />,
          },
        ];
      })}
    />
  );
}

const TABLE_LABELS: Record<QueryTableKind, string> = {
  events: 'Events table',
  'merged-ids': 'Merged IDs table',
  json: 'JSON events table',
};

function TableState({ table, loading }: { table: QueryTableChange | null; loading: boolean }) {
  if (loading) return <StatusIndicator type="loading">Reading the catalog</StatusIndicator>;
  if (!table) return <StatusIndicator type="stopped">Unknown</StatusIndicator>;
  if (table.change === 'none')
    return (
      <StatusIndicator type="success">
        {table.since === null ? 'Ready' : `Ready, dates from ${table.since}`}
      </StatusIndicator>
    );
  if (table.change === 'create')
    return <StatusIndicator type="pending">Not created yet</StatusIndicator>;
  // The connection's own table, still over the place it exported to before it moved.
  const reads = readsElsewhere(table);
  if (reads !== null)
    return (
      <StatusIndicator type="warning">
        {/* Cloudscape breaks a status's text anywhere: words here wrap whole, the place at `/`. */}
        <span style={{ wordBreak: 'normal' }}>
          Still reads the old place, <Breakable text={reads} />: update it
        </span>
      </StatusIndicator>
    );
  return (
    <StatusIndicator type="warning">Differs from Ferry’s definition: update it</StatusIndicator>
  );
}

function applyLabel(plan: QueryTablePlan): string {
  const n = plan.tables.filter((t) => t.change !== 'none').length;
  const verb = plan.change === 'create' ? 'Create' : 'Update';
  return n === 1 ? `${verb} table` : `${verb} ${plural(n, 'table')}`;
}

function appliedText(changed: MethodResult<'query.apply'>['changed']): string {
  const done = changed
    .map((c) => `${c.change === 'create' ? 'Created' : 'Updated'} ${c.database}.${c.table}`)
    .join('; ');
  return `${done}. What was there before is kept on the Backups page.`;
}
