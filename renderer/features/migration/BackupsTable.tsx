import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { Breakable } from '../../components/Breakable';
import { type MigrationView } from '../../../shared/model/migration';
import { BACKUP_KIND_WORDS } from '../../../shared/model/words';
import { formatTime } from '../common/time';
import { useAppStore } from '../app/store';
import { useBackupsStore } from '../backups/store';
import { fire } from '../common/action';

/** The backups a migration took, each downloadable. */
export function BackupsTable({ migration: m }: { migration: MigrationView }) {
  const download = useBackupsStore((s) => s.download);
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
      // Lines wrap (a key policy's ARN is long), so the table fits beside the navigation.
      wrapLines
      columnDefinitions={[
        {
          // The document first, its backup id under it: an id alone says nothing, and the table
          // fits beside the navigation at 1024 px.
          id: 'kind',
          header: 'Document',
          isRowHeader: true,
          cell: (b) => (
            <SpaceBetween size="xxxs">
              <span>
                {BACKUP_KIND_WORDS[b.kind]} · <Breakable text={b.target} />
              </span>
              <Box variant="small" color="text-body-secondary">
                {b.id}
              </Box>
            </SpaceBetween>
          ),
        },
        {
          id: 'taken',
          header: 'Taken',
          cell: (b) => <span style={{ whiteSpace: 'nowrap' }}>{formatTime(b.takenAt)}</span>,
        },
        { id: 'existed', header: 'Before', cell: (b) => (b.existed ? 'kept' : 'there was none') },
        {
          id: 'download',
          header: 'Actions',
          minWidth: 120,
          cell: (b) => (
            <SpaceBetween direction="horizontal" size="xs">
              <Button
                variant="inline-link"
                href={`#/backups?id=${b.id}`}
                ariaLabel={`Compare or restore backup ${b.id} on the Policy backups page`}
              >
                Compare or restore
              </Button>
              <Button
                variant="inline-link"
                ariaLabel={`Download backup ${b.id}`}
                onClick={fire(async () => {
                  const result = await download(b.id);
                  if (!result.ok) flash('error', result.message);
                })}
              >
                Download
              </Button>
            </SpaceBetween>
          ),
        },
      ]}
    />
  );
}
