/**
 * Jobs (one try of one hour of one dataset) and backfills (a range of hours asked for again):
 * stored shapes and the queries over them.
 */
import { z } from 'zod';
import { dataset, hour } from './fields';
import { rangeOrderProblem } from './hours';

const isoTime = z.string();

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const jobStatus = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof jobStatus>;

/** The statuses a job ends in: nothing changes it after (a retry is a new job). */
export const ENDED_JOB_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];
/** True when a job has ended (succeeded, failed or cancelled). */
export const jobEnded = (status: string): boolean =>
  (ENDED_JOB_STATUSES as readonly string[]).includes(status);

export const ERROR_KINDS = ['access', 'transient', 'source', 'config'] as const;

/**
 * Why a cancelled job stopped: the admin cancelled it (or its backfill), Ferry was stopping or
 * was killed (the job runs again at the next start), or its connection was deleted.
 */
export const CANCEL_REASONS = ['admin', 'shutdown', 'deleted'] as const;
export type CancelReason = (typeof CANCEL_REASONS)[number];

/** What started a job: the schedule, a backfill, or the admin. */
export const JOB_TRIGGERS = ['scheduled', 'backfill', 'manual'] as const;

/**
 * Where an export's files went: the bucket, prefix and store (an S3-compatible endpoint, or null
 * for AWS), or the folder — without the profile, Region or encryption, which do not change where.
 */
export const exportPlace = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('s3'),
    bucket: z.string(),
    prefix: z.string(),
    endpoint: z.string().nullable(),
  }),
  z.object({ type: z.literal('folder'), path: z.string() }),
]);
export type ExportPlace = z.infer<typeof exportPlace>;

const writtenObject = z.object({
  key: z.string(),
  bytes: z.number(),
  rawBytes: z.number().default(0),
  events: z.number(),
  sha256: z.string(),
  etag: z.string().nullable().default(null),
});

export const job = z.object({
  id: z.string(),
  connectionId: z.string(),
  dataset,
  /** The UTC hour exported, `yyyy-MM-ddTHH`. */
  hour: z.string(),
  trigger: z.enum(JOB_TRIGGERS),
  status: jobStatus,
  attempts: z.number().int().nonnegative(),
  createdAt: isoTime,
  updatedAt: isoTime,
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
  durationMs: z.number().nullable(),
  counts: z
    .object({
      eventsIn: z.number(),
      eventsOut: z.number(),
      duplicates: z.number(),
      filtered: z.number().default(0),
      badLines: z.number(),
    })
    .nullable(),
  bytes: z.object({ raw: z.number(), compressed: z.number() }).nullable(),
  /** The objects this job wrote, with their checksums (sha256 of the stored bytes; S3 ETag). */
  objects: z.array(writtenObject),
  /** The query copy's Parquet files it wrote (docs/query-copy.md); `events` counts their rows. */
  queryObjects: z.array(writtenObject).default([]),
  /**
   * Where its objects went, set when it succeeded: the connection may have moved since. Null on
   * jobs of older Ferry versions (their objects are where the connection was then).
   */
  writtenTo: exportPlace.nullable().default(null),
  /** Objects of an earlier export of this hour that this one replaced by deleting them. */
  removed: z.array(z.string()).default([]),
  /** What the admin should know: bad lines with file and line number, derived merges, … */
  notes: z.array(z.string()).default([]),
  error: z
    .object({
      kind: z.enum(ERROR_KINDS),
      code: z.string(),
      message: z.string(),
      fix: z.string().nullable(),
    })
    .nullable(),
  /** Set while the job is `queued` after a failed try: when it tries again. */
  retryAt: isoTime.nullable().default(null),
  /** Set when the job is `cancelled`: who or what stopped it. */
  cancelledBy: z.enum(CANCEL_REASONS).nullable().default(null),
});
export type Job = z.infer<typeof job>;

export const jobListQuery = z.object({
  connectionId: z.string().optional(),
  status: z.array(jobStatus).optional(),
  dataset: dataset.optional(),
  hourFrom: hour.optional(),
  hourTo: hour.optional(),
  /** Only the latest job of each connection, dataset and hour: an hour tried again is one row. */
  latestOnly: z.boolean().default(false),
  offset: z.number().int().nonnegative().default(0),
  /** At most 100 a call: a page costs the same however long the history (see `ferry jobs`). */
  limit: z.number().int().positive().max(100).default(50),
});
export type JobListQuery = z.input<typeof jobListQuery>;

// ---------------------------------------------------------------------------------------------
// Backfills

export const BACKFILL_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;

/** A range of hours the admin asked to export again (or for the first time). */
export const backfill = z.object({
  id: z.string(),
  connectionId: z.string(),
  from: z.string(),
  to: z.string(),
  datasets: z.array(dataset),
  status: z.enum(BACKFILL_STATUSES),
  createdAt: isoTime,
  finishedAt: isoTime.nullable(),
  /** Jobs (hours × datasets) in the backfill, and how they ended so far. */
  total: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
});
export type Backfill = z.infer<typeof backfill>;

export const backfillRange = z
  .object({
    connectionId: z.string().trim().min(1, { error: 'Connection is required' }),
    from: hour,
    to: hour,
    datasets: z.array(dataset).min(1).optional(),
    /** The admin confirmed a range longer than two years (LARGE_RANGE_HOURS). */
    confirmLarge: z.boolean().optional(),
  })
  .superRefine((r, ctx) => {
    const problem = rangeOrderProblem(r.from, r.to);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['to'] });
  });
export type BackfillRange = z.input<typeof backfillRange>;
