import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { FerryError } from '../../shared/api/errors';
import {
  databaseAddress,
  exportToDataDir,
  importDataDir,
  openTeamPeople,
  type DatabaseOptions,
  type TeamPeople,
  type TransferReport,
} from '../engine';
import {
  AUDIT_OUTCOMES,
  type AuditEntry,
  type AuditOutcome,
  type AuditQuery,
} from '../../shared/model/audit';
import { ROLES } from '../../shared/model/roles';
import { formatTable } from './output';
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
  registerPeopleCommands(program, team, ctx, needed);
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

/** People's tokens and the audit log of the team database (they need no running Ferry). */
function registerPeopleCommands(
  program: Command,
  team: Command,
  ctx: CliContext,
  needed: () => DatabaseOptions,
): void {
  const withPeople = async (run: (people: TeamPeople) => Promise<void>) => {
    const opened = await openTeamPeople(needed());
    try {
      await run(opened.people);
    } finally {
      await opened.close();
    }
  };
  const token = team
    .command('token')
    .description("people's API tokens for the console and the API, each with a role");
  token
    .command('add')
    .description('make a token for a person (shown once: hand it over, Ferry keeps only its hash)')
    .requiredOption('--name <name>', 'whose it is, e.g. alice@acme.example')
    .requiredOption('--role <role>', `what it may do: ${ROLES.join(', ')}`)
    .addHelpText(
      'after',
      '\nviewer: reads everything, changes nothing. operator: also exports hours, retries, cancels,\n' +
        'starts and cancels backfills, enables or disables connections. admin: everything, including\n' +
        'policies, migrations and settings. Open the console as <serve URL without token>/?token=<token>.',
    )
    .action((opts: { name: string; role: string }) =>
      withPeople(async (people) => {
        const { token: made, entry } = await people.add(opts.name, opts.role);
        (ctx.out.reveal ?? ctx.out.stdout)(
          ctx.globals().json
            ? `${JSON.stringify({ ...entry, token: made }, null, 2)}\n`
            : `Token for ${entry.name} (${entry.role}), shown once:\n${made}\n`,
        );
      }),
    );
  token
    .command('list')
    .description('list the tokens (never their secrets)')
    .action(() =>
      withPeople(async (people) => {
        const tokens = await people.list();
        print(ctx, tokens, () =>
          formatTable(
            tokens.map((t) => ({
              id: t.id,
              name: t.name,
              role: t.role,
              created: t.createdAt,
              revoked: t.revokedAt ?? '',
            })),
            ['id', 'name', 'role', 'created', 'revoked'],
            'No tokens yet: ferry team token add --name <who> --role viewer|operator|admin',
          ),
        );
      }),
    );
  token
    .command('revoke')
    .description('revoke a token at once (by id or name); its next request is refused')
    .argument('<token>', 'the token’s id or name')
    .action((which: string) =>
      withPeople(async (people) => {
        if (!(await people.revoke(which)))
          throw new FerryError('not_found', `No token in use is named or numbered "${which}".`);
        ctx.out.stdout(`Revoked ${which}.\n`);
      }),
    );
  program
    .command('audit')
    .description('team mode: who changed what through the console or the API, and how it ended')
    .option('--limit <n>', 'how many entries (newest first)', '50')
    .option('--who <name>', 'only this person’s entries (a token’s name, or "the serve token")')
    .addOption(
      new Option('--outcome <outcome>', 'only calls that ended so').choices(AUDIT_OUTCOMES),
    )
    .action((opts: { limit: string; who?: string; outcome?: AuditOutcome }) =>
      withPeople(async (people) => {
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
          throw new FerryError(
            'validation',
            'How many entries must be a whole number from 1 to 10000',
            '--limit',
          );
        const entries = await auditEntries(people, { who: opts.who, outcome: opts.outcome }, limit);
        print(ctx, entries, () =>
          formatTable(
            entries.map(({ seq: _seq, ...e }) => ({ ...e, target: e.target ?? '' })),
            ['at', 'who', 'method', 'target', 'result'],
            'Nothing was changed through the console or the API yet.',
          ),
        );
      }),
    );
}

/** Up to `limit` entries, newest first, read a hundred at a time. */
async function auditEntries(
  people: TeamPeople,
  filter: Pick<AuditQuery, 'who' | 'outcome'>,
  limit: number,
): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let before: number | undefined;
  while (entries.length < limit) {
    const page = await people.audit({
      ...filter,
      ...(before && { before }),
      limit: Math.min(100, limit - entries.length),
    });
    entries.push(...page.entries);
    if (page.next === null) break;
    before = page.next;
  }
  return entries;
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
