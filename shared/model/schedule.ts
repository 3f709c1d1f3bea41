/**
 * What the scheduler reports about each connection, and the per-hour figures the history chart
 * draws. Shapes only: the engine computes them.
 */
import { z } from 'zod';
import { dataset, hour } from './fields';
import { rangeOrderProblem } from './hours';

export const CONNECTION_STATES = [
  'healthy',
  'catching-up',
  'not-verified',
  'failing',
  'disabled',
] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

export const hourRange = z.object({ from: z.string(), to: z.string(), hours: z.number().int() });
export type HourRange = z.infer<typeof hourRange>;

export const connectionStatus = z.object({
  connectionId: z.string(),
  state: z.enum(CONNECTION_STATES),
  /** Why it is failing (or catching up), in a sentence. */
  reason: z.string().nullable(),
  /** What to do about a failure: the missing permission and the statement that grants it. */
  fix: z.string().nullable(),
  /**
   * The failure's code when it is known (`destination-claimed`, `commit-incomplete`, a missing
   * permission…): what the console offers to do about it.
   */
  cause: z.string().nullable().default(null),
  /** True when an access error stopped this connection's queue until fixed or retried. */
  stopped: z.boolean(),
  /** The newest hour with every dataset exported. */
  lastExportedHour: z.string().nullable(),
  /** Hours due within the lookback that are not exported yet. */
  pendingHours: z.number().int(),
  /** Exports waiting in the queue / running now / waiting out the pause before their next try. */
  queued: z.number().int(),
  running: z.number().int(),
  retrying: z.number().int().default(0),
  /** Missed hours older than the lookback: never exported by themselves, one click to backfill. */
  gap: hourRange.nullable(),
  /** The next hour to become due, and when. */
  nextHour: z.string().nullable(),
  nextRunAt: z.string().nullable(),
});
export type ConnectionStatus = z.infer<typeof connectionStatus>;

/** One hour of a connection's history, for the chart. */
export const hourStat = z.object({
  hour: z.string(),
  events: z.number(),
  bytes: z.number(),
  /** Minutes from the end of the hour to the end of its latest successful export. */
  lagMinutes: z.number().nullable(),
  failed: z.number().int(),
  /** Data sets whose latest job of the hour succeeded (an hour with no events may be one). */
  exported: z.number().int().default(0),
  /** Data sets whose latest job of the hour is running or waiting to be tried again. */
  waiting: z.number().int().default(0),
});
export type HourStat = z.infer<typeof hourStat>;

/** What a backfill would do, before it starts. */
export const backfillPreview = z.object({
  connectionId: z.string(),
  from: z.string(),
  to: z.string(),
  hours: z.number().int(),
  datasets: z.array(dataset),
  jobs: z.number().int(),
  /** Hours (per dataset) that an earlier export already wrote: they are rewritten, not doubled. */
  overlaps: z.number().int(),
  overlapSample: z.array(z.object({ hour: z.string(), dataset })),
  /** Hours (per dataset) queued or running right now: the backfill leaves those to that run. */
  inFlight: z.number().int(),
  /** Over two years: starting it needs the admin's confirmation (`confirmLarge`). */
  needsConfirmation: z.boolean(),
});
export type BackfillPreview = z.infer<typeof backfillPreview>;

/** A desktop notification (Electron Notification on desktop, the push stream headless). */
export const desktopNotification = z.object({
  title: z.string(),
  body: z.string(),
  connectionId: z.string().nullable(),
  level: z.enum(['info', 'warning', 'error']),
});
export type DesktopNotification = z.infer<typeof desktopNotification>;

/** Where one hour (of one dataset) of a backfill is. */
export const backfillHour = z.object({
  hour: z.string(),
  dataset,
  status: z.enum(['waiting', 'queued', 'running', 'succeeded', 'failed', 'cancelled']),
  jobId: z.string().nullable(),
});
export type BackfillHour = z.infer<typeof backfillHour>;

/** An hour range of one connection to compare with its destination (`jobs.reconcile`). */
export const reconcileRange = z
  .object({
    connectionId: z.string().trim().min(1, { error: 'Connection is required' }),
    from: hour,
    to: hour,
  })
  .superRefine((r, ctx) => {
    const problem = rangeOrderProblem(r.from, r.to);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['to'] });
  });

/** One object the destination and the job history disagree on. */
export const reconcileItem = z.object({
  hour: z.string(),
  dataset,
  key: z.string(),
  /** What the job recorded (missing, changed). */
  expected: z
    .object({ bytes: z.number(), sha256: z.string(), etag: z.string().nullable() })
    .nullable(),
  /** What the destination has (extra, changed). */
  actual: z.object({ bytes: z.number(), etag: z.string().nullable() }).nullable(),
  reason: z.string(),
});
export type ReconcileItem = z.infer<typeof reconcileItem>;

/** What a destination holds against what its job history says was written, hour by hour. */
export const reconcileReport = z.object({
  connectionId: z.string(),
  connectionName: z.string(),
  from: z.string(),
  to: z.string(),
  hours: z.number().int(),
  /** Objects whose size and checksum match the job record. */
  matching: z.number().int(),
  /** Hours with no successful job, and nothing in the destination either. */
  notExported: z.array(z.string()),
  missing: z.array(reconcileItem),
  extra: z.array(reconcileItem),
  changed: z.array(reconcileItem),
  /**
   * Hours whose latest export wrote to another place (the connection moved since): their
   * objects are there, not checked here.
   */
  elsewhere: z
    .array(z.object({ hour: z.string(), dataset, place: z.string(), jobId: z.string() }))
    .default([]),
});
export type ReconcileReport = z.infer<typeof reconcileReport>;
