import { type Command, Option } from 'commander';
import { FerryError } from '../../shared/api/errors';
import { JOB_STATUSES, type Job, type JobStatus } from '../../shared/model/jobs';
import { elsewhereSentences } from '../../shared/model/places';
import { jobStatusWords } from '../../shared/model/words';
import { DATASETS, type Dataset } from '../../shared/model/fields';
import { formatBytes, plural } from '../../shared/format';
import { parseList } from './flags';
import { EXIT, type CliContext } from './context';
import { formatTable, print } from './output';

/** What one `jobs.list` call may return (the API's page limit). */
const JOBS_PER_CALL = 100;

interface JobPage {
  items: Job[];
  total: number;
  offset: number;
  limit: number;
}

/** `ferry jobs` and `ferry reconcile`: what the history says, and whether the destination agrees. */
export function registerHistoryCommands(program: Command, ctx: CliContext): void {
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
            `${report.connectionName}: ${plural(report.hours, 'hour')} from ${from} to ${to}; ${plural(report.matching, 'object')} ${report.matching === 1 ? 'matches' : 'match'} the job history.`,
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
          lines.push(...elsewhereSentences(report.elsewhere));
          lines.push(problems === 0 ? 'Everything matches.' : `${plural(problems, 'difference')}.`);
          return `${lines.join('\n')}\n`;
        });
        return problems === 0 ? EXIT.ok : EXIT.failed;
      }),
    );
}
