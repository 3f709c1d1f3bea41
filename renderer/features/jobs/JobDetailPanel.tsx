import { Breakable } from '../../components/Breakable';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import SplitPanel from '@cloudscape-design/components/split-panel';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useEffect, useRef, useState } from 'react';
import type { Job } from '../../../shared/model/jobs';
import { formatBytes } from '../../../shared/format';
import { jobCircumstance } from '../../../shared/model/describe';
import { describePlace } from '../../../shared/model/places';
import {
  DATASET_WORDS,
  ERROR_KIND_WORDS,
  errorCodeWords,
  jobStatusWords,
} from '../../../shared/model/words';
import { useAppStore } from '../app/store';
import { formatTime, hourText } from '../common/time';
import { useScheduleStore } from '../schedule/store';
import { JOB_LOOK } from '../common/status-look';
import { useJobsStore } from './store';
import { fire } from '../common/action';

/**
 * "Access refused: s3:PutObject", "Configuration problem: the bucket does not exist
 * (NoSuchBucket)"; a code that only repeats the kind ("source") is left out.
 */
function errorHeading(error: NonNullable<Job['error']>): string {
  const kind = ERROR_KIND_WORDS[error.kind].replace(/^./, (c) => c.toUpperCase());
  return error.code && error.code !== error.kind
    ? `${kind}: ${errorCodeWords(error.code, error.kind)}`
    : kind;
}

/** Retry one job's hour and say so. */
export function useRetryJob() {
  const retryJob = useScheduleStore((s) => s.retryJob);
  const flash = useAppStore((s) => s.flash);
  const dismiss = useAppStore((s) => s.dismiss);
  return async (job: Job) => {
    const label = `${hourText(job.hour)} (${DATASET_WORDS[job.dataset]})`;
    // Said before asking, so a try that ends at once still finds its message.
    const said = flash('info', `Exporting ${label} again.`, {
      watch: {
        connectionId: job.connectionId,
        hour: job.hour,
        pending: [job.dataset],
        succeeded: `Exported ${label}.`,
        failed: `${label} failed again: its row in the history says why.`,
      },
    });
    const result = await retryJob(job.id);
    if (!result.ok) {
      dismiss(said);
      flash('error', result.message);
    }
  };
}

/**
 * Cancel a running job's export (here, or on the team worker that runs it) and say so; a
 * refusal — too late, the hour is being made visible — is said as the engine words it.
 */
export function useCancelJob() {
  const cancelJob = useScheduleStore((s) => s.cancelJob);
  const flash = useAppStore((s) => s.flash);
  return async (job: Job) => {
    const result = await cancelJob(job.id);
    if (result.ok)
      flash(
        'info',
        `Cancelled the export of ${hourText(job.hour)} (${DATASET_WORDS[job.dataset]}): nothing of it was made visible. Retry it when you want it.`,
      );
    else flash('error', result.message);
  };
}

/**
 * The selected job in the page's split panel (the AWS console's place for a row's details):
 * the latest try of its hour in full, and every try of that hour.
 */
export function JobDetailPanel() {
  const selected = useJobsStore((s) => s.selected);
  const items = useJobsStore((s) => s.items);
  const retry = useRetryJob();
  const cancelJob = useCancelJob();
  const cancel = (j: Job) => cancelJob(j).finally(() => setCancelling(null));
  // The job whose cancel is on its way (a worker may take a few seconds to answer).
  const [cancelling, setCancelling] = useState<string | null>(null);
  const details = useRef<HTMLDivElement>(null);
  // Opened from a row: the focus follows into the panel, so the keyboard and a screen reader
  // are where the details are.
  useEffect(() => {
    if (selected) details.current?.focus({ preventScroll: true });
  }, [selected?.id]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!selected) return null;
  // The list's copy is the newest (it reloads as jobs report).
  const job = items.find((j) => j.id === selected.id) ?? selected;
  return (
    <SplitPanel
      header={`${hourText(job.hour)} — ${DATASET_WORDS[job.dataset]}`}
      hidePreferencesButton
      closeBehavior="hide"
    >
      <div
        data-testid="job-detail"
        ref={details}
        tabIndex={-1}
        role="region"
        aria-label={`Job details: ${hourText(job.hour)}, ${DATASET_WORDS[job.dataset]}`}
      >
        <JobDetail
          job={job}
          onRetry={fire(retry)}
          cancelling={cancelling === job.id}
          onCancel={(j) => {
            setCancelling(j.id);
            fire(cancel)(j);
          }}
        />
      </div>
    </SplitPanel>
  );
}

/** Everything about one job: counts, bytes, the files with their checksums, notes, the error and its fix. */
function JobDetail({
  job,
  onRetry,
  cancelling,
  onCancel,
}: {
  job: Job;
  onRetry(job: Job): void;
  cancelling: boolean;
  onCancel(job: Job): void;
}) {
  const c = job.counts;
  return (
    <SpaceBetween size="l">
      {(job.status === 'failed' || job.status === 'cancelled') && (
        <Button onClick={() => onRetry(job)} data-testid="retry-job">
          Retry this hour
        </Button>
      )}
      {job.status === 'running' && (
        <Button onClick={() => onCancel(job)} loading={cancelling} data-testid="cancel-job">
          Cancel this export
        </Button>
      )}
      <KeyValuePairs
        columns={4}
        items={[
          {
            label: 'Status',
            value: (
              <StatusIndicator type={JOB_LOOK[job.status]}>{jobStatusWords(job)}</StatusIndicator>
            ),
          },
          { label: 'Tries', value: job.attempts },
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
          // Where its files went (the connection may have moved since); older jobs do not say.
          ...(job.writtenTo
            ? [{ label: 'Written to', value: <Breakable text={describePlace(job.writtenTo)} /> }]
            : []),
        ]}
      />
      {jobCircumstance(job) && (
        <Alert type="info" data-testid="job-circumstance">
          {jobCircumstance(job)}
        </Alert>
      )}
      {job.error && (
        <Alert
          type={job.status === 'failed' ? 'error' : 'warning'}
          header={errorHeading(job.error)}
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
          {
            id: 'key',
            header: 'Key',
            cell: (o) => (
              <code>
                <Breakable text={o.key} />
              </code>
            ),
          },
          { id: 'events', header: 'Events', cell: (o) => o.events.toLocaleString() },
          { id: 'bytes', header: 'Size', cell: (o) => formatBytes(o.bytes) },
          {
            id: 'sha',
            header: 'SHA-256',
            cell: (o) => <code title={o.sha256}>{o.sha256.slice(0, 16)}…</code>,
          },
        ]}
      />
      <HourTries job={job} />
    </SpaceBetween>
  );
}

/** Every job of this hour: one row in the list, every try here. */
function HourTries({ job }: { job: Job }) {
  const hourHistory = useJobsStore((s) => s.hourHistory);
  const version = useJobsStore((s) => s.version);
  const [tries, setTries] = useState<Job[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void hourHistory(job).then((r) => {
      if (!live) return;
      if (r.ok) setTries(r.value);
      else setError(r.message);
    });
    return () => {
      live = false;
    };
  }, [hourHistory, job, version]);
  return (
    <Table
      variant="embedded"
      data-testid="hour-tries"
      loading={tries === null && !error}
      loadingText="Reading this hour's jobs"
      items={tries ?? []}
      header={<Box variant="h3">Jobs of this hour{tries ? ` (${tries.length})` : ''}</Box>}
      empty={
        <Box textAlign="center" color={error ? 'text-status-error' : 'inherit'}>
          {error ? `Could not read this hour's jobs: ${error}` : 'No jobs.'}
        </Box>
      }
      columnDefinitions={[
        { id: 'created', header: 'Started', cell: (j) => formatTime(j.createdAt), minWidth: 200 },
        {
          id: 'status',
          header: 'Status',
          cell: (j) => (
            <StatusIndicator type={JOB_LOOK[j.status]}>{jobStatusWords(j)}</StatusIndicator>
          ),
        },
        { id: 'trigger', header: 'By', cell: (j) => j.trigger },
        { id: 'tries', header: 'Tries', cell: (j) => j.attempts },
        {
          id: 'error',
          header: 'Error',
          cell: (j) => j.error?.message ?? '—',
          minWidth: 200,
        },
      ]}
      wrapLines
    />
  );
}
