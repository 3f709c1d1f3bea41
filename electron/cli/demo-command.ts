import type { Command } from 'commander';
import { FerryError } from '../../shared/api/errors';
import { hour as hourSchema } from '../../shared/model/fields';
import { DemoSource } from '../engine';
import type { CliContext } from './context';

/** `ferry demo-data`: the demo source's events for one hour, as NDJSON on stdout (fixtures, trials). */
export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command('demo-data')
    .description('write sample events for one hour as NDJSON to standard output (the demo source)')
    .requiredOption('--hour <hour>', 'the UTC hour, yyyy-MM-ddTHH')
    .option('--project <id>', 'project id written as "app"', '100001')
    .option('--events <n>', 'events in the hour', '2000')
    .option('--seed <n>', 'generator seed (same seed, same events)', '1')
    .option('--duplicate-rate <share>', 'share of events repeating an earlier $insert_id', '0.01')
    .option('--force', `allow more than ${MAX_EVENTS.toLocaleString('en-US')} events`)
    .addHelpText(
      'after',
      '\nExample: ferry demo-data --hour 2020-01-25T17 --events 100000 | gzip > 2020-01-25T17.json.gz',
    )
    .action(
      async (opts: {
        hour: string;
        project: string;
        events: string;
        seed: string;
        duplicateRate: string;
        force?: boolean;
      }) => {
        const parsed = hourSchema.safeParse(opts.hour);
        if (!parsed.success)
          throw new FerryError('validation', parsed.error.issues[0]!.message, 'hour');
        const numbers = {
          project: Number(opts.project),
          events: Number(opts.events),
          seed: Number(opts.seed),
          rate: Number(opts.duplicateRate),
        };
        if (!Number.isSafeInteger(numbers.project) || numbers.project < 1)
          throw new FerryError(
            'validation',
            'Give the project ID as a whole number, e.g. 187520',
            'project',
          );
        if (!Number.isSafeInteger(numbers.events) || numbers.events < 0)
          throw new FerryError(
            'validation',
            'Give a whole number of events, e.g. 100000',
            'events',
          );
        if (numbers.events > MAX_EVENTS && !opts.force)
          throw new FerryError(
            'validation',
            `${numbers.events.toLocaleString('en-US')} events is over ${MAX_EVENTS.toLocaleString('en-US')} (about ${Math.round((MAX_EVENTS * 1.6) / 1024)} GB of NDJSON); add --force if you mean it`,
            'events',
          );
        if (!(numbers.rate >= 0 && numbers.rate < 1))
          throw new FerryError(
            'validation',
            'Give a share from 0 to below 1, e.g. 0.01',
            'duplicateRate',
          );
        const demo = new DemoSource({
          projectId: numbers.project,
          seed: numbers.seed,
          eventsPerHour: numbers.events,
          duplicateRate: numbers.rate,
        });
        // Ctrl-C or SIGTERM stop it at the next chunk, also when stdout is a file (whose
        // writes never wait, so the loop yields to let the signal in).
        let stopped: NodeJS.Signals | null = null;
        const stop = (signal: NodeJS.Signals) => (stopped = signal);
        process.once('SIGINT', stop).once('SIGTERM', stop);
        try {
          for await (const chunk of demo.generate(opts.hour)) {
            if (stopped) break;
            if (!process.stdout.write(chunk))
              await new Promise((resolve) => process.stdout.once('drain', resolve));
            else await new Promise((resolve) => setImmediate(resolve));
          }
        } finally {
          process.off('SIGINT', stop).off('SIGTERM', stop);
        }
        if (stopped) {
          ctx.out.warn(`demo-data stopped (${stopped as string}); the output is incomplete`);
          ctx.exitCode = stopped === 'SIGINT' ? 130 : 143;
        }
      },
    );
}

/** More than this needs --force: 10 million events are about 16 GB of NDJSON. */
const MAX_EVENTS = 10_000_000;
