import { utcTime } from '../../shared/format';
import type { Command } from 'commander';
import { formatDocument } from '../../shared/aws/policies';
import type { MethodResult } from '../../shared/api/contract';
import type { RestorePlan } from '../../shared/aws/restore-plan';
import type { CliContext } from './context';
import { formatRecord, formatTable, print } from './output';

/** `ferry backups list|show|restore`: the documents Ferry kept before it changed them. */
export function registerBackupCommands(program: Command, ctx: CliContext): void {
  const backups = program
    .command('backups')
    .description(
      'list, show and restore the policies Ferry backed up before changing them (never deleted by Ferry)',
    );

  backups
    .command('list')
    .description('every backup, newest first')
    .action(() =>
      ctx.withEngine('read', async (engine) => {
        const all = await engine.call('backups.list');
        print(ctx, all, () =>
          formatTable(
            all.map((b) => ({
              id: b.id,
              kind: b.kind,
              target: b.target,
              taken: utcTime(b.takenAt),
              reason: b.existed ? b.reason : `${b.reason} (there was none)`,
            })),
            ['id', 'kind', 'target', 'taken', 'reason'],
            'No backups yet: Ferry takes one each time it changes a policy or setting in AWS.',
          ),
        );
      }),
    );

  backups
    .command('show')
    .description('one backup and the document it kept')
    .argument('<id>', 'backup ID (bk_…)')
    .action((id: string) =>
      ctx.withEngine('read', async (engine) => {
        const found = await engine.call('backups.show', { id });
        const b = found.backup;
        print(
          ctx,
          found,
          () =>
            formatRecord({
              id: b.id,
              kind: b.kind,
              target: b.target,
              taken: b.takenAt,
              reason: b.reason,
              connection: b.connectionId ?? '(none)',
              file: `backups/${b.file}`,
            }) + `\n${found.document ?? '(there was none: restoring removes what came after)'}\n`,
        );
      }),
    );

  withAskOptions(
    backups
      .command('diff')
      .description('what changed since a backup: its document against the one in AWS now')
      .argument('<id>', 'backup ID (bk_…)'),
  ).action((id: string, opts: AskOptions) =>
    ctx.withEngine('read', async (engine) => {
      const found = await engine.call('backups.compare', { id, as: opts });
      const diff = await backupDiff(found.kept, found.now);
      print(ctx, found, () => {
        const lost = found.plan.lostIfWhole;
        return [
          diff,
          planLines(found.plan).length
            ? `A restore (ferry backups restore ${id}):\n${planLines(found.plan).join('\n')}\n`
            : '',
          lost.length
            ? `With --whole it would also remove:\n${lost.map((n) => `  ${n.label} — ${n.why}`).join('\n')}\n`
            : '',
        ].join('');
      });
    }),
  );

  const restore = backups
    .command('restore')
    .description(
      "put a backup back: its statements as they were, Ferry's statements added since removed, every other statement kept (--whole: the document exactly as it was); what it replaces is backed up first",
    )
    .argument('<id>', 'backup ID (bk_…)')
    .option(
      '--whole',
      'replace the whole document with the backup, dropping statements others added since (run `ferry backups diff <id>` first: it lists them)',
    )
    .option(
      '--confirm <name>',
      "the bucket, key id or role name, typed: needed when the restore removes statements that are not Ferry's",
    );
  withAskOptions(restore).action(
    (id: string, opts: AskOptions & { whole?: boolean; confirm?: string }) =>
      ctx.withApi('write', async (engine) => {
        const { whole, confirm, ...as } = opts;
        const result = await engine.call('backups.restore', {
          id,
          as,
          whole: !!whole,
          ...(confirm !== undefined && { confirmName: confirm }),
        });
        print(ctx, result, () => restoreReport(result));
      }),
  );
}

type RestoreResult = MethodResult<'backups.restore'>;

/** What a restore did, statement by statement. */
function restoreReport({ restored, replaced, plan, changed, roleDeleted }: RestoreResult): string {
  // Nothing written: what it keeps says why (statements others still export with).
  if (!changed)
    return `${[`Nothing to change: the ${restored.kind} of ${restored.target} is already as ${restored.id} restores it.`, ...planLines(plan)].join('\n')}\n`;
  const lines = [
    roleDeleted
      ? `There was no role ${roleDeleted} before ${restored.id}: Ferry created it, and deleted it now.`
      : plan.document === null
        ? `There was no ${restored.kind} on ${restored.target} before; it was removed (${restored.id}).`
        : `Restored the ${restored.kind} of ${restored.target} from ${restored.id}${plan.mode === 'whole' ? ' (the whole document)' : ''}.`,
    ...planLines(plan),
    `What it replaced is kept as ${replaced.id} (ferry backups restore ${replaced.id} undoes this).`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The statements a restore puts back, removes and keeps, one per line. */
function planLines(plan: RestorePlan): string[] {
  const list = (title: string, notes: RestorePlan['removed']) =>
    notes.length ? [title, ...notes.map((n) => `  ${n.label} — ${n.why}`)] : [];
  return [
    ...list('Put back:', plan.putBack),
    ...list('Removed:', plan.removed),
    ...list('Kept (not in the backup):', plan.kept),
  ];
}

/** Who asks AWS, when not whoever took the backup (or its connection). */
function withAskOptions(command: Command): Command {
  return command
    .option('--profile <name>', 'AWS profile (default: the backup’s connection’s)')
    .option('--region <region>', 'AWS Region (default: the backup’s connection’s)')
    .option('--endpoint <url>', 'another AWS endpoint (a local test server)')
    .option('--mfa-code <code>', 'a code from the MFA device, for profiles with mfa_serial');
}

interface AskOptions {
  profile?: string;
  region?: string;
  endpoint?: string;
  mfaCode?: string;
}

/**
 * A unified diff from the backup to now, or a sentence when they are the same. `diff` is loaded
 * here, by the one command that prints one.
 */
async function backupDiff(kept: string | null, now: string | null): Promise<string> {
  const same =
    kept === now || (kept !== null && now !== null && formatDocument(kept) === formatDocument(now));
  if (same) return 'No change: AWS holds the same document as the backup.\n';
  const { createTwoFilesPatch } = await import('diff');
  return createTwoFilesPatch(
    'backup',
    'now',
    kept === null ? '' : formatDocument(kept),
    now === null ? '' : formatDocument(now),
    kept === null ? '(there was none)' : '',
    now === null ? '(there is none)' : '',
    { context: 3 },
  );
}
