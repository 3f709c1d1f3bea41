import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useEffect, useState } from 'react';
import type { VerifyReport } from '../../../shared/model/aws';
import type { Connection } from '../../../shared/model/entities';
import { api } from '../../api/client';
import { attempt } from '../common/action';
import { ProbeList } from '../common/ProbeList';

/**
 * "Check folder…" on a folder connection's page: the check `ferry verify` makes (the folder is
 * there, a file is written the way an export writes it, room on its disk), run when opened and
 * again on request — for a connection already exporting, not only when it is enabled.
 */
export function FolderCheck({ connection, onClose }: { connection: Connection; onClose(): void }) {
  const [report, setReport] = useState<VerifyReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(true);
  // Bumped by "Check again": each run checks once and shows what it found.
  const [run, setRun] = useState(0);
  useEffect(() => {
    let live = true;
    void attempt(() => api().connections.verifyFolder({ id: connection.id })).then((result) => {
      if (!live) return;
      setBusy(false);
      setReport(result.ok ? result.value : null);
      setError(result.ok ? null : result.message);
    });
    return () => {
      live = false;
    };
  }, [connection.id, run]);
  const again = () => {
    setBusy(true);
    setRun((n) => n + 1);
  };
  const where = connection.destination.type === 'folder' ? connection.destination.path : '';
  return (
    <Modal
      visible
      onDismiss={onClose}
      header={`Check the folder of ${connection.name}`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button onClick={again} loading={busy} data-testid="folder-check-again">
              Check again
            </Button>
            <Button variant="primary" onClick={onClose} data-testid="folder-check-close">
              Close
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m" data-testid="folder-check">
        <Box variant="p">
          Ferry checks {where} the way an export writes to it: a temp file is written, flushed and
          removed in its .ferry-partial/ folder; nothing appears among the exported files.
        </Box>
        {busy && !report && <StatusIndicator type="loading">Checking…</StatusIndicator>}
        {error && <StatusIndicator type="error">{error}</StatusIndicator>}
        {report && (
          <StatusIndicator type={report.ok ? 'success' : 'error'}>
            {report.ok ? 'The folder works' : 'The folder is not ready'}
          </StatusIndicator>
        )}
        {report && <ProbeList probes={report.probes} testIdPrefix="folder-probe-" />}
      </SpaceBetween>
    </Modal>
  );
}
