import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import Header from '@cloudscape-design/components/header';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import { useEffect, useState } from 'react';
import type { Backup } from '../../../shared/model/settings';
import { BACKUP_KIND_WORDS } from '../../../shared/model/words';
import { confirmationWord, foreignRemovals } from '../../../shared/aws/restore-plan';
import { ConfirmAction } from '../../components/Confirm';
import { useAppStore } from '../app/store';
import { CopyDocument, DocumentDiff } from '../common/DocumentDiff';
import { formatTime } from '../common/time';
import { useConnectionsStore } from '../connections/store';
import { InfoLink } from '../help/InfoLink';
import { useBackupsStore, type BackupComparison } from './store';
import { routeQuery, withQuery } from '../../app/route-paths';
import { useRouter } from '../../app/router';
import { fire } from '../common/action';

type RestorePlanNotes = BackupComparison['plan']['removed'];

/** "Bucket policy of s3://acme" — what a backup is of. */
function resource(b: Backup): string {
  return `${BACKUP_KIND_WORDS[b.kind]} of ${b.target}`;
}

/** Every document Ferry kept before changing it: compare with now, download, restore. */
export function BackupsPage() {
  const { items, loaded, error, load, download } = useBackupsStore();
  const connections = useConnectionsStore((s) => s.items);
  const flash = useAppStore((s) => s.flash);
  // The selected backup is in the address (#/backups?id=…): a link, a bookmark, a new tab.
  const { path, navigate } = useRouter();
  const selectedId = routeQuery(path).get('id');
  const selected = items.find((b) => b.id === selectedId) ?? null;
  const setSelected = (b: Backup | null) => navigate(withQuery(path, 'id', b?.id ?? null));
  const [comparing, setComparing] = useState<Backup | null>(null);
  const [restoring, setRestoring] = useState<Backup | null>(null);
  useEffect(() => {
    void load();
  }, [load]);

  const connectionName = (id: string | null) =>
    id ? (connections.find((c) => c.id === id)?.name ?? id) : '—';

  return (
    <>
      <Table
        data-testid="backups-table"
        variant="full-page"
        stickyHeader
        loading={!loaded && !error}
        loadingText="Reading backups"
        selectionType="single"
        selectedItems={selected ? [selected] : []}
        onSelectionChange={(e) => setSelected(e.detail.selectedItems[0] ?? null)}
        trackBy="id"
        ariaLabels={{
          selectionGroupLabel: 'Backups',
          itemSelectionLabel: (_, b) => `Select backup ${b.id}`,
        }}
        header={
          <Header
            variant="awsui-h1-sticky"
            counter={loaded ? `(${items.length})` : undefined}
            info={<InfoLink />}
            description="What a policy or setting was before Ferry changed it. Kept in the data folder’s backups/; Ferry never deletes them."
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button
                  disabled={!selected}
                  onClick={fire(async () => {
                    const result = await download(selected!.id);
                    if (!result.ok) flash('error', result.message);
                  })}
                >
                  Download
                </Button>
                <Button disabled={!selected} onClick={() => setComparing(selected)}>
                  Compare with now
                </Button>
                <Button
                  variant="primary"
                  disabled={!selected}
                  onClick={() => setRestoring(selected)}
                >
                  Restore…
                </Button>
              </SpaceBetween>
            }
          >
            Policy backups
          </Header>
        }
        items={items}
        empty={
          error ? (
            <Box textAlign="center" color="text-status-error">
              Could not read the backups: {error}
            </Box>
          ) : (
            <Box textAlign="center" color="inherit">
              <b>No backups yet</b>
              <Box variant="p" color="inherit">
                Ferry keeps one each time it changes a bucket policy, encryption, key policy or
                role.
              </Box>
            </Box>
          )
        }
        wrapLines
        columnDefinitions={backupColumns(connectionName)}
      />
      {comparing && <CompareModal backup={comparing} onClose={() => setComparing(null)} />}
      {restoring && (
        <RestoreModal
          backup={restoring}
          onClose={() => setRestoring(null)}
          onDone={() => setSelected(null)}
        />
      )}
    </>
  );
}

/** Read the backup next to what is in AWS now; null while reading. */
function useComparison(id: string) {
  const compare = useBackupsStore((s) => s.compare);
  const [state, setState] = useState<
    { ok: true; value: BackupComparison } | { ok: false; message: string } | null
  >(null);
  useEffect(() => {
    let live = true;
    void compare(id).then((r) => live && setState(r));
    return () => {
      live = false;
    };
  }, [compare, id]);
  return state;
}

/** What changed since the backup (backup → now). */
function CompareModal({ backup, onClose }: { backup: Backup; onClose(): void }) {
  const found = useComparison(backup.id);
  return (
    <Modal
      visible
      size="large"
      onDismiss={onClose}
      header={`Compare ${backup.id} with now`}
      footer={
        <Box float="right">
          <Button onClick={onClose}>Close</Button>
        </Box>
      }
    >
      <SpaceBetween size="s">
        <Box variant="p">
          {resource(backup)}: the backup (taken {formatTime(backup.takenAt)}) against what is in AWS
          now. Removed lines are in the backup only; added lines are new since.
        </Box>
        <Comparison found={found} from="kept" />
      </SpaceBetween>
    </Modal>
  );
}

/** A comparison's diff, in either direction, or why there is none. */
function Comparison({
  found,
  from,
}: {
  found: ReturnType<typeof useComparison>;
  from: 'kept' | 'now';
}) {
  if (found === null)
    return (
      <Box>
        <Spinner /> Reading what is in AWS now…
      </Box>
    );
  if (!found.ok)
    return (
      <Alert type="error" header="Could not read what is in AWS now">
        {found.message}
      </Alert>
    );
  const { kept, now } = found.value;
  const [a, b] = from === 'kept' ? [kept, now] : [now, kept];
  if (kept === now)
    return <Alert type="success">No change: AWS holds the same document as the backup.</Alert>;
  return (
    <SpaceBetween size="xs">
      {a === null && <Box variant="small">There was none before.</Box>}
      {b === null && <Box variant="small">There is none after.</Box>}
      {kept !== null && <CopyDocument text={kept} what="backed-up document" />}
      <DocumentDiff from={a ?? ''} to={b ?? ''} testId="backup-diff" />
    </SpaceBetween>
  );
}

/** Confirm a restore: which resource, which statements go and stay, and the "whole" choice. */
function RestoreModal({
  backup,
  onClose,
  onDone,
}: {
  backup: Backup;
  onClose(): void;
  onDone(): void;
}) {
  const restore = useBackupsStore((s) => s.restore);
  const flash = useAppStore((s) => s.flash);
  const found = useComparison(backup.id);
  const [whole, setWhole] = useState(false);
  const plan = found?.ok ? (whole ? found.value.whole : found.value.plan) : null;
  // Removing statements that are not Ferry's (only "whole" does) asks for the name, typed.
  const word = plan && foreignRemovals(plan).length > 0 ? confirmationWord(backup) : undefined;
  return (
    <ConfirmAction
      visible
      typeToConfirm={word}
      size="large"
      title={`Restore ${BACKUP_KIND_WORDS[backup.kind].toLowerCase()}?`}
      action={whole ? 'Replace the whole document' : 'Restore'}
      testId="confirm-restore"
      onCancel={onClose}
      onConfirm={async () => {
        const result = await restore(backup.id, whole, word);
        if (result.ok) {
          const { restored, replaced, plan: done, roleDeleted, changed } = result.value;
          flash(
            'success',
            !changed
              ? `Nothing to change: the ${resource(restored).toLowerCase()} is already as ${restored.id} restores it.`
              : `${
                  roleDeleted
                    ? `Deleted the role ${roleDeleted} Ferry had created.`
                    : `Restored the ${resource(restored).toLowerCase()} from ${restored.id}.`
                }${done.kept.length ? ` Kept ${done.kept.length} statement${done.kept.length === 1 ? '' : 's'} added since by others.` : ''} What it replaced is kept as ${replaced.id}.`,
          );
          onDone();
          onClose();
        }
        return result;
      }}
    >
      <SpaceBetween size="s">
        <Box variant="p">
          This puts back the statements the {resource(backup).toLowerCase()} held on{' '}
          {formatTime(backup.takenAt)} ({backup.id}){backup.existed ? '' : ' — there was none then'}{' '}
          and removes the statements Ferry added since. Statements others added since stay. Ferry
          backs up what is there now first, so you can undo this the same way.
        </Box>
        {found?.ok && found.value.plan.lostIfWhole.length > 0 && (
          <Checkbox
            checked={whole}
            onChange={(e) => setWhole(e.detail.checked)}
            data-testid="restore-whole"
            description="Writes the backed-up document exactly as it was, dropping the statements listed below."
          >
            Replace the whole document
          </Checkbox>
        )}
        {whole && found?.ok && (
          <Alert type="warning" header="These statements will be lost">
            <StatementList notes={found.value.plan.lostIfWhole} testId="restore-lost" />
          </Alert>
        )}
        {plan && (
          <>
            {/* In "whole", what others added is in the warning above: listed once. */}
            <StatementGroup
              title="Removed"
              notes={whole && found?.ok ? found.value.plan.removed : plan.removed}
              testId="restore-removed"
            />
            {!whole && <StatementGroup title="Kept" notes={plan.kept} testId="restore-kept" />}
            <StatementGroup title="Put back" notes={plan.putBack} testId="restore-put-back" />
          </>
        )}
        <Box variant="h3">What will change</Box>
        <Comparison
          found={
            found?.ok && plan ? { ok: true, value: { ...found.value, kept: plan.document } } : found
          }
          from="now"
        />
      </SpaceBetween>
    </ConfirmAction>
  );
}

/** A titled list of statements, or nothing when there are none. */
function StatementGroup({
  title,
  notes,
  testId,
}: {
  title: string;
  notes: RestorePlanNotes;
  testId: string;
}) {
  if (notes.length === 0) return null;
  return (
    <SpaceBetween size="xxs">
      <Box variant="h4">{title}</Box>
      <StatementList notes={notes} testId={testId} />
    </SpaceBetween>
  );
}

function StatementList({ notes, testId }: { notes: RestorePlanNotes; testId: string }) {
  return (
    <ul data-testid={testId} style={{ margin: 0, paddingInlineStart: 20 }}>
      {notes.map((n) => (
        <li key={`${n.label}|${n.why}`}>
          <code>{n.label}</code> — {n.why}
        </li>
      ))}
    </ul>
  );
}

/** The backups table's columns: what, when, why, for which connection, and its id. */
function backupColumns(
  connectionName: (id: string | null) => string,
): TableProps.ColumnDefinition<Backup>[] {
  return [
    {
      id: 'resource',
      header: 'Resource',
      cell: (b) => (
        <>
          {BACKUP_KIND_WORDS[b.kind]}
          <Box variant="small" display="block">
            {b.target}
          </Box>
        </>
      ),
      isRowHeader: true,
      minWidth: 220,
    },
    { id: 'taken', header: 'Taken', cell: (b) => formatTime(b.takenAt), minWidth: 180 },
    {
      id: 'reason',
      header: 'Reason',
      cell: (b) => (b.existed ? b.reason : `${b.reason} (there was none)`),
      minWidth: 200,
    },
    { id: 'connection', header: 'Connection', cell: (b) => connectionName(b.connectionId) },
    { id: 'id', header: 'Backup ID', cell: (b) => <code>{b.id}</code>, minWidth: 150 },
  ];
}
