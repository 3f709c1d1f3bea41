import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Table from '@cloudscape-design/components/table';
import { type MigrationView } from '../../../shared/model/migration';
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
              onClick={fire(async () => {
                const result = await download(b.id);
                if (!result.ok) flash('error', result.message);
              })}
            >
              Download
            </Button>
          ),
        },
      ]}
    />
  );
}
