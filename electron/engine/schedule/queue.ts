import { setMaxListeners } from 'node:events';
import PQueue from 'p-queue';
import type { Job } from '../../../shared/model/jobs';
import type { Dataset } from '../../../shared/model/fields';

/** One hour of one connection queued or being exported. */
export interface Flight {
  connectionId: string;
  hour: string;
  datasets: Dataset[];
  state: 'queued' | 'running';
  /** The run's jobs once it ends; none when it never started (dropped, or the queue stopped). */
  done: Promise<Job[]>;
}

/** A queue slot the running task holds; it may give it back while it waits, and take one again. */
export interface Slot {
  release(): void;
  acquire(): Promise<void>;
}

/**
 * The export queue: one p-queue for every run (manual, scheduled, backfill, by priority) with a
 * concurrency limit, and at most one run per (connection, hour) queued or running at a time —
 * its flight. A run waiting to retry gives its slot back, so one failing connection never holds
 * up the others.
 */
export class ExportQueue {
  private readonly queue: PQueue;
  private readonly flights = new Map<string, Flight>();
  private readonly stopper = new AbortController();

  constructor(concurrency: number) {
    this.queue = new PQueue({ concurrency });
    // Every run waiting for a slot listens to the stopper until it starts (p-queue removes the
    // listener then): a catch-up of 24 hours is 24 listeners, not a leak. No warning for them.
    setMaxListeners(0, this.stopper.signal);
  }

  setConcurrency(concurrency: number): void {
    this.queue.concurrency = concurrency;
  }

  /**
   * Queue `task` for a connection's hour unless that hour is queued or running already; returns
   * its flight, or null. `signal` drops it while it waits for a slot (its flight then ends with
   * no jobs); once it runs, the task handles cancelling itself.
   */
  add(
    run: { connectionId: string; hour: string; datasets: Dataset[]; priority: number },
    task: (slot: Slot) => Promise<Job[]>,
    options: { signal?: AbortSignal; onStart?(): void } = {},
  ): Flight | null {
    const key = flightKey(run.connectionId, run.hour);
    if (this.flights.has(key) || this.stopper.signal.aborted) return null;
    const flight: Flight = {
      connectionId: run.connectionId,
      hour: run.hour,
      datasets: run.datasets,
      state: 'queued',
      done: Promise.resolve([]),
    };
    this.flights.set(key, flight);
    const signal = options.signal
      ? AbortSignal.any([this.stopper.signal, options.signal])
      : this.stopper.signal;
    flight.done = (async () => {
      const slot = this.slot(run.priority, signal);
      try {
        await slot.acquire();
      } catch {
        return []; // dropped before it started
      }
      try {
        flight.state = 'running';
        options.onStart?.();
        return await task(slot);
      } finally {
        slot.release();
      }
    })().finally(() => this.flights.delete(key));
    return flight;
  }

  /** The flight of a connection's hour, if one is queued or running. */
  flight(connectionId: string, hour: string): Flight | undefined {
    return this.flights.get(flightKey(connectionId, hour));
  }

  /** Every flight now (a snapshot). */
  all(): Flight[] {
    return [...this.flights.values()];
  }

  /** Runs of one connection queued and running now. */
  counts(connectionId: string): { queued: number; running: number } {
    let queued = 0;
    let running = 0;
    for (const f of this.flights.values())
      if (f.connectionId !== connectionId) continue;
      else if (f.state === 'running') running++;
      else queued++;
    return { queued, running };
  }

  /** Drop everything still waiting for a slot and refuse new runs; running ones go on. */
  stop(): void {
    this.stopper.abort();
  }

  /**
   * Wait until nothing is queued and no run holds a slot. Runs waiting to retry hold none: on a
   * test's fake clock they wait until the clock is moved.
   */
  async idle(): Promise<void> {
    while (this.queue.size > 0 || this.queue.pending > 0) await this.queue.onIdle();
  }

  /** Wait until every run has ended, retries included. */
  async drained(): Promise<void> {
    while (this.flights.size > 0)
      await Promise.allSettled([...this.flights.values()].map((f) => f.done));
  }

  private slot(priority: number, signal: AbortSignal): Slot {
    let release: (() => void) | null = null;
    return {
      acquire: () =>
        new Promise<void>((granted, refused) => {
          this.queue
            .add(() => new Promise<void>((done) => ((release = done), granted())), {
              priority,
              signal,
            })
            .catch(refused);
        }),
      release: () => {
        release?.();
        release = null;
      },
    };
  }
}

function flightKey(connectionId: string, hour: string): string {
  return `${connectionId}|${hour}`;
}
