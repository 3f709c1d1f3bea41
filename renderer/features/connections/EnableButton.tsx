import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useState } from 'react';
import type { Probe } from '../../../shared/model/aws';
import type { Connection } from '../../../shared/model/entities';
import { ConfirmAction } from '../../components/Confirm';
import { ProbeList } from '../common/ProbeList';
import { useAppStore } from '../app/store';
import { useScheduleStore } from '../schedule/store';
import { useConnectionsStore } from './store';

/**
 * Enable hourly exports (the page's main action while they are off). Enabling checks the
 * destination first, the way an export uses it — an S3 connection's access, a folder's presence,
 * write and room: a connection is never shown exporting (and "Healthy") when the check fails,
 * unless the admin reads what failed and enables it anyway. Disabling is in the page's Actions
 * menu, behind DisableConfirm.
 */
export function EnableButton({ connection }: { connection: Connection }) {
  const update = useConnectionsStore((s) => s.update);
  const flash = useAppStore((s) => s.flash);
  const verify = useScheduleStore((s) => s.verify);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<{ probes: Probe[]; message: string | null } | null>(null);
  const enable = () => update({ id: connection.id, enabled: true });
  const enableChecked = async () => {
    setBusy(true);
    try {
      const report = await verify(connection);
      if (!report.ok) return setFailed({ probes: [], message: report.message });
      if (!report.value.ok)
        return setFailed({
          probes: report.value.probes.filter((p) => p.status === 'failed'),
          message: null,
        });
      const result = await enable();
      if (!result.ok) flash('error', result.message);
    } finally {
      setBusy(false);
    }
  };
  if (connection.enabled) return null;
  const folder = connection.destination.type === 'folder';
  return (
    <>
      <Button
        variant="primary"
        loading={busy}
        onClick={() => void enableChecked()}
        data-testid="toggle-enabled"
      >
        Enable hourly export
      </Button>
      {failed && (
        <ConfirmAction
          visible
          title={folder ? 'The folder check failed' : 'The access check failed'}
          action="Enable anyway"
          testId="enable-anyway"
          onCancel={() => setFailed(null)}
          onConfirm={async () => {
            const result = await enable();
            if (result.ok) setFailed(null);
            return result;
          }}
        >
          <Box variant="p">
            Ferry checked {folder ? 'the folder' : 'access'} the way an export uses it, and it
            failed — every hour would fail the same way. Fix it first (then Enable again), or enable
            anyway: the connection will show Failing until it works.
          </Box>
          <div data-testid="enable-check">
            {failed.message && <StatusIndicator type="error">{failed.message}</StatusIndicator>}
            <ProbeList probes={failed.probes} testIdPrefix="enable-probe-" />
          </div>
        </ConfirmAction>
      )}
    </>
  );
}

/** Turning hourly exports off, with what it means for the hours that end meanwhile. */
export function DisableConfirm({
  connection,
  onClose,
}: {
  connection: Connection;
  onClose(): void;
}) {
  const update = useConnectionsStore((s) => s.update);
  const lookback = connection.schedule.lookbackHours;
  return (
    <ConfirmAction
      visible
      title={`Disable hourly export of ${connection.name}?`}
      action="Disable hourly export"
      testId="confirm-disable"
      onCancel={onClose}
      onConfirm={async () => {
        const result = await update({ id: connection.id, enabled: false });
        if (result.ok) onClose();
        return result;
      }}
    >
      <Box variant="p">
        Ferry stops exporting this connection every hour. Hours that end while it is off are not
        exported by themselves: enabled again, it catches up the last {lookback} hours; older ones
        wait for a backfill. Files already exported stay, and the job history is kept.
      </Box>
    </ConfirmAction>
  );
}
