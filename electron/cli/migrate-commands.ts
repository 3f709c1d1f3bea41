import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { FerryError } from '../../shared/api/errors';
import { MIGRATION_STEPS, stepNumber, type MigrationView } from '../../shared/model/migration';
import { EXIT, type CliContext } from './context';
import { formatTable, print } from './output';

const MARK: Record<MigrationView['steps'][number]['status'], string> = {
  done: 'done',
  failed: 'FAILED',
  waiting: 'waiting',
  pending: '',
};

/** `ferry migrate start|status|next|rollback|finish|runbook`: the KMS migration checklist. */
export function registerMigrateCommands(program: Command, ctx: CliContext): void {
  const migrate = program
    .command('migrate')
    .description(
      'move a connection that writes as your profile to SSE-KMS and a per-project IAM role, step by step, with backups and rollback',
    )
    .addHelpText(
      'after',
      '\nThe ten steps (each run by "ferry migrate next <connection>", one at a time):\n' +
        MIGRATION_STEPS.map((s, i) => `  ${String(i + 1).padStart(2)}. ${s.title}`).join('\n') +
        '\n\nThe state is kept in the data folder: stop any time and go on later, from here or the console.\n' +
        'Until step 10, "ferry migrate rollback <connection>" puts everything back as it was.\n' +
        'Exit codes: 0 the step is done; 1 it failed or is still waiting (the reason is printed); 2 wrong usage.',
    );

  migrate
    .command('start')
    .description('start migrating a connection (changes nothing in AWS yet)')
    .argument('<connection>', 'the connection to move: ID (cn_…) or name')
    .option('--name <name>', 'name of the new connection (default: "<old name> (KMS)")')
    .action((connection: string, opts: { name?: string }) =>
      ctx.withApi('write', async (engine) => {
        const m = await engine.call('migrations.start', {
          connectionId: connection,
          name: opts.name,
        });
        print(ctx, m, () => describe(m) + `\nNext: ferry migrate next ${m.oldConnectionId}\n`);
      }),
    );

  migrate
    .command('status')
    .description('show a migration’s checklist (or list every migration)')
    .argument('[connection]', 'the old or new connection (ID or name), or the migration ID')
    .action((ref: string | undefined) =>
      ctx.withEngine('read', async (engine) => {
        if (!ref) {
          const all = await engine.call('migrations.list');
          print(ctx, all, () =>
            formatTable(
              all.map((m) => ({
                id: m.id,
                from: m.oldConnectionName,
                to: m.newConnectionName,
                state: m.state,
                next: m.current ? `${stepNumber(m.current)}. ${title(m.current)}` : '',
              })),
              ['id', 'from', 'to', 'state', 'next'],
              'No migrations yet. Start one with: ferry migrate start <connection>',
            ),
          );
          return;
        }
        const m = await engine.call('migrations.get', { id: ref });
        print(ctx, m, () => describe(m));
      }),
    );

  migrate
    .command('next')
    .description('do the current step (prints what happened; run it again for the step after)')
    .argument('<connection>', 'the old or new connection (ID or name), or the migration ID')
    .option('--key <arn>', 'step 2: use this existing KMS key instead of creating one')
    .option('--mark-done', 'the step was done outside Ferry (steps 1, 6, 7): Ferry checks it')
    .option('--yes', 'confirm: step 10 (no rollback after it), or applying with an empty prefix')
    .action((ref: string, opts: { key?: string; markDone?: boolean; yes?: boolean }) =>
      ctx.withApi('write', async (engine) => {
        const before = await engine.call('migrations.get', { id: ref });
        const step = before.current;
        const m = await engine.call('migrations.next', {
          id: ref,
          keyArn: opts.key,
          markDone: opts.markDone ?? false,
          confirm: opts.yes ?? false,
        });
        return report(ctx, m, step);
      }),
    );

  registerMigrateEndings(migrate, ctx);
}

/** `ferry migrate finish`, `rollback` and `runbook`: how a migration ends, and its record. */
function registerMigrateEndings(migrate: Command, ctx: CliContext): void {
  migrate
    .command('finish')
    .description('step 10: delete the old connection (its history is archived); no rollback after')
    .argument('<connection>', 'the old or new connection (ID or name), or the migration ID')
    .option('--yes', 'confirm that rollback will no longer be possible')
    .action((ref: string, opts: { yes?: boolean }) =>
      ctx.withApi('write', async (engine) => {
        const before = await engine.call('migrations.get', { id: ref });
        if (before.current !== 'delete-old')
          throw new FerryError(
            'conflict',
            before.current
              ? `Migration ${before.id} is at step ${stepNumber(before.current)} (${title(before.current)}); run "ferry migrate next ${ref}" until step 10`
              : `Migration ${before.id} is ${before.state}`,
          );
        if (!opts.yes)
          throw new FerryError(
            'validation',
            `Deleting "${before.oldConnectionName}" ends the migration: after it, rollback is no longer possible. Run again with --yes.`,
            'confirm',
          );
        const m = await engine.call('migrations.next', { id: ref, confirm: true });
        return report(ctx, m, 'delete-old');
      }),
    );

  migrate
    .command('rollback')
    .description('put back what the migration changed (any time before step 10; can be retried)')
    .argument('<connection>', 'the old or new connection (ID or name), or the migration ID')
    .option('--delete-key', 'also schedule deletion (7 days) of the KMS key step 2 created')
    .action((ref: string, opts: { deleteKey?: boolean }) =>
      ctx.withApi('write', async (engine) => {
        const m = await engine.call('migrations.rollback', {
          id: ref,
          deleteKey: opts.deleteKey ?? false,
        });
        print(ctx, m, () =>
          [
            `Rollback of ${m.id}: ${m.state === 'rolled-back' ? 'everything is put back' : 'NOT finished — retry it (the backups are kept)'}`,
            ...m.rollback.map((i) => `  ${i.status.padEnd(7)} ${i.label}: ${i.detail}`),
            '',
          ].join('\n'),
        );
        return m.state === 'rolled-back' ? EXIT.ok : EXIT.failed;
      }),
    );

  migrate
    .command('runbook')
    .description('the checklist, its backups and every outcome as Markdown (for a change board)')
    .argument('<connection>', 'the old or new connection (ID or name), or the migration ID')
    .option('-o, --out <file>', 'write it to this file instead of printing it')
    .action((ref: string, opts: { out?: string }) =>
      ctx.withEngine('read', async (engine) => {
        const book = await engine.call('migrations.runbook', { id: ref });
        if (opts.out) {
          await writeFile(opts.out, book.markdown);
          print(ctx, { file: opts.out }, () => `Wrote ${opts.out}\n`);
        } else print(ctx, book, () => book.markdown);
      }),
    );
}

function title(id: MigrationView['steps'][number]['id']): string {
  return MIGRATION_STEPS[stepNumber(id) - 1]!.title;
}

/** What a step did, and the exit code: 0 only when it is done. */
function report(ctx: CliContext, m: MigrationView, step: MigrationView['current']): number {
  const done = step ? m.steps.find((s) => s.id === step) : null;
  print(ctx, m, () => describe(m));
  if (!done || done.status === 'done') return EXIT.ok;
  ctx.out.stderr(
    `ferry: step ${stepNumber(done.id)} (${title(done.id)}) ${done.status === 'waiting' ? 'is not done yet' : 'failed'}: ${done.outcome ?? ''}\n`,
  );
  return EXIT.failed;
}

/** The checklist as text. */
function describe(m: MigrationView): string {
  const lines = [
    `Migration ${m.id}: "${m.oldConnectionName}" → "${m.newConnectionName}" (${m.newConnectionId})`,
    `  s3://${m.bucket}/${m.prefix}, project ${m.projectId}; ${m.state}${m.current ? `, next: step ${stepNumber(m.current)}` : ''}`,
    '',
  ];
  for (const s of m.steps) {
    const arrow = m.current === s.id ? '→' : ' ';
    lines.push(
      `${arrow} ${String(stepNumber(s.id)).padStart(2)}. ${title(s.id).padEnd(46)} ${MARK[s.status]}${s.markedByAdmin ? ' (by the admin)' : ''}`,
    );
    if (s.outcome) lines.push(`      ${s.outcome}`);
  }
  if (m.keyArn) lines.push('', `KMS key: ${m.keyArn}${m.keyCreated ? ' (created here)' : ''}`);
  if (m.backups.length) {
    lines.push('', 'Backups (ferry backups restore <id> puts one back):');
    for (const b of m.backups)
      lines.push(`  ${b.id}  ${b.kind} of ${b.target}${b.existed ? '' : ' (there was none)'}`);
  }
  for (const o of m.objects)
    lines.push(
      `  object ${o.key}: ${o.serverSideEncryption ?? 'not encrypted'} ${o.kmsKeyId ?? ''}`,
    );
  if (m.gap)
    lines.push(
      '',
      `Missed hours: ${m.gap.from} to ${m.gap.to} (${m.gap.hours}) are older than the catch-up window.`,
      `  Backfill them: ferry backfill ${m.newConnectionId} --from ${m.gap.from} --to ${m.gap.to}`,
    );
  if (m.rollback.length) {
    lines.push('', 'Rollback:');
    for (const i of m.rollback) lines.push(`  ${i.status.padEnd(7)} ${i.label}: ${i.detail}`);
  }
  if (m.canRollback && m.state !== 'rolled-back')
    lines.push('', `Undo everything: ferry migrate rollback ${m.oldConnectionId}`);
  else if (m.rollbackRefused && m.state === 'finished') lines.push('', m.rollbackRefused);
  return `${lines.join('\n')}\n`;
}
