import { type Command, Option } from 'commander';
import { FerryError } from '../../shared/api/errors';
import { JOB_STATUSES, type Job, type JobStatus } from '../../shared/model/entities';
import { hourIndex, hoursBetween } from '../../shared/model/export-format';
import { DATASETS, hour as hourSchema, type Dataset } from '../../shared/model/fields';
import type { Engine } from '../engine';
import { reconcile } from '../engine/jobs/reconcile';
import { formatBytes } from '../../shared/format';
import { parseList } from './flags';
import { EXIT, type CliContext } from './index';
import { formatTable, print } from './output';

/** `ferry export`, `ferry backfill`, `ferry jobs`, `ferry reconcile`. */
export function registerJobCommands(program: Command, ctx: CliContext): void {
  program
    .command('export')
    .description('export one hour of a connection now, and wait for it')
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
      '\nThe hour is rewritten whole: running it again replaces its files, never duplicates them.\nExits 1 when a job failed.',
    )
    .action((connection: string, opts: { hour: string; dataset?: Dataset }) =>
      ctx.withEngine('write', async (engine) => {
        const hour = parseHour(opts.hour, '--hour', engine);
        return runJobs(
          ctx,
          engine,
          connection,
          [hour],
          opts.dataset ? [opts.dataset] : null,
          'manual',
          1,
        );
      }),
    );

  program
    .command('backfill')
    .description('export a range of hours (one-shot, runs to completion)')
    .argument('<connection>', 'connection ID (cn_…) or name')
    .requiredOption('--from <hour>', 'first UTC hour, yyyy-MM-ddTHH')
    .requiredOption('--to <hour>', 'last UTC hour, yyyy-MM-ddTHH (included)')
    .addOption(
      new Option(
        '--dataset <dataset>',
        'only this dataset (default: all of the connection)',
      ).choices(DATASETS),
    )
    .option('--concurrency <n>', 'hours exported at once', '2')
    .addHelpText(
      'after',
      '\nOverlapping earlier exports is safe: each hour is rewritten whole, never duplicated.\nExits 1 when a job failed.',
    )
    .action(
      (
        connection: string,
        opts: { from: string; to: string; dataset?: Dataset; concurrency: string },
      ) =>
        ctx.withEngine('write', async (engine) => {
          const from = parseHour(opts.from, '--from', engine);
          const to = parseHour(opts.to, '--to', engine);
          if (hourIndex(from) > hourIndex(to))
            throw new FerryError('validation', `--from (${from}) is after --to (${to})`, '--from');
          const concurrency = Number(opts.concurrency);
          if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16)
            throw new FerryError(
              'validation',
              'Concurrency must be a whole number from 1 to 16',
              '--concurrency',
            );
          return runJobs(
            ctx,
            engine,
            connection,
            hoursBetween(from, to),
            opts.dataset ? [opts.dataset] : null,
            'backfill',
            concurrency,
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
    .option('--limit <n>', 'how many', '50')
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
          const page = await engine.call('jobs.list', {
            connectionId,
            status,
            dataset: opts.dataset,
            hourFrom: opts.from,
            hourTo: opts.to,
            limit: Number(opts.limit),
          });
          print(
            ctx,
            page,
            () =>
              formatTable(
                page.items.map((j) => ({
                  hour: j.hour,
                  dataset: j.dataset,
                  status: j.status,
                  events: j.counts ? String(j.counts.eventsOut) : '',
                  files: String(j.objects.length),
                  size: j.bytes ? formatBytes(j.bytes.compressed) : '',
                  attempts: String(j.attempts),
                  connection: j.connectionId,
                  problem: j.error ? `${j.error.kind}: ${j.error.message}` : '',
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
      ctx.withEngine('read', async (engine) => {
        const from = parseHour(opts.from, '--from', null);
        const to = parseHour(opts.to, '--to', null);
        const { connection: conn, project, org } = engine.exports.resolve(connection);
        const report = await reconcile(
          conn,
          project.id,
          org.id,
          await engine.exports.sinkFor(conn),
          engine.jobs,
          from,
          to,
        );
        const problems = report.missing.length + report.extra.length + report.changed.length;
        print(ctx, report, () => {
          const lines = [
            `${conn.name}: ${report.hours} hour(s) from ${from} to ${to}; ${report.matching} object(s) match the job history.`,
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

/** Check an hour flag: the right form, a real hour, not in the future (when the engine is given). */
function parseHour(value: string, flag: string, engine: Engine | null): string {
  const parsed = hourSchema.safeParse(value);
  if (!parsed.success) throw new FerryError('validation', parsed.error.issues[0]!.message, flag);
  if (engine && hourIndex(value) >= hourIndex(new Date().toISOString().slice(0, 13)))
    throw new FerryError(
      'validation',
      `${value} has not ended yet; export hours that are over`,
      flag,
    );
  return value;
}

/** Run jobs with a progress line on a terminal, then print a summary; exit 1 when one failed. */
async function runJobs(
  ctx: CliContext,
  engine: Engine,
  connection: string,
  hours: string[],
  datasets: Dataset[] | null,
  trigger: Job['trigger'],
  concurrency: number,
): Promise<number> {
  const { connection: conn } = engine.exports.resolve(connection);
  const total = hours.length * (datasets ?? conn.datasets).length;
  const tty = !ctx.globals().json && process.stderr.isTTY === true;
  const done: Job[] = [];
  const live = new Map<string, { events: number; bytes: number }>();
  const started = Date.now();
  const render = () => {
    if (!tty) return;
    const events =
      done.reduce((n, j) => n + (j.counts?.eventsOut ?? 0), 0) +
      [...live.values()].reduce((n, p) => n + p.events, 0);
    const failed = done.filter((j) => j.status === 'failed').length;
    const width = 24;
    const filled = Math.round((done.length / total) * width);
    process.stderr.write(
      `\r[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${done.length}/${total} jobs · ${events.toLocaleString()} events · ${Math.round((Date.now() - started) / 1000)} s${failed ? ` · ${failed} failed` : ''}   `,
    );
  };
  const unsubscribe = engine.subscribe((event) => {
    if (event.type === 'job.progress')
      live.set(event.jobId, { events: event.eventsDone, bytes: event.bytesDone });
    if (event.type === 'job.progress' || event.type === 'job.updated') render();
  });
  const timer = tty ? setInterval(render, 1000) : null;
  try {
    await engine.exports.exportHours(conn.id, hours, datasets, trigger, {
      concurrency,
      onJob: (job) => {
        done.push(job);
        live.delete(job.id);
        if (!tty && !ctx.globals().json) ctx.out.stdout(describeJob(job));
        render();
      },
    });
  } finally {
    unsubscribe();
    if (timer) clearInterval(timer);
    if (tty) process.stderr.write('\n');
  }
  done.sort((a, b) => a.hour.localeCompare(b.hour) || a.dataset.localeCompare(b.dataset));
  const failed = done.filter((j) => j.status !== 'succeeded');
  const summary = {
    connection: conn.id,
    jobs: done.length,
    succeeded: done.length - failed.length,
    failed: failed.length,
    events: done
      .filter((j) => j.dataset === 'events')
      .reduce((n, j) => n + (j.counts?.eventsOut ?? 0), 0),
    merges: done
      .filter((j) => j.dataset === 'merged-ids')
      .reduce((n, j) => n + (j.counts?.eventsOut ?? 0), 0),
    duplicates: done.reduce((n, j) => n + (j.counts?.duplicates ?? 0), 0),
    badLines: done.reduce((n, j) => n + (j.counts?.badLines ?? 0), 0),
    bytes: done.reduce((n, j) => n + (j.bytes?.compressed ?? 0), 0),
    seconds: (Date.now() - started) / 1000,
    results: done,
  };
  if (ctx.globals().json) ctx.out.stdout(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    if (tty) for (const job of done) ctx.out.stdout(describeJob(job));
    ctx.out.stdout(
      `${summary.succeeded} of ${summary.jobs} job(s) succeeded: ${summary.events.toLocaleString()} events${summary.merges ? `, ${summary.merges.toLocaleString()} merged IDs` : ''}, ${formatBytes(summary.bytes)} written in ${summary.seconds.toFixed(1)} s.\n`,
    );
  }
  return failed.length === 0 ? EXIT.ok : EXIT.failed;
}

function describeJob(job: Job): string {
  const head = `${job.status === 'succeeded' ? '✓' : '✗'} ${job.hour} ${job.dataset}`;
  if (job.status !== 'succeeded') {
    const problem = job.error
      ? `${job.error.kind}: ${job.error.message}${job.error.fix ? `\n    fix: ${job.error.fix}` : ''}`
      : job.status;
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
  return `${head}: ${job.objects.length} file(s), ${c.eventsOut.toLocaleString()} ${job.dataset === 'events' ? 'events' : 'merges'}${extras ? ` (${extras})` : ''}, ${formatBytes(job.bytes?.raw ?? 0)} → ${formatBytes(job.bytes?.compressed ?? 0)} in ${((job.durationMs ?? 0) / 1000).toFixed(1)} s${notes}\n`;
}
