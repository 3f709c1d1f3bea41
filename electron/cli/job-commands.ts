import { type Command, Option } from 'commander';
import { FerryError } from '../../shared/api/errors';
import type { PushEvent } from '../../shared/api/events';
import { JOB_STATUSES, type Backfill, type Job, type JobStatus } from '../../shared/model/jobs';
import { jobStatusWords } from '../../shared/model/words';
import { jobCircumstance } from '../../shared/model/describe';
import { DATASETS, hour as hourSchema, type Dataset } from '../../shared/model/fields';
import { describeRunning, type EngineClient } from './engine-client';
import { formatBytes } from '../../shared/format';
import { parseList } from './flags';
import { EXIT, type CliContext } from './context';
import { EXIT_SIGNAL, followJobs, retryLine, type StopSignal } from './follow';
import { formatTable, print } from './output';

/** What one `jobs.list` call may return (the API's page limit). */
const JOBS_PER_CALL = 100;

interface JobPage {
  items: Job[];
  total: number;
  offset: number;
  limit: number;
}

/** `ferry export`, `ferry backfill`, `ferry jobs`, `ferry reconcile`. */
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
                `only a backfill this command runs itself takes it; ${describeRunning(engine.via!)} holds the data folder and exports with its own setting (Settings → Concurrency). Leave --concurrency out to send it the backfill.`,
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

  program
    .command('jobs')
    .description('show export job history, newest hour first')
    .argument('[connection]', 'only this connection (ID or name)')
    .option('--status <list>', `only these statuses (${JOB_STATUSES.join(', ')})`)
    .addOption(new Option('--dataset <dataset>', 'only this dataset').choices(DATASETS))
    .option('--from <hour>', 'hours from (yyyy-MM-ddTHH)')
    .option('--to <hour>', 'hours up to (yyyy-MM-ddTHH)')
    .option('--limit <n>', 'how many jobs to show (newest first)', '50')
    .action(
      (
        connection: string | undefined,
        opts: { status?: string; dataset?: Dataset; from?: string; to?: string; limit: string },
      ) =>
        ctx.withEngine('read', async (engine) => {
          const status = opts.status ? (parseList(opts.status) as JobStatus[]) : undefined;
          const bad = status?.find((s) => !JOB_STATUSES.includes(s));
          if (bad)
            throw new FerryError(
              'validation',
              `Unknown status "${bad}"; use ${JOB_STATUSES.join(', ')}`,
              '--status',
            );
          const connectionId = connection
            ? (await engine.call('connections.get', { id: connection })).id
            : undefined;
          const limit = Number(opts.limit);
          if (!Number.isInteger(limit) || limit < 1)
            throw new FerryError(
              'validation',
              'How many jobs must be a whole number from 1',
              '--limit',
            );
          // The API hands out at most 100 jobs a call: more are fetched page by page.
          const page: JobPage = { items: [], total: 0, offset: 0, limit };
          for (let offset = 0; page.items.length < limit; offset += JOBS_PER_CALL) {
            const part = await engine.call('jobs.list', {
              connectionId,
              status,
              dataset: opts.dataset,
              hourFrom: opts.from,
              hourTo: opts.to,
              offset,
              limit: Math.min(JOBS_PER_CALL, limit - page.items.length),
            });
            page.items.push(...part.items);
            page.total = part.total;
            if (part.items.length === 0 || offset + JOBS_PER_CALL >= part.total) break;
          }
          print(
            ctx,
            page,
            () =>
              formatTable(
                page.items.map((j) => ({
                  hour: j.hour,
                  dataset: j.dataset,
                  status: jobStatusWords(j),
                  events: j.counts ? String(j.counts.eventsOut) : '',
                  files: String(j.objects.length),
                  size: j.bytes ? formatBytes(j.bytes.compressed) : '',
                  attempts: String(j.attempts),
                  connection: j.connectionId,
                  problem: j.error ? j.error.message : '',
                })),
                [
                  'hour',
                  'dataset',
                  'status',
                  'events',
                  'files',
                  'size',
                  'attempts',
                  'connection',
                  'problem',
                ],
                'No jobs yet. Export an hour with: ferry export <connection> --hour yyyy-MM-ddTHH',
              ) +
              (page.total > page.items.length
                ? `(${page.items.length} of ${page.total}; use --limit to see more)\n`
                : ''),
          );
        }),
    );

  program
    .command('reconcile')
    .description('compare the destination with the job history: missing, extra and changed objects')
    .argument('<connection>', 'connection ID (cn_…) or name')
    .requiredOption('--from <hour>', 'first UTC hour, yyyy-MM-ddTHH')
    .requiredOption('--to <hour>', 'last UTC hour, yyyy-MM-ddTHH (included)')
    .addHelpText('after', '\nExits 1 when something is missing, extra or changed.')
    .action((connection: string, opts: { from: string; to: string }) =>
      ctx.withApi('read', async (api) => {
        const { from, to } = opts;
        const report = await api.call('jobs.reconcile', { connectionId: connection, from, to });
        const problems = report.missing.length + report.extra.length + report.changed.length;
        print(ctx, report, () => {
          const lines = [
            `${report.connectionName}: ${report.hours} hour(s) from ${from} to ${to}; ${report.matching} object(s) match the job history.`,
          ];
          for (const [label, items] of [
            ['Missing', report.missing],
            ['Extra', report.extra],
            ['Changed', report.changed],
          ] as const)
            for (const item of items)
              lines.push(`${label}: ${item.key} (${item.hour}, ${item.dataset}): ${item.reason}`);
          if (report.notExported.length > 0)
            lines.push(`Never exported: ${report.notExported.join(', ')}`);
          lines.push(problems === 0 ? 'Everything matches.' : `${problems} difference(s).`);
          return `${lines.join('\n')}\n`;
        });
        return problems === 0 ? EXIT.ok : EXIT.failed;
      }),
    );
}

/** Check an hour flag: the right form, a real hour from 2010 on, not in the future. */
function parseHour(value: string, flag: string): string {
  const parsed = hourSchema.safeParse(value);
  if (!parsed.success) throw new FerryError('validation', parsed.error.issues[0]!.message, flag);
  return value;
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
        if (job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled') {
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
      `Backfill of ${conn.name}: ${preview.hours.toLocaleString('en-US')} hour(s) × ${preview.datasets.length} dataset(s) = ${preview.jobs.toLocaleString('en-US')} job(s)` +
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
      onJob: (job) =>
        job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled'
          ? report.finished(job)
          : report.running(job),
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
    const what = `${t.succeeded} of ${backfill ? backfill.total : t.jobs} job(s) succeeded: ${t.events.toLocaleString('en-US')} events${t.merges ? `, ${t.merges.toLocaleString('en-US')} merged IDs` : ''}, ${formatBytes(t.bytes)} written in ${seconds.toFixed(1)} s.`;
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
    return `${head} ${job.status} after ${job.attempts} attempt(s) — ${problem}\n`;
  }
  const c = job.counts!;
  const extras = [
    c.duplicates ? `${c.duplicates} duplicates dropped` : '',
    c.filtered ? `${c.filtered} filtered out` : '',
    c.badLines ? `${c.badLines} bad lines` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const notes = job.notes
    .filter((n) => /bad line|Removed/.test(n))
    .map((n) => `\n    ${n}`)
    .join('');
  return `${head}: ${job.objects.length} file(s), ${c.eventsOut.toLocaleString('en-US')} ${job.dataset === 'events' ? 'events' : 'merges'}${extras ? ` (${extras})` : ''}, ${formatBytes(job.bytes?.raw ?? 0)} → ${formatBytes(job.bytes?.compressed ?? 0)} in ${((job.durationMs ?? 0) / 1000).toFixed(1)} s${notes}\n`;
}
