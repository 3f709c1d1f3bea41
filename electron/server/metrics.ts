import { Counter, Gauge, Registry } from 'prom-client';
import { hourIndex } from '../../shared/model/export-format';
import { JOB_STATUSES } from '../../shared/model/jobs';
import type { Engine } from '../engine';

/** How many finished jobs are remembered so a job told twice is counted once. */
const COUNTED_KEPT = 10_000;

/**
 * Prometheus metrics of one Ferry (`GET /metrics`, with the console's token): its history by
 * status, each connection's state, hour lag and pending hours, the queue, and what this process
 * exported since it started. Read at each scrape from the same calls the console makes, so
 * the figures say what the console and `ferry status` say.
 */
export function createMetrics(engine: Engine, now: () => Date = () => new Date()) {
  const registry = new Registry();
  registry.setDefaultLabels({ app: 'ferry' });

  const jobs = new Gauge({
    name: 'ferry_jobs',
    help: 'Jobs in the history, by status.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const status of JOB_STATUSES) {
        const page = await engine.call('jobs.list', { status: [status], limit: 1 });
        this.set({ status }, page.total);
      }
    },
  });
  void jobs;

  const labels = ['connection', 'name'] as const;
  const state = new Gauge({
    name: 'ferry_connection_state',
    help: 'Each connection’s state: 1 for the one it is in (healthy, catching-up, failing, disabled…).',
    labelNames: [...labels, 'state'],
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'ferry_connection_hour_lag_hours',
    help: 'Hours from the newest fully exported hour to the last hour that has ended (absent: none exported yet).',
    labelNames: labels,
    registers: [registry],
  });
  const pending = new Gauge({
    name: 'ferry_connection_pending_hours',
    help: 'Hours due within the lookback and not exported yet.',
    labelNames: labels,
    registers: [registry],
  });
  const queue = new Gauge({
    name: 'ferry_queue_exports',
    help: 'Exports of hours in the queue: waiting, running, or waiting to be tried again.',
    labelNames: ['state'],
    registers: [registry],
  });

  teamGauges(registry, engine);

  async function refresh() {
    queue.reset();
    state.reset();
    lag.reset();
    pending.reset();
    const [statuses, connections] = await Promise.all([
      engine.call('schedule.status'),
      engine.call('connections.list', {}),
    ]);
    const names = new Map(connections.map((c) => [c.id, c.name]));
    const ended = Math.floor(now().getTime() / 3_600_000) - 1;
    const totals = { queued: 0, running: 0, retrying: 0 };
    for (const s of statuses) {
      const at = { connection: s.connectionId, name: names.get(s.connectionId) ?? '' };
      state.set({ ...at, state: s.state }, 1);
      pending.set(at, s.pendingHours);
      if (s.lastExportedHour) lag.set(at, Math.max(0, ended - hourIndex(s.lastExportedHour)));
      totals.queued += s.queued;
      totals.running += s.running;
      totals.retrying += s.retrying;
    }
    for (const [key, value] of Object.entries(totals)) queue.set({ state: key }, value);
  }

  const events = new Counter({
    name: 'ferry_exported_events_total',
    help: 'Events written by the jobs this process finished since it started.',
    registers: [registry],
  });
  const bytes = new Counter({
    name: 'ferry_exported_bytes_total',
    help: 'Bytes stored by the jobs this process finished since it started.',
    registers: [registry],
  });
  const finished = new Counter({
    name: 'ferry_jobs_finished_total',
    help: 'Jobs this process finished since it started, by how they ended.',
    labelNames: ['status'],
    registers: [registry],
  });
  const counted = new Set<string>();
  const stop = engine.subscribe((event) => {
    if (event.type !== 'job.updated') return;
    const job = event.job;
    if (!['succeeded', 'failed', 'cancelled'].includes(job.status) || counted.has(job.id)) return;
    counted.add(job.id);
    if (counted.size > COUNTED_KEPT) counted.delete(counted.values().next().value!);
    finished.inc({ status: job.status });
    if (job.status !== 'succeeded') return;
    events.inc(job.counts?.eventsOut ?? 0);
    bytes.inc(job.bytes?.compressed ?? 0);
  });

  return {
    contentType: registry.contentType,
    // The four connection and queue gauges come from one status read, made before the
    // registry collects (it collects every metric at once).
    async text() {
      await refresh();
      return registry.metrics();
    },
    close: stop,
  };
}

/** Team mode's figures: the workers' queue and the hours taken over (absent on a laptop). */
function teamGauges(registry: Registry, engine: Engine): void {
  new Gauge({
    name: 'ferry_team_queue_hours',
    help: "Team mode: hours in the workers' queue, waiting (queued) or being exported (active).",
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      const depth = await engine.team?.queue();
      if (!depth) return;
      this.set({ state: 'queued' }, depth.queued);
      this.set({ state: 'active' }, depth.active);
    },
  });
  new Gauge({
    name: 'ferry_team_hour_takeovers',
    help: 'Team mode: hours a worker took over from a silent one, ever (from the hour leases in PostgreSQL).',
    registers: [registry],
    async collect() {
      if (engine.team) this.set(await engine.team.takeovers());
    },
  });
}
