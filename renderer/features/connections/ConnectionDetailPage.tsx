import Button from '@cloudscape-design/components/button';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { describeDestination } from '../../../shared/model/describe';
import { defaultSettleMinutes } from '../../../shared/model/entities';
import { migrationRefusal } from '../../../shared/model/migration';
import { useRouter } from '../../app/router';
import { JobsTable } from '../jobs/JobsTable';
import { savedPageSize, useJobsStore } from '../jobs/store';
import { BackfillModal } from '../schedule/BackfillModal';
import { BackfillsTable } from '../schedule/BackfillsTable';
import { StatusAlerts } from '../schedule/ConnectionStatus';
import { HistoryChart } from '../schedule/HistoryChart';
import { useScheduleStore } from '../schedule/store';
import { useProjectsStore } from '../projects/store';
import { DisableConfirm, EnableButton } from './EnableButton';
import { ConnectionActions } from './ConnectionActions';
import { DestinationCheck } from './DestinationCheck';
import { useConnectionsStore } from './store';
import {
  ConnectionDetails,
  DeleteConnection,
  MigrationAlert,
  ScheduleSummary,
} from './ConnectionPanels';
import { migrationOf, useMigrationStore } from '../migration/store';
import { InfoLink } from '../help/InfoLink';
import { NotFound } from '../../components/NotFound';
import { QueryTablePanel } from '../query/QueryTablePanel';

/** One connection: where it writes, what it exports, whether it runs, and its job history. */
export function ConnectionDetailPage({ id }: { id: string }) {
  const items = useConnectionsStore((s) => s.items);
  const projects = useProjectsStore((s) => s.items);
  const navigate = useRouter((s) => s.navigate);
  const [confirming, setConfirming] = useState<'delete' | 'disable' | 'check' | null>(null);
  const [backfill, setBackfill] = useState<{ from: string; to: string } | null | false>(false);
  const status = useScheduleStore((s) => s.statuses[id]);
  const setJobsQuery = useJobsStore((s) => s.setQuery);
  const conn = items.find((c) => c.id === id);
  const migrations = useMigrationStore((s) => s.items);
  const found = migrationOf(migrations, id);
  const migration = found && found.state !== 'rolled-back' ? found : null;

  if (!conn)
    return (
      <NotFound title="Connection not found">
        There is no connection {id}. It may have been removed.
      </NotFound>
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
              <Button onClick={() => setBackfill(null)} data-testid="open-backfill">
                Backfill…
              </Button>
              <Button onClick={() => navigate(`/connections/${conn.id}/edit`)}>Edit</Button>
              <ConnectionActions
                connection={conn}
                canMigrate={migrationRefusal(conn) === null}
                onAction={(action) =>
                  action === 'migrate'
                    ? navigate(`/connections/${conn.id}/migrate`)
                    : setConfirming(action)
                }
              />
              <EnableButton connection={conn} />
            </SpaceBetween>
          }
        >
          {conn.name}
        </Header>
      }
    >
      <SpaceBetween size="l">
        {migration && <MigrationAlert migration={migration} />}
        <StatusAlerts status={status} connection={conn} onBackfill={setBackfill} />
        <ScheduleSummary connection={conn} status={status} settle={settle} />
        <HistoryChart connectionId={conn.id} />
        <BackfillsTable connectionId={conn.id} onShowHistory={showHistory} />
        <ConnectionDetails connection={conn} projectName={project?.name ?? '?'} />
        {(conn.options.queryCopy || conn.options.jsonTable) && dest.type === 's3' && (
          <QueryTablePanel connection={conn} lastExportedHour={status?.lastExportedHour ?? null} />
        )}
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
      <DeleteConnection
        connection={conn}
        visible={confirming === 'delete'}
        onClose={() => setConfirming(null)}
      />
      {confirming === 'disable' && (
        <DisableConfirm connection={conn} onClose={() => setConfirming(null)} />
      )}
      {confirming === 'check' && (
        <DestinationCheck connection={conn} onClose={() => setConfirming(null)} />
      )}
    </ContentLayout>
  );
}
