import {
  CANCEL_REASONS,
  ERROR_KINDS,
  JOB_STATUSES,
  JOB_TRIGGERS,
  type Job,
} from '../../../shared/model/jobs';
import { hourIndex } from '../../../shared/model/export-format';
import { DATASETS } from '../../../shared/model/fields';

const NOWHERE = { where: 0, offset: 0, length: 0 };

/** A job's index fields as numbers: what the index keeps and its file stores. */
export interface Row {
  id: string;
  connection: string;
  dataset: number;
  hour: number;
  status: number;
  trigger: number;
  /** 0 for none, else the position in the list + 1. */
  cancelledBy: number;
  errorKind: number;
  created: number;
  updated: number;
  /** NaN for none. */
  finished: number;
  events: number;
  bytes: number;
  /** Where the job's latest full record is (`record-locations.ts`): file, offset, length. */
  where: number;
  offset: number;
  length: number;
}

export function rowOf(
  job: Job,
  at: { where: number; offset: number; length: number } = NOWHERE,
): Row {
  return {
    id: job.id,
    connection: job.connectionId,
    dataset: DATASETS.indexOf(job.dataset),
    hour: hourIndex(job.hour),
    status: JOB_STATUSES.indexOf(job.status),
    trigger: JOB_TRIGGERS.indexOf(job.trigger),
    cancelledBy: job.cancelledBy ? CANCEL_REASONS.indexOf(job.cancelledBy) + 1 : 0,
    errorKind: job.error ? ERROR_KINDS.indexOf(job.error.kind) + 1 : 0,
    created: Date.parse(job.createdAt),
    updated: Date.parse(job.updatedAt),
    finished: job.finishedAt ? Date.parse(job.finishedAt) : NaN,
    events: job.counts?.eventsOut ?? NaN,
    bytes: job.bytes?.compressed ?? NaN,
    where: at.where,
    offset: at.offset,
    length: at.length,
  };
}
