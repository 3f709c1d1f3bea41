import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useEffect, useState } from 'react';
import type { VerifyReport } from '../../../shared/model/aws';
import type { Connection } from '../../../shared/model/entities';
import { ProbeList } from '../common/ProbeList';
import { useScheduleStore } from '../schedule/store';

/**
 * "Check access…" / "Check folder…" on a connection's page: the check `ferry verify` makes, run
 * when opened and again on request — for a connection already exporting, after a bucket policy or
 * a disk changed, not only when it is enabled. An S3 connection's access is checked the way an
 * export uses it (a test object written, listed and removed under its prefix, each missing
 * permission named with its statement); a folder's presence, write and room.
 */
export function DestinationCheck({
  connection,
  onClose,
}: {
  connection: Connection;
  onClose(): void;
}) {
  const verify = useScheduleStore((s) => s.verify);
  const [report, setReport] = useState<VerifyReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(true);
  // Bumped by "Check again": each run checks once and shows what it found.
  const [run, setRun] = useState(0);
  useEffect(() => {
    let live = true;
    void verify(connection).then((result) => {
      if (!live) return;
      setBusy(false);
      setReport(result.ok ? result.value : null);
      setError(result.ok ? null : result.message);
    });
    return () => {
      live = false;
    };
    // Checked again only on request ("Check again"), not when the connection's record changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [connection.id, run]);
  const again = () => {
    setBusy(true);
    setRun((n) => n + 1);
  };
  const dest = connection.destination;
  const folder = dest.type === 'folder';
  return (
    <Modal
      visible
      onDismiss={onClose}
      header={
        folder ? `Check the folder of ${connection.name}` : `Check the access of ${connection.name}`
      }
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button onClick={again} loading={busy} data-testid="destination-check-again">
              Check again
            </Button>
            <Button variant="primary" onClick={onClose} data-testid="destination-check-close">
              Close
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m" data-testid="destination-check">
        <Box variant="p">
          {dest.type === 'folder'
            ? `Ferry checks ${dest.path} the way an export writes to it: a temp file is written, flushed and removed in its .ferry-partial/ folder; nothing appears among the exported files.`
            : `Ferry checks s3://${dest.bucket}/${dest.prefix} the way an export uses it, as the connection's AWS identity: a few small test objects are written, listed and removed under ${dest.prefix}_ferry-verify/${dest.prefix ? '' : ' at the bucket root'}.`}
        </Box>
        {busy && !report && <StatusIndicator type="loading">Checking…</StatusIndicator>}
        {error && <StatusIndicator type="error">{error}</StatusIndicator>}
        {report && (
          <StatusIndicator type={report.ok ? 'success' : 'error'}>
            {folder
              ? report.ok
                ? 'The folder works'
                : 'The folder is not ready'
              : report.ok
                ? 'Access works'
                : 'Access is not complete yet'}
          </StatusIndicator>
        )}
        {report && (
          <ProbeList
            probes={report.probes}
            testIdPrefix={folder ? 'folder-probe-' : 'access-probe-'}
          />
        )}
      </SpaceBetween>
    </Modal>
  );
}
