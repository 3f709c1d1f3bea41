import { resolve } from 'node:path';
import type { Command } from 'commander';
import { FerryError } from '../../shared/api/errors';
import {
  databaseAddress,
  exportToDataDir,
  importDataDir,
  type DatabaseOptions,
  type TransferReport,
} from '../engine';
import type { CliContext } from './context';
import { databaseOf } from './database-option';
import { print } from './output';

/** `ferry team import|export`: move a laptop's data folder into a team's database, and back. */
export function registerTeamCommands(program: Command, ctx: CliContext): void {
  const team = program
    .command('team')
    .description("team mode: move a data folder's records into a PostgreSQL database, and back");
  const needed = (): DatabaseOptions => {
    const chosen = databaseOf(ctx.globals());
    if (!chosen)
      throw new FerryError(
        'validation',
        'Name the team database with --database postgres://… (or FERRY_DATABASE_URL)',
        'database',
      );
    return chosen;
  };
  team
    .command('import')
    .description(
      "copy a data folder's organizations, projects, connections, settings, job history, policy backups, migrations and secrets into the database, then check every job arrived",
    )
    .requiredOption('--from-data-dir <dir>', 'the data folder to copy (only read)')
    .addHelpText(
      'after',
      '\nStop the desktop app or ferry serve on that folder first. The database must be new, or hold\n' +
        'what an earlier import put there: running it again copies nothing more. Secrets sealed by\n' +
        "the desktop app's keychain can not be read here; they are listed, to be entered again.",
    )
    .action(async (opts: { fromDataDir: string }) => {
      const chosen = needed();
      const report = await importDataDir({ dataDir: resolve(opts.fromDataDir), database: chosen });
      show(ctx, report, databaseAddress(chosen.url));
    });
  team
    .command('export')
    .description("copy the database's records into a new data folder (a laptop's, or one to keep)")
    .requiredOption('--to-data-dir <dir>', 'the data folder to write (new, or an earlier export)')
    .action(async (opts: { toDataDir: string }) => {
      const chosen = needed();
      const report = await exportToDataDir({ dataDir: resolve(opts.toDataDir), database: chosen });
      show(ctx, report, databaseAddress(chosen.url));
    });
}

function show(ctx: CliContext, report: TransferReport, address: string): void {
  const named = (label: string) => (label === 'the database' ? address : label);
  const line = (what: string, counts: { copied: number; same: number }) =>
    `  ${what.padEnd(11)} ${counts.copied} copied, ${counts.same} already there\n`;
  print(ctx, report, () =>
    [
      `From ${named(report.from)} to ${named(report.to)}:\n`,
      `  config      ${report.config === 'copied' ? 'copied' : 'already there'}\n`,
      line('jobs', report.jobs),
      line('backups', report.backups),
      line('migrations', report.migrations),
      line('secrets', report.secrets),
      ...report.secrets.skipped.map((s) => `  not copied: secret ${s.name} — ${s.reason}\n`),
      `Checked: all ${report.verified.jobs} jobs of ${named(report.from)} are in ${named(report.to)} as they are there (sha256 ${report.verified.digest.slice(0, 16)}…).\n`,
    ].join(''),
  );
}
