import type { PgBoss, Job as QueueJob } from 'pg-boss';
import type { Dataset } from '../../../shared/model/fields';
import type { Job } from '../../../shared/model/jobs';
import { quietErrors } from './quiet-errors';

/** The queue of hours to export, in pg-boss (its own schema; Ferry never changes its tables). */
export const HOUR_QUEUE = 'ferry-hours';
const BOSS_SCHEMA = 'ferry_queue';
/**
 * How long a worker waits before asking the queue again after a look that found nothing, or
 * after an hour that took less than this: pg-boss takes one hour per look (batch of one), so
 * small hours would otherwise leave a worker idle between them.
 */
const IDLE_POLL_SECONDS = 0.5;

/** One hour of one connection for a worker to export. */
export interface HourTask {
  connectionId: string;
  hour: string;
  datasets: Dataset[];
  trigger: Job['trigger'];
  notes: string[];
}

/** What a worker answers when its hour ended (pg-boss keeps it as the queue job's output). */
export interface HourOutcome {
  jobIds: string[];
}

export interface HourQueueTiming {
  /** A worker that has not shown it lives for this long loses its hour to another (≥ 10 s). */
  heartbeatSeconds: number;
  /** An hour still running after this long is given to another worker. */
  expireInSeconds: number;
  /** How often the queue's monitor looks for silent workers. */
  monitorIntervalSeconds: number;
}

export const DEFAULT_TIMING: HourQueueTiming = {
  heartbeatSeconds: 30,
  expireInSeconds: 6 * 3600,
  monitorIntervalSeconds: 10,
};

/** A queue job's states before it has ended. */
const OPEN_STATES: ReadonlySet<string> = new Set(['created', 'retry', 'active']);

/**
 * The hour queue on pg-boss: `send` puts an hour in it once (its singleton key is the
 * connection and hour: while it is queued or running, sending it again does nothing); workers
 * `work` it one hour at a time, each holding the hour with pg-boss's heartbeat. A worker that
 * stops answering (killed, stopped, cut off) has its hour given to another once the heartbeat
 * lapses — pg-boss retries it — and Ferry's own fencing number (HourLease) keeps the silent one
 * from making anything visible afterwards.
 */
export class HourQueue {
  private constructor(private readonly boss: PgBoss) {}

  static async open(
    url: string,
    options: { timing?: Partial<HourQueueTiming>; supervise?: boolean; log?: (e: unknown) => void },
  ): Promise<HourQueue> {
    const timing = { ...DEFAULT_TIMING, ...timingFromEnv(), ...options.timing };
    // Loaded here, not at the top: every `ferry` command would otherwise pay for pg-boss at start.
    const { PgBoss } = await import('pg-boss');
    const boss = new PgBoss({
      connectionString: url,
      schema: BOSS_SCHEMA,
      application_name: 'ferry queue',
      supervise: options.supervise ?? true,
      monitorIntervalSeconds: timing.monitorIntervalSeconds,
      superviseIntervalSeconds: timing.monitorIntervalSeconds,
    });
    // Always listened to: an 'error' event with no listener would end the process.
    boss.on(
      'error',
      quietErrors((error) => options.log?.(error)),
    );
    await boss.start();
    try {
      if (!(await boss.getQueue(HOUR_QUEUE)))
        await boss
          .createQueue(HOUR_QUEUE, {
            policy: 'exclusive',
            heartbeatSeconds: timing.heartbeatSeconds,
            expireInSeconds: timing.expireInSeconds,
            // Tries of a queue job: a worker that died is one; an export's own retries are
            // made inside a try (ExportService).
            retryLimit: 20,
            retryDelay: 1,
            retryBackoff: true,
            retryDelayMax: 60,
          })
          // Another host created it at the same moment.
          .catch(async (error: unknown) => {
            if (!(await boss.getQueue(HOUR_QUEUE))) throw error;
          });
    } catch (error) {
      await boss.stop({ graceful: false }).catch(() => undefined);
      throw error;
    }
    return new HourQueue(boss);
  }

  /** Queue an hour; null when it is queued or running already. */
  send(task: HourTask, priority: number): Promise<string | null> {
    return this.boss.send(HOUR_QUEUE, task, {
      singletonKey: `${task.connectionId}|${task.hour}`,
      priority,
    });
  }

  /**
   * The queue job of an hour not ended yet (queued, waiting to be tried again, or running), e.g.
   * one sent before this serve restarted; null when there is none.
   */
  async open(connectionId: string, hour: string): Promise<string | null> {
    const jobs = await this.boss.findJobs<HourTask>(HOUR_QUEUE, { key: `${connectionId}|${hour}` });
    const open = jobs.filter((j) => OPEN_STATES.has(j.state));
    return open.at(-1)?.id ?? null;
  }

  /** The hours of a connection in the queue and not ended (waiting, to be tried again, running). */
  async openHours(connectionId: string): Promise<string[]> {
    const jobs = await this.boss.findJobs<HourTask>(HOUR_QUEUE, {
      data: { connectionId },
      limit: 100_000,
    });
    return jobs.filter((j) => OPEN_STATES.has(j.state)).map((j) => j.data.hour);
  }

  /** Where a queued hour stands, and what its worker answered once it ended. */
  async state(
    id: string,
  ): Promise<{ state: string; output: HourOutcome | null; retries: number } | null> {
    const [job] = await this.boss.findJobs<HourTask>(HOUR_QUEUE, { id });
    if (!job) return null;
    const output = (job as { output?: unknown }).output;
    return {
      state: job.state,
      output: isOutcome(output) ? output : null,
      retries: job.retryCount,
    };
  }

  /** Take a queued hour back before a worker starts it (a cancel). */
  async cancel(id: string): Promise<void> {
    await this.boss.cancel(HOUR_QUEUE, id);
  }

  /** Hours waiting and running now. */
  async depth(): Promise<{ queued: number; active: number }> {
    const queue = await this.boss.getQueue(HOUR_QUEUE);
    return { queued: queue?.queuedCount ?? 0, active: queue?.activeCount ?? 0 };
  }

  /** Take hours one at a time and run `handle` on each; a throw gives the hour back to the queue. */
  async work(
    handle: (task: HourTask, job: QueueJob<HourTask>) => Promise<HourOutcome>,
    options: { pollingIntervalSeconds?: number } = {},
  ): Promise<void> {
    await this.boss.work<HourTask, HourOutcome>(
      HOUR_QUEUE,
      { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? IDLE_POLL_SECONDS },
      async ([job]) => handle(job!.data, job!),
    );
  }

  /** Stop taking hours; the one running ends first (or is given back after `timeoutMs`). */
  async stop(timeoutMs = 30_000): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: timeoutMs });
  }
}

/**
 * FERRY_QUEUE_HEARTBEAT_SECONDS (≥ 10): how long a silent worker keeps its hour, taken when the
 * queue is first made; FERRY_QUEUE_MONITOR_SECONDS: how often silent workers are looked for.
 */
function timingFromEnv(env = process.env): Partial<HourQueueTiming> {
  const out: Partial<HourQueueTiming> = {};
  const heartbeat = Number(env.FERRY_QUEUE_HEARTBEAT_SECONDS);
  if (Number.isInteger(heartbeat) && heartbeat >= 10) out.heartbeatSeconds = heartbeat;
  const monitor = Number(env.FERRY_QUEUE_MONITOR_SECONDS);
  if (Number.isInteger(monitor) && monitor >= 1) out.monitorIntervalSeconds = monitor;
  return out;
}

function isOutcome(value: unknown): value is HourOutcome {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as HourOutcome).jobIds) &&
    (value as HourOutcome).jobIds.every((id) => typeof id === 'string')
  );
}
