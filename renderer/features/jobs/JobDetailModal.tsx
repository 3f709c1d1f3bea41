import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import type { Job } from '../../../shared/model/entities';
import { formatBytes } from '../../../shared/format';
import { jobCircumstance } from '../../../shared/model/describe';
import { jobStatusWords } from '../../../shared/model/words';
import { STATUS_LOOK } from './status';

/** Everything about one job: counts, bytes, the files with their checksums, notes, the error and its fix. */
export function JobDetailModal({
  job,
  onClose,
  onRetry,
}: {
  job: Job | null;
  onClose(): void;
  onRetry(job: Job): void;
}) {
  if (!job) return null;
  const c = job.counts;
  return (
    <Modal
      visible
      onDismiss={onClose}
      size="large"
      header={`${job.hour.replace('T', ' ')}:00 UTC — ${job.dataset}`}
      data-testid="job-detail"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            {(job.status === 'failed' || job.status === 'cancelled') && (
              <Button onClick={() => onRetry(job)} data-testid="retry-job">
                Retry this hour
              </Button>
            )}
            <Button variant="primary" onClick={onClose}>
              Close
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="l">
        <ColumnLayout columns={1}>
          <KeyValuePairs
            columns={4}
            items={[
              {
                label: 'Status',
                value: (
                  <StatusIndicator type={STATUS_LOOK[job.status]}>
                    {jobStatusWords(job)}
                  </StatusIndicator>
                ),
              },
              { label: 'Attempts', value: job.attempts },
              { label: 'Started by', value: job.trigger },
              {
                label: 'Duration',
                value: job.durationMs === null ? '—' : `${(job.durationMs / 1000).toFixed(1)} s`,
              },
              { label: 'Events in', value: c ? c.eventsIn.toLocaleString() : '—' },
              { label: 'Written', value: c ? c.eventsOut.toLocaleString() : '—' },
              { label: 'Duplicates dropped', value: c ? c.duplicates.toLocaleString() : '—' },
              { label: 'Bad lines', value: c ? c.badLines.toLocaleString() : '—' },
              { label: 'Filtered out', value: c ? c.filtered.toLocaleString() : '—' },
              { label: 'Uncompressed', value: job.bytes ? formatBytes(job.bytes.raw) : '—' },
              { label: 'Stored', value: job.bytes ? formatBytes(job.bytes.compressed) : '—' },
              { label: 'Job ID', value: job.id },
            ]}
          />
        </ColumnLayout>
        {jobCircumstance(job) && (
          <Alert type="info" data-testid="job-circumstance">
            {jobCircumstance(job)}
          </Alert>
        )}
        {job.error && (
          <Alert
            type={job.status === 'failed' ? 'error' : 'warning'}
            header={`${job.error.kind} error: ${job.error.code}`}
          >
            {job.error.message}
            {job.error.fix && (
              <Box variant="p" padding={{ top: 'xs' }}>
                <b>How to fix:</b> {job.error.fix}
              </Box>
            )}
          </Alert>
        )}
        {job.notes.map((note) => (
          <Alert key={note} type="info">
            {note}
          </Alert>
        ))}
        <Table
          variant="embedded"
          items={job.objects}
          header={<Box variant="h3">Files</Box>}
          empty={<Box textAlign="center">No files written.</Box>}
          columnDefinitions={[
            { id: 'key', header: 'Key', cell: (o) => <code>{o.key}</code> },
            { id: 'events', header: 'Events', cell: (o) => o.events.toLocaleString() },
            { id: 'bytes', header: 'Size', cell: (o) => formatBytes(o.bytes) },
            {
              id: 'sha',
              header: 'SHA-256',
              cell: (o) => <code title={o.sha256}>{o.sha256.slice(0, 16)}…</code>,
            },
          ]}
        />
      </SpaceBetween>
    </Modal>
  );
}
