import { type Command, Option } from 'commander';
import { FerryError } from '../../shared/api/errors';
import type { PushEvent } from '../../shared/api/events';
import { jobEnded, type Backfill, type Job } from '../../shared/model/jobs';
import { jobCircumstance } from '../../shared/model/describe';
import { DATASETS, type Dataset } from '../../shared/model/fields';
import { describeRunning, type EngineClient } from './engine-client';
import { formatBytes, plural } from '../../shared/format';
import { parseHour } from './flags';
import { EXIT, type CliContext } from './context';
import { EXIT_SIGNAL, followJobs, retryLine, type StopSignal } from './follow';
import { formatTable, print } from './output';

/** `ferry export`, `ferry backfill`, `ferry backfills` (`ferry jobs` and `reconcile`: history-commands.ts). */
export function registerJobCommands(program: Command, ctx: CliContext): void {
  program
    .command('export')
    .description('export one hour of a connection now, and wait for its outcome (retries included)')
    .argument('<connection>', 'connection ID (cn_…) or name')
    .requiredOption('--hour <hour>', 'the UTC hour, yyyy-MM-ddTHH (e.g. 2020-01-25T17)')
    .addOption(
      new Option(
        '--dataset <dataset>',
        'only this dataset (default: all of the connection)',
      ).choices(DATASETS),
    )
    .addHelpText(
      'after',
      '\nThe hour is written whole and made visible at once: running it again replaces its files,\n' +
        'never duplicates them. Failed tries are retried as the schedule does ("retrying in 30 s: …").\n' +
        'Exit codes: 0 every dataset succeeded; 1 one failed; 130 Ctrl-C cancelled it (the destination\n' +
        'is as it was); 143 SIGTERM stopped it (it runs again when the schedule next starts).',
    )
    .action((connection: string, opts: { hour: string; dataset?: Dataset }) =>
      ctx.withApi('write', (engine) =>
        exportCommand(ctx, engine, connection, parseHour(opts.hour, '--hour'), opts.dataset),
      ),
    );

  program
    .command('backfill')
    .description(
      'export a range of hours as a backfill — listed in the console, resumed after a restart — and wait for it',
    )
    .argument('<connection>', 'connection ID (cn_…) or name')
    .requiredOption('--from <hour>', 'first UTC hour, yyyy-MM-ddTHH')
    .requiredOption('--to <hour>', 'last UTC hour, yyyy-MM-ddTHH (included)')
    .addOption(
      new Option(
        '--dataset <dataset>',
        'only this dataset (default: all of the connection)',
      ).choices(DATASETS),
    )
    .option('--concurrency <n>', 'hours exported at once (this run only; default: the setting)')
    .option('--yes', 'start a range over two years without asking')
    .addHelpText(
      'after',
      '\nOverlapping earlier exports is safe: each hour is rewritten whole, never duplicated.\n' +
        'Ranges over two years need --yes. Exit codes: 0 every hour succeeded; 1 an hour failed or\n' +
        'was cancelled; 130 Ctrl-C cancelled the backfill; 143 SIGTERM stopped it (it resumes when\n' +
        'the schedule next starts: ferry run, ferry serve or the desktop app).',
    )
    .action(
      (
        connection: string,
        opts: { from: string; to: string; dataset?: Dataset; concurrency?: string; yes?: boolean },
      ) =>
        ctx.withApi('write', async (engine) => {
          const range = {
            from: parseHour(opts.from, '--from'),
            to: parseHour(opts.to, '--to'),
          };
          if (opts.concurrency !== undefined) {
            const concurrency = Number(opts.concurrency);
            if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16)
              throw new FerryError(
                'validation',
                'Concurrency must be a whole number from 1 to 16',
                '--concurrency',
              );
            if (!engine.local)
              throw new FerryError(
                'conflict',
                `only a backfill this command runs itself takes it; ${describeRunning(engine.via!)} holds the data folder and exports with its own setting (Settings → Exports at once). Leave --concurrency out to send it the backfill.`,
                '--concurrency',
              );
            engine.local.scheduler.setConcurrency(concurrency);
          }
          return backfillCommand(ctx, engine, connection, range, opts.dataset, opts.yes ?? false);
        }),
    );

  program
    .command('backfills')
    .description('list backfills, newest first, as the console does: range, status and progress')
    .argument('[connection]', 'only this connection (ID or name)')
    .action((connection: string | undefined) =>
      ctx.withEngine('read', async (engine) => {
        const connectionId = connection
          ? (await engine.call('connections.get', { id: connection })).id
          : undefined;
        const list = await engine.call('backfills.list', { connectionId });
        const names = new Map(
          (await engine.call('connections.list')).map((c) => [c.id, c.name] as const),
        );
        print(ctx, list, () =>
          formatTable(
            list.map((b) => ({
              id: b.id,
              connection: names.get(b.connectionId) ?? b.connectionId,
              range: `${b.from} … ${b.to}`,
              datasets: b.datasets.join(','),
              status: b.status,
              done: `${b.succeeded + b.failed + b.cancelled}/${b.total}`,
              failed: b.failed ? String(b.failed) : '',
              cancelled: b.cancelled ? String(b.cancelled) : '',
            })),
            ['id', 'connection', 'range', 'datasets', 'status', 'done', 'failed', 'cancelled'],
            'No backfills yet. Start one with: ferry backfill <connection> --from yyyy-MM-ddTHH --to yyyy-MM-ddTHH',
          ),
        );
      }),
    );
}

/** `ferry export`: one hour through `jobs.exportHour`, followed to its final outcome. */
async function exportCommand(
  ctx: CliContext,
  engine: EngineClient,
  connectionRef: string,
  hour: string,
  dataset: Dataset | undefined,
): Promise<number> {
  const conn = await engine.call('connections.get', { id: connectionRef });
  const wanted = new Set<Dataset>(dataset ? [dataset] : conn.datasets);
  const finished = new Map<Dataset, Job>();
  const report = new JobReport(ctx, wanted.size);
  let started: Dataset[] = [];
  let cancelling = false;
  const cancel = (job: Job) => engine.call('jobs.cancel', { id: job.id }).catch(() => undefined);
  const signal = await followJobs(
    engine,
    {
      mine: (job) =>
        job.connectionId === conn.id &&
        job.hour === hour &&
        job.trigger === 'manual' &&
        wanted.has(job.dataset),
      onJob: (job) => {
        if (jobEnded(job.status)) {
          finished.set(job.dataset, job);
          report.finished(job);
        } else {
          // A job that starts after Ctrl-C (it was still queued) is cancelled as it starts.
          if (cancelling) void cancel(job);
          report.running(job);
        }
      },
      onEvent: (event) => report.event(event),
      isDone: () => started.length > 0 && started.every((d) => finished.has(d)),
      onSignal: async (signal, running) => {
        if (signal === 'SIGTERM') return engine.close();
        cancelling = true;
        await Promise.all(running.map(cancel));
      },
    },
    async () => {
      const result = await engine.call('jobs.exportHour', {
        connectionId: conn.id,
        hour,
        datasets: dataset ? [dataset] : undefined,
      });
      started = result.started.map((s) => s.dataset);
    },
  );
  const jobs = [...finished.values()];
  report.summary(conn.id, jobs, signal);
  if (signal) return EXIT_SIGNAL[signal];
  return jobs.every((j) => j.status === 'succeeded') ? EXIT.ok : EXIT.failed;
}

/** `ferry backfill`: a range through `backfills.start`, followed until the backfill ends. */
async function backfillCommand(
  ctx: CliContext,
  engine: EngineClient,
  connectionRef: string,
  range: { from: string; to: string },
  dataset: Dataset | undefined,
  yes: boolean,
): Promise<number> {
  const conn = await engine.call('connections.get', { id: connectionRef });
  const input = {
    connectionId: conn.id,
    ...range,
    datasets: dataset ? [dataset] : undefined,
  };
  const preview = await engine.call('backfills.preview', input);
  if (preview.needsConfirmation && !yes)
    throw new FerryError(
      'validation',
      `${range.from} to ${range.to} is ${preview.hours.toLocaleString('en-US')} hours (${(preview.hours / 8766).toFixed(1)} years); add --yes to start a backfill over two years`,
      '--yes',
    );
  if (!ctx.globals().json)
    ctx.out.stdout(
      `Backfill of ${conn.name}: ${plural(preview.hours, 'hour')} × ${plural(preview.datasets.length, 'dataset')} = ${plural(preview.jobs, 'job')}` +
        `${preview.overlaps ? `; ${preview.overlaps.toLocaleString('en-US')} overlap earlier exports (rewritten in place, never duplicated)` : ''}.\n`,
    );
  const report = new JobReport(ctx, preview.jobs);
  let backfill: Backfill | null = null;
  let latest: Backfill | null = null;
  let stopped = false;
  let cancelOnStart = false;
  const signal = await followJobs(
    engine,
    {
      mine: (job) =>
        job.connectionId === conn.id &&
        job.trigger === 'backfill' &&
        job.hour >= range.from &&
        job.hour <= range.to,
      onJob: (job) => (jobEnded(job.status) ? report.finished(job) : report.running(job)),
      onEvent: (event) => {
        if (event.type === 'backfill.updated') {
          latest = event.backfill;
          if (backfill && latest.id === backfill.id) backfill = latest;
        }
        report.event(event);
      },
      isDone: () => stopped || (backfill !== null && backfill.status !== 'running'),
      onSignal: async (signal) => {
        if (signal === 'SIGTERM') {
          await engine.close();
          stopped = true;
        } else if (backfill) await engine.call('backfills.cancel', { id: backfill.id });
        else cancelOnStart = true; // Ctrl-C before the start answered: cancel it once it has
      },
    },
    async () => {
      const started = await engine.call('backfills.start', { ...input, confirmLarge: yes });
      const seen = latest as Backfill | null;
      backfill = seen?.id === started.id ? seen : started;
      if (cancelOnStart) backfill = await engine.call('backfills.cancel', { id: started.id });
    },
  );
  const final = backfill as Backfill | null;
  report.summary(conn.id, null, signal, final);
  if (signal) return EXIT_SIGNAL[signal];
  return final?.status === 'succeeded' ? EXIT.ok : EXIT.failed;
}

/**
 * What a following command prints: a progress line on a terminal, one line per finished job
 * otherwise, retries as they are scheduled, then a summary (or JSON with --json).
 */
class JobReport {
  private readonly json: boolean;
  private readonly tty: boolean;
  private readonly started = Date.now();
  private readonly live = new Map<string, number>();
  private readonly retries = new Set<string>();
  private readonly problems: Job[] = [];
  private readonly results: Job[] = [];
  private readonly totals = {
    jobs: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    events: 0,
    merges: 0,
    duplicates: 0,
    badLines: 0,
    bytes: 0,
  };
  private readonly timer: NodeJS.Timeout | null;

  constructor(
    private readonly ctx: CliContext,
    private readonly total: number,
  ) {
    this.json = ctx.globals().json;
    this.tty = !this.json && process.stderr.isTTY === true;
    this.timer = this.tty ? setInterval(() => this.render(), 1000) : null;
    this.timer?.unref();
  }

  running(job: Job): void {
    const line = retryLine(job);
    const key = `${job.hour}|${job.attempts}|${job.retryAt}`;
    if (line && !this.json && !this.retries.has(key)) {
      this.retries.add(key);
      this.clearLine();
      this.ctx.out.stdout(line);
    }
    this.render();
  }

  finished(job: Job): void {
    this.live.delete(job.id);
    const t = this.totals;
    t.jobs++;
    t[job.status as 'succeeded' | 'failed' | 'cancelled']++;
    if (job.dataset === 'events') t.events += job.counts?.eventsOut ?? 0;
    else t.merges += job.counts?.eventsOut ?? 0;
    t.duplicates += job.counts?.duplicates ?? 0;
    t.badLines += job.counts?.badLines ?? 0;
    t.bytes += job.bytes?.compressed ?? 0;
    // An export keeps its one or two jobs; a long backfill only its problems (bounded).
    if (this.total <= 16) this.results.push(job);
    else if (job.status !== 'succeeded' && this.problems.length < 100) this.problems.push(job);
    if (!this.json) {
      this.clearLine();
      this.ctx.out.stdout(describeJob(job));
    }
    this.render();
  }

  event(event: PushEvent): void {
    if (event.type === 'job.progress') {
      this.live.set(event.jobId, event.eventsDone);
      this.render();
    }
  }

  summary(
    connectionId: string,
    jobs: Job[] | null,
    signal: StopSignal | null,
    backfill: Backfill | null = null,
  ): void {
    if (this.timer) clearInterval(this.timer);
    this.clearLine();
    const seconds = (Date.now() - this.started) / 1000;
    const t = this.totals;
    const results = (jobs ?? this.results).sort(
      (a, b) => a.hour.localeCompare(b.hour) || a.dataset.localeCompare(b.dataset),
    );
    if (this.json) {
      this.ctx.out.stdout(
        `${JSON.stringify(
          {
            connection: connectionId,
            ...(backfill ? { backfill } : {}),
            ...t,
            stoppedBy: signal,
            seconds,
            results,
            ...(backfill ? { problems: this.problems } : {}),
          },
          null,
          2,
        )}\n`,
      );
      return;
    }
    const what = `${t.succeeded.toLocaleString('en-US')} of ${plural(backfill ? backfill.total : t.jobs, 'job')} succeeded: ${plural(t.events, 'event')}${t.merges ? `, ${plural(t.merges, 'merged ID')}` : ''}, ${formatBytes(t.bytes)} written in ${seconds.toFixed(1)} s.`;
    const why =
      signal === 'SIGINT'
        ? ' Cancelled (Ctrl-C): hours not finished were left out whole; the destination holds no part of one.'
        : signal === 'SIGTERM'
          ? ' Stopped (SIGTERM): what did not finish runs again when the schedule next starts (ferry run, ferry serve or the desktop app).'
          : '';
    this.ctx.out.stdout(`${what}${why}\n`);
  }

  private render(): void {
    if (!this.tty) return;
    const t = this.totals;
    const done = t.jobs;
    const events = t.events + [...this.live.values()].reduce((n, e) => n + e, 0);
    const width = 24;
    const filled = Math.min(width, Math.round((done / Math.max(1, this.total)) * width));
    process.stderr.write(
      `\r[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${this.total} jobs · ${events.toLocaleString('en-US')} events · ${Math.round((Date.now() - this.started) / 1000)} s${t.failed ? ` · ${t.failed} failed` : ''}   `,
    );
  }

  private clearLine(): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
  }
}

function describeJob(job: Job): string {
  const head = `${job.status === 'succeeded' ? '✓' : '✗'} ${job.hour} ${job.dataset}`;
  if (job.status !== 'succeeded') {
    const problem = job.error
      ? `${job.error.kind}: ${job.error.message}${job.error.fix ? `\n    fix: ${job.error.fix}` : ''}`
      : (jobCircumstance(job) ?? job.status);
    return `${head} ${job.status} after ${plural(job.attempts, 'attempt')} — ${problem}\n`;
  }
  const c = job.counts!;
  const extras = [
    c.duplicates ? `${plural(c.duplicates, 'duplicate')} dropped` : '',
    c.filtered ? `${c.filtered.toLocaleString('en-US')} filtered out` : '',
    c.badLines ? plural(c.badLines, 'bad line') : '',
  ]
    .filter(Boolean)
    .join(', ');
  const notes = job.notes
    .filter((n) => /bad line|Removed/.test(n))
    .map((n) => `\n    ${n}`)
    .join('');
  return `${head}: ${plural(job.objects.length, 'file')}, ${plural(c.eventsOut, job.dataset === 'events' ? 'event' : 'merge')}${extras ? ` (${extras})` : ''}, ${formatBytes(job.bytes?.raw ?? 0)} → ${formatBytes(job.bytes?.compressed ?? 0)} in ${((job.durationMs ?? 0) / 1000).toFixed(1)} s${notes}\n`;
}
