import type { Command } from 'commander';
import type { MethodResult } from '../../shared/api/contract';
import { BACKUP_KIND_WORDS } from '../../shared/model/words';
import { EXIT, type CliContext } from './context';
import { print } from './output';

/** `ferry query-setup <connection>`: the Glue table over the query copy, planned or applied. */
export function registerQueryCommands(program: Command, ctx: CliContext): void {
  program
    .command('query-setup')
    .description(
      "show (and with --apply, create or update) the Glue Data Catalog table over a connection's query copy, for Athena",
    )
    .argument('<connection>', 'connection ID (cn_…) or name')
    .option('--apply', 'create or update the table (the definition before is kept as a backup)')
    .option('--ddl', 'print only the table as Athena DDL, for applying it by your own process')
    .option('--remove', 'delete the table (kept as a backup first)')
    .addHelpText(
      'after',
      '\nThe table is ferry.amplitude_events_<project>, over <prefix>_query/events/, with partition\n' +
        'projection on event_date: a new hour is queryable without a crawler or MSCK REPAIR.\n' +
        'Uses the connection’s AWS profile (glue:GetTable, CreateDatabase, CreateTable, UpdateTable).',
    )
    .action((id: string, opts: { apply?: boolean; ddl?: boolean; remove?: boolean }) =>
      ctx.withApi(opts.apply || opts.remove ? 'write' : 'read', async (engine) => {
        const connection = await engine.call('connections.get', { id });
        const connectionId = connection.id;
        if (!opts.remove && !connection.options.queryCopy)
          ctx.out.warn(
            `warning: "${connection.name}" does not write the query copy, so the table would stay empty. Turn it on: ferry connection update ${JSON.stringify(connection.name)} --query-copy`,
          );
        if (opts.remove) {
          const result = await engine.call('query.remove', { connectionId });
          print(ctx, result, () =>
            result.removed
              ? `Removed the Glue table (kept first as backup ${result.backups[0]?.id}).\n`
              : 'There is no Glue table of this connection: nothing to remove.\n',
          );
          return EXIT.ok;
        }
        if (opts.apply) {
          const { plan, backups } = await engine.call('query.apply', { connectionId });
          print(ctx, { plan, backups }, () =>
            plan.change === 'none'
              ? `${describe(plan)}\nThe table is already as proposed: nothing changed.\n`
              : `${describe(plan)}\n${plan.change === 'create' ? 'Created' : 'Updated'} ${plan.database}.${plan.table}; what was there before is kept as backup ${backups[0]?.id ?? '—'} (${BACKUP_KIND_WORDS['glue-table']}).\n\nTry it in Athena:\n\n${plan.query}\n`,
          );
          return EXIT.ok;
        }
        const plan = await engine.call('query.plan', { connectionId });
        if (opts.ddl) {
          print(ctx, { ddl: plan.ddl }, () => plan.ddl);
          return EXIT.ok;
        }
        print(ctx, plan, () => `${describe(plan)}\n${nextStep(plan, connection.name)}`);
        return EXIT.ok;
      }),
    );
}

type Plan = MethodResult<'query.plan'>;

function describe(plan: Plan): string {
  return [
    `Table:     ${plan.database}.${plan.table}`,
    `Reads:     ${plan.location}`,
    `Partition: event_date, projected from ${plan.since} to NOW (one a day)`,
  ].join('\n');
}

function nextStep(plan: Plan, name: string): string {
  if (plan.change === 'none')
    return `\nThe table is as proposed. Try it in Athena:\n\n${plan.query}\n`;
  const verb = plan.change === 'create' ? 'create it' : 'update it';
  return `\nThe table ${plan.change === 'create' ? 'does not exist yet' : 'differs from the proposal'}. To ${verb}: ferry query-setup ${JSON.stringify(name)} --apply\n(or print the DDL with --ddl and run it in Athena yourself).\n`;
}
