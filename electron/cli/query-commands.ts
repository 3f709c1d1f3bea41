import type { Command } from 'commander';
import type { MethodResult } from '../../shared/api/contract';
import { readsElsewhere } from '../../shared/aws/glue-table';
import { plural } from '../../shared/format';
import { QUERY_DATASETS } from '../../shared/model/query-format';
import { BACKUP_KIND_WORDS } from '../../shared/model/words';
import { EXIT, type CliContext } from './context';
import { print } from './output';

/** `ferry query-setup <connection>`: the connection's Glue tables, planned or applied. */
export function registerQueryCommands(program: Command, ctx: CliContext): void {
  program
    .command('query-setup')
    .description(
      "show (and with --apply, create or update) the Glue Data Catalog tables over a connection's query copy (and its JSON export, where asked for), for Athena",
    )
    .argument('<connection>', 'connection ID (cn_…) or name')
    .option('--apply', 'create or update the tables (each definition before is kept as a backup)')
    .option('--ddl', 'print only the tables as Athena DDL, for applying them by your own process')
    .option('--remove', 'delete the tables (each kept as a backup first)')
    .addHelpText(
      'after',
      '\nThe tables are ferry.amplitude_events_<project> over <prefix>_query/events/ and, when the\n' +
        'connection exports merged IDs, ferry.amplitude_merged_ids_<project> over .../merged_ids/,\n' +
        'with partition projection by date: a new hour is queryable without a crawler or MSCK REPAIR.\n' +
        'A connection updated with --json-table also gets ferry.amplitude_events_json_<project> over\n' +
        'the exact JSON export: the prefix as it is, not partitioned (a query reads all of it).\n' +
        'Uses the connection’s AWS profile (glue:GetTable, CreateDatabase, CreateTable, UpdateTable;\n' +
        'DeleteTable to remove).',
    )
    .action((id: string, opts: { apply?: boolean; ddl?: boolean; remove?: boolean }) =>
      ctx.withApi(opts.apply || opts.remove ? 'write' : 'read', async (engine) => {
        const connection = await engine.call('connections.get', { id });
        const connectionId = connection.id;
        if (!opts.remove && !connection.options.queryCopy && !connection.options.jsonTable)
          ctx.out.warn(
            `warning: "${connection.name}" does not write the query copy, so the table would stay empty. Turn it on: ferry connection update ${JSON.stringify(connection.name)} --query-copy`,
          );
        if (opts.remove) {
          const result = await engine.call('query.remove', { connectionId });
          print(ctx, result, () =>
            result.removed
              ? `Removed ${plural(result.backups.length, 'Glue table')} (each kept first as a backup: ${result.backups.map((b) => b.id).join(', ')}).\n`
              : 'There is no Glue table of this connection: nothing to remove.\n',
          );
          return EXIT.ok;
        }
        if (opts.apply) {
          const result = await engine.call('query.apply', { connectionId });
          print(ctx, result, () => `${describe(result.plan)}\n${appliedText(result)}`);
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
  return plan.tables
    .map((t) =>
      [
        `Table:     ${t.database}.${t.table}${stateNote(t)}`,
        `Reads:     ${t.location}`,
        t.dataset === 'json'
          ? `Partition: none (a query reads every JSON file there; filter on "$path" for one hour)`
          : `Partition: ${QUERY_DATASETS[t.dataset].dateKey}, projected from ${t.since} to NOW (one a day)`,
      ].join('\n'),
    )
    .join('\n\n');
}

/** What a table's line says about its state beside its name. */
function stateNote(t: Plan['tables'][number]): string {
  if (t.change === 'none') return '';
  if (t.change === 'create') return '  (not created yet)';
  const reads = readsElsewhere(t);
  return reads === null
    ? '  (differs from the proposal)'
    : `  (still reads ${reads}, where this connection exported before: to be moved)`;
}

function appliedText({ plan, changed, backups }: MethodResult<'query.apply'>): string {
  if (changed.length === 0) return '\nEvery table is already as proposed: nothing changed.\n';
  const done = changed
    .map((c) => `${c.change === 'create' ? 'Created' : 'Updated'} ${c.database}.${c.table}`)
    .join('; ');
  return `\n${done}; what was there before is kept as ${plural(backups.length, 'backup')} (${BACKUP_KIND_WORDS['glue-table']}): ${backups.map((b) => b.id).join(', ')}.\n\nTry it in Athena:\n\n${plan.query}\n`;
}

function nextStep(plan: Plan, name: string): string {
  if (plan.change === 'none')
    return `\nEvery table is as proposed. Try it in Athena:\n\n${plan.query}\n`;
  return `\nTo create or update the tables marked above: ferry query-setup ${JSON.stringify(name)} --apply\n(or print the DDL with --ddl and run it in Athena yourself).\n`;
}
