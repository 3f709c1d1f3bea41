import { Breakable } from '../../components/Breakable';
import Box from '@cloudscape-design/components/box';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { TableProps } from '@cloudscape-design/components/table';
import type { Connection } from '../../../shared/model/entities';
import type { ConnectionStatus } from '../../../shared/model/schedule';
import { StatusBadge } from '../schedule/ConnectionStatus';
import { hourText } from '../common/time';
import { datasetLabel } from './labels';

/** A connection as the Connections table shows it: with its project and destination in words. */
export type ConnectionRow = Connection & { projectLabel: string; where: string };

/** The Connections table's columns; the name opens the connection's page. */
export function connectionColumns(
  statuses: Record<string, ConnectionStatus | undefined>,
  navigate: (path: string) => void,
): TableProps.ColumnDefinition<ConnectionRow>[] {
  return [
    {
      id: 'name',
      header: 'Name',
      cell: (c) => (
        <Link
          href={`#/connections/${c.id}`}
          onFollow={(e) => {
            e.preventDefault();
            navigate(`/connections/${c.id}`);
          }}
        >
          {c.name}
        </Link>
      ),
      sortingField: 'name',
      isRowHeader: true,
    },
    {
      id: 'status',
      header: 'Status',
      cell: (c) => (
        <SpaceBetween size="xxxs">
          <StatusBadge status={statuses[c.id]} />
          {statuses[c.id]?.state === 'failing' && (
            <Box variant="small" color="text-status-error">
              {statuses[c.id]!.reason}
            </Box>
          )}
        </SpaceBetween>
      ),
    },
    {
      id: 'last',
      header: 'Last exported hour',
      cell: (c) =>
        statuses[c.id]?.lastExportedHour ? hourText(statuses[c.id]!.lastExportedHour!) : '—',
    },
    {
      id: 'project',
      header: 'Project',
      cell: (c) => c.projectLabel,
      sortingField: 'projectLabel',
    },
    {
      id: 'destination',
      header: 'Destination',
      cell: (c) => <Breakable text={c.where} />,
      sortingField: 'where',
    },
    { id: 'datasets', header: 'Data', cell: (c) => c.datasets.map(datasetLabel).join(', ') },
  ];
}
