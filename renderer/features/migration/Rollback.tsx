import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useState } from 'react';
import { type MigrationView } from '../../../shared/model/migration';
import { ROLLBACK_LOOK } from '../common/status-look';
import { useMigrationStore } from './store';
import { fire } from '../common/action';

/** What a rollback will put back, and the key deletion it may schedule. */
export function RollbackModal({
  migration: m,
  onClose,
}: {
  migration: MigrationView;
  onClose(): void;
}) {
  const { rollback, busy } = useMigrationStore();
  const [deleteKey, setDeleteKey] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const go = async () => {
    const result = await rollback(m.id, deleteKey);
    if (!result.ok) return setError(result.message);
    onClose();
  };
  return (
    <Modal
      visible
      onDismiss={onClose}
      closeAriaLabel="Close"
      header="Roll back the migration?"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onClose}>
              Cancel
            </Button>
            <Button
              variant="primary"
              loading={busy}
              onClick={fire(go)}
              data-testid="confirm-rollback"
            >
              Roll back
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="s">
        {error && <Alert type="error">{error}</Alert>}
        <Box variant="p">Ferry puts back what this migration changed, each part on its own:</Box>
        <ul style={{ margin: 0, paddingLeft: 18 }}>
          <li>removes the new connection “{m.newConnectionName}”, if it was created;</li>
          <li>
            restores the bucket policy and default encryption from the step 5 backups
            {m.restorePoint
              ? ` (${m.restorePoint.bucketPolicy}, ${m.restorePoint.bucketEncryption})`
              : ' (not taken yet: nothing was changed)'}
            ;
          </li>
          <li>undoes the export role (deleted if this migration created it);</li>
          <li>
            enables “{m.oldConnectionName}” again
            {m.oldWasEnabled ? '' : ' (it was disabled before: it stays so)'}.
          </li>
        </ul>
        {m.keyCreated && (
          <Checkbox checked={deleteKey} onChange={(e) => setDeleteKey(e.detail.checked)}>
            Also schedule deletion of the key step 2 created (in 7 days; cancelable until then)
          </Checkbox>
        )}
        <Box variant="small">
          A part that fails is reported; the backups are kept and you can retry.
        </Box>
      </SpaceBetween>
    </Modal>
  );
}

/** How each part of a rollback went. */
export function RollbackReport({ migration: m }: { migration: MigrationView }) {
  return (
    <Container header={<Header variant="h2">Rollback</Header>} data-testid="rollback-report">
      <ul style={{ margin: 0, paddingLeft: 0, listStyle: 'none' }}>
        {m.rollback.map((i) => (
          <li key={i.id} style={{ marginBottom: 4 }}>
            <StatusIndicator type={ROLLBACK_LOOK[i.status]}>{i.label}</StatusIndicator>{' '}
            <Box variant="small" display="inline">
              {i.detail}
            </Box>
          </li>
        ))}
      </ul>
    </Container>
  );
}
