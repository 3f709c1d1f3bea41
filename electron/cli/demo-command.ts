import type { Command } from 'commander';
import { FerryError } from '../../shared/api/errors';
import { hour as hourSchema } from '../../shared/model/fields';
import { DemoSource } from '../engine/sources/demo';

/** `ferry demo-data`: the demo source's events for one hour, as NDJSON on stdout (fixtures, trials). */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo-data')
    .description('write sample events for one hour as NDJSON to standard output (the demo source)')
    .requiredOption('--hour <hour>', 'the UTC hour, yyyy-MM-ddTHH')
    .option('--project <id>', 'project id written as "app"', '100001')
    .option('--events <n>', 'events in the hour', '2000')
    .option('--seed <n>', 'generator seed (same seed, same events)', '1')
    .option('--duplicate-rate <share>', 'share of events repeating an earlier $insert_id', '0.01')
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
        if (!Number.isInteger(numbers.events) || numbers.events < 0)
          throw new FerryError('validation', '--events must be a whole number', 'events');
        if (!(numbers.rate >= 0 && numbers.rate < 1))
          throw new FerryError(
            'validation',
            '--duplicate-rate must be from 0 to below 1',
            'duplicateRate',
          );
        const demo = new DemoSource({
          projectId: numbers.project,
          seed: numbers.seed,
          eventsPerHour: numbers.events,
          duplicateRate: numbers.rate,
        });
        for await (const chunk of demo.generate(opts.hour)) {
          if (!process.stdout.write(chunk))
            await new Promise((resolve) => process.stdout.once('drain', resolve));
        }
      },
    );
}
