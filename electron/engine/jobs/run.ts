/**
 * One run: one hour of one connection being exported, every dataset asked for, as the export
 * service tracks it; and the rules about runs its callers share (which datasets, cancel words).
 */
import { FerryError } from '../../../shared/api/errors';
import type { Connection } from '../../../shared/model/entities';
import type { Dataset } from '../../../shared/model/fields';
import type { CancelReason } from '../../../shared/model/jobs';
import type { JobError } from './errors';
import type { CommitIntent } from './commit';
import type { StagedDataset } from './hour-writer';

/** One hour of one connection being exported now. */
export interface Run {
  connectionId: string;
  hour: string;
  datasets: Dataset[];
  controller: AbortController;
  /** Why it is being cancelled, once it is. */
  reason: CancelReason | null;
  /** Waiting to retry: a shutdown cancels it at once instead of waiting out the delay. */
  waiting: boolean;
  /** The error of its last failed try while it retries (for the connection's status). */
  retryingAfter: { error: JobError; attempts: number; dataset: Dataset } | null;
  /**
   * Past its commit point: its hour is being made visible, and a cancel would leave part of it
   * so. A cancel is refused from here on ("too late"); a stop lets the commit finish.
   */
  committing: boolean;
  jobIds: string[];
  done: Promise<unknown>;
}

/** What a run's current try has staged, and the commit it began (past the commit point). */
export interface TryState {
  /** The hour written (staged, invisible) and not yet recorded as a commit. */
  staged: StagedDataset[] | null;
  /** The commit recorded for this run's hour, once past the commit point. */
  pending: CommitIntent | null;
}

/** What asking to cancel a job's run came to. */
export type CancelOutcome = 'cancelled' | 'committing' | 'not-running';

export const CANCELLED: Record<CancelReason, string> = {
  admin: 'Cancelled',
  shutdown: 'Ferry is stopping',
  deleted: 'The connection was deleted',
};

/**
 * The datasets to export: the ones asked for (all of the connection's when none), refused with
 * a field error when the connection does not export one of them.
 */
export function checkDatasets(connection: Connection, wanted?: readonly Dataset[]): Dataset[] {
  const datasets = wanted ? [...wanted] : connection.datasets;
  const missing = datasets.filter((d) => !connection.datasets.includes(d));
  if (missing.length > 0)
    throw new FerryError(
      'validation',
      `Connection "${connection.name}" does not export ${missing.join(', ')}`,
      'datasets',
    );
  return datasets;
}

export function runKey(connectionId: string, hour: string): string {
  return `${connectionId}|${hour}`;
}

/** Ferry's own storage failed (a full disk, a lost lock): not the export's failure to retry. */
export function isHistoryWriteError(error: unknown): boolean {
  return error instanceof FerryError && (error.code === 'internal' || error.code === 'locked');
}
