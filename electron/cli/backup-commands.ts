import type { Command } from 'commander';
import { FerryError } from '../../shared/api/errors';
import type { Engine } from '../engine';
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

  backups
    .command('restore')
    .description('put a backed-up document back exactly as it was (or remove it if there was none)')
    .argument('<id>', 'backup ID (bk_…)')
    .option('--profile <name>', 'AWS profile (default: the backup’s connection’s)')
    .option('--region <region>', 'AWS Region (default: the backup’s connection’s)')
    .option('--endpoint <url>', 'another AWS endpoint (a local test server)')
    .option('--mfa-code <code>', 'a code from the MFA device, for profiles with mfa_serial')
    .action(
      (
        id: string,
        opts: { profile?: string; region?: string; endpoint?: string; mfaCode?: string },
      ) =>
        ctx.withEngine('write', async (engine) => {
          const { backup } = await engine.call('backups.show', { id });
          const as = await askFor(engine, backup.connectionId, opts);
          const restored = await engine.call('backups.restore', { id, as });
          print(ctx, restored, () =>
            restored.existed
              ? `Restored the ${restored.kind} of ${restored.target} from ${restored.id}.\n`
              : `There was no ${restored.kind} on ${restored.target} before; Ferry's was removed (${restored.id}).\n`,
          );
        }),
    );
}

/** Who asks AWS for a restore: the flags, else the backup's connection (live or archived). */
async function askFor(
  engine: Engine,
  connectionId: string | null,
  opts: { profile?: string; region?: string; endpoint?: string; mfaCode?: string },
) {
  const connections = [
    ...(await engine.call('connections.list')),
    ...(await engine.call('connections.archived')),
  ];
  const dest = connections.find((c) => c.id === connectionId)?.destination;
  const s3 = dest?.type === 's3' ? dest : null;
  const profile = opts.profile ?? s3?.profile;
  const region = opts.region ?? s3?.region;
  if (!profile || !region)
    throw new FerryError(
      'validation',
      'This backup belongs to no connection Ferry still knows: give --profile and --region',
      'profile',
    );
  return {
    profile,
    region,
    endpoint: opts.endpoint ?? s3?.endpoint ?? null,
    forcePathStyle: s3?.forcePathStyle ?? false,
    mfaCode: opts.mfaCode,
  };
}
