import type { Command } from 'commander';
import { createTwoFilesPatch } from 'diff';
import { formatDocument } from '../../shared/aws/policies';
import type { CliContext } from './index';
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
              taken: `${b.takenAt.slice(0, 16).replace('T', ' ')} UTC`,
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
      print(ctx, found, () => backupDiff(found.kept, found.now));
    }),
  );

  const restore = backups
    .command('restore')
    .description(
      'put a backed-up document back exactly as it was (or remove it if there was none); what it replaces is backed up first',
    )
    .argument('<id>', 'backup ID (bk_…)');
  withAskOptions(restore).action((id: string, opts: AskOptions) =>
    ctx.withEngine('write', async (engine) => {
      const { restored, replaced } = await engine.call('backups.restore', { id, as: opts });
      print(
        ctx,
        { restored, replaced },
        () =>
          (restored.existed
            ? `Restored the ${restored.kind} of ${restored.target} from ${restored.id}.\n`
            : `There was no ${restored.kind} on ${restored.target} before; Ferry's was removed (${restored.id}).\n`) +
          `What it replaced is kept as ${replaced.id} (ferry backups restore ${replaced.id} undoes this).\n`,
      );
    }),
  );
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

/** A unified diff from the backup to now, or a sentence when they are the same. */
function backupDiff(kept: string | null, now: string | null): string {
  const same =
    kept === now || (kept !== null && now !== null && formatDocument(kept) === formatDocument(now));
  if (same) return 'No change: AWS holds the same document as the backup.\n';
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
