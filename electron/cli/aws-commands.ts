import { type Command, Option } from 'commander';
import { FerryError } from '../../shared/api/errors';
import type { MethodResult } from '../../shared/api/contract';
import { formatDocument } from '../../shared/aws/policies';
import { setupTargetFor, type SetupTargetInput } from '../../shared/model/aws';
import type { Connection, S3Destination } from '../../shared/model/entities';
import type { EngineClient } from './engine-client';
import { EXIT, type CliContext } from './context';
import { formatTable, print } from './output';

type Form = 'legacy' | 'role';

/** `ferry profiles`, `ferry verify`, `ferry policy …`: the AWS setup steps from the command line. */
export function registerAwsCommands(program: Command, ctx: CliContext): void {
  program
    .command('profiles')
    .description('list the AWS profiles on this machine (~/.aws/config, ~/.aws/credentials)')
    .option('--check <profile>', 'resolve this profile and show who it is (STS GetCallerIdentity)')
    .option('--mfa-code <code>', 'a code from the MFA device, for profiles with mfa_serial')
    .option(
      '--region <region>',
      'region for the identity call (default: the profile’s, else us-east-1)',
    )
    .option('--endpoint <url>', 'another AWS endpoint (a local test server)')
    .action((opts: { check?: string; mfaCode?: string; region?: string; endpoint?: string }) =>
      ctx.withEngine('read', async (engine) => {
        const { profiles, warnings, files } = await engine.call('aws.profiles');
        for (const warning of warnings) ctx.out.warn(`warning: ${warning}`);
        if (opts.check) {
          const profile = profiles.find((p) => p.name === opts.check);
          const me = await engine.call('aws.identity', {
            profile: opts.check,
            region: opts.region ?? profile?.region ?? 'us-east-1',
            endpoint: opts.endpoint ?? null,
            mfaCode: opts.mfaCode,
          });
          print(ctx, me, () => `Profile ${opts.check} is ${me.arn} (account ${me.account}).\n`);
          return;
        }
        print(ctx, { profiles, files }, () =>
          formatTable(
            profiles.map((p) => ({
              name: p.name,
              kind: p.kind,
              region: p.region ?? '',
              mfa: p.mfaSerial ? 'yes' : '',
            })),
            ['name', 'kind', 'region', 'mfa'],
            `No AWS profiles in ${files.config} or ${files.credentials}. Create one with: aws configure --profile <name>`,
          ),
        );
      }),
    );

  program
    .command('verify')
    .description(
      "check a connection's bucket access (or its folder) the way an export uses it; names any missing permission",
    )
    .argument('<connection>', 'connection ID (cn_…) or name')
    .addOption(
      new Option('--form <form>', 'how exports get access (default: the connection’s)').choices([
        'legacy',
        'role',
      ]),
    )
    .option('--mfa-code <code>', 'a code from the MFA device, for profiles with mfa_serial')
    .addHelpText('after', '\nExits 1 when a check fails.')
    .action((id: string, opts: { form?: Form; mfaCode?: string }) =>
      ctx.withApi('write', async (engine) => {
        const connection = await engine.call('connections.get', { id });
        const folder = connection.destination.type === 'folder';
        const report = folder
          ? await engine.call('connections.verifyFolder', { id: connection.id })
          : await setupTargetOf(engine, id, opts).then(({ target, form }) =>
              engine.call('aws.verify', { target, form }),
            );
        const verdict = folder
          ? ['The folder works.', 'The folder is not ready yet.']
          : ['Access works.', 'Access is not complete yet.'];
        print(ctx, report, () => {
          const lines = report.probes.map((p) => {
            const mark =
              p.status === 'passed'
                ? '✓'
                : p.status === 'failed'
                  ? '✗'
                  : p.status === 'warning'
                    ? '!'
                    : '-';
            const extra = [
              p.fix ? `    fix: ${p.fix}` : '',
              p.statement ? `    statement: ${JSON.stringify(p.statement)}` : '',
            ].filter(Boolean);
            return [`${mark} ${p.label}: ${p.detail}`, ...extra].join('\n');
          });
          return `${lines.join('\n')}\n${report.ok ? verdict[0] : verdict[1]}\n`;
        });
        return report.ok ? EXIT.ok : EXIT.failed;
      }),
    );

  registerPolicyCommands(program, ctx);
}

/** `ferry policy <kind> <connection>`: the documents a connection needs, printed or applied. */
function registerPolicyCommands(program: Command, ctx: CliContext): void {
  const policy = program
    .command('policy')
    .description('show (and with --apply, apply) the AWS documents a connection needs');
  const kinds: [string, string, string[]][] = [
    ['bucket', 'the bucket policy (merged into the bucket’s current one)', ['bucket-policy']],
    [
      'role',
      'the per-project export role: trust and permissions policies',
      ['role-trust', 'role-policy'],
    ],
    [
      'kms',
      'the KMS key policy statement and the bucket’s default encryption',
      ['key-policy', 'bucket-encryption'],
    ],
  ];
  for (const [name, description, wanted] of kinds)
    policy
      .command(name)
      .description(description)
      .argument('<connection>', 'connection ID (cn_…) or name')
      .addOption(
        new Option(
          '--form <form>',
          'legacy: trust the account; role: trust ferry-export-<project>',
        ).choices(['legacy', 'role']),
      )
      .option('--apply', 'apply it now (what it replaces is backed up first)')
      .option('--yes', 'apply although a warning is shown (an empty prefix)')
      .option('--mfa-code <code>', 'a code from the MFA device, for profiles with mfa_serial')
      .action(
        (id: string, opts: { form?: Form; apply?: boolean; yes?: boolean; mfaCode?: string }) =>
          ctx.withEngine(opts.apply ? 'write' : 'read', async (engine) => {
            const { target, form, connection } = await setupTargetOf(engine, id, opts);
            if (name === 'role' && form !== 'role')
              throw new FerryError(
                'validation',
                'The export role is part of the role form: add --form role',
                'form',
              );
            if (name === 'kms' && !target.kmsKeyArn)
              throw new FerryError(
                'validation',
                'The connection has no KMS key (set one with ferry connection update --kms-key)',
                'kmsKeyArn',
              );
            const plan = await engine.call('aws.plan', { target, form });
            const proposals = plan.proposals.filter((p) => wanted.includes(p.kind));
            for (const warning of plan.warnings) ctx.out.warn(`warning: ${warning}`);
            if (!opts.apply) {
              const { createTwoFilesPatch } = await import('diff');
              print(ctx, proposals, () =>
                proposals
                  .map((p) =>
                    p.current === null
                      ? `# ${p.kind} for ${p.target} (none there yet)\n${p.proposed}`
                      : `# ${p.kind} for ${p.target}, changes against what is there now:\n${createTwoFilesPatch('current', 'proposed', formatDocument(p.current), p.proposed, '', '', { context: 3 })}`,
                  )
                  .join('\n'),
              );
              return;
            }
            const steps =
              name === 'bucket'
                ? (['bucket-policy'] as const)
                : name === 'role'
                  ? (['role'] as const)
                  : form === 'role'
                    ? (['key-policy', 'bucket-encryption'] as const)
                    : (['bucket-encryption'] as const);
            const results: MethodResult<'aws.apply'>[] = [];
            for (const step of steps)
              results.push(
                await engine.call('aws.apply', {
                  target,
                  form,
                  step,
                  connectionId: connection.id,
                  confirmed: opts.yes === true,
                }),
              );
            print(ctx, results, () =>
              results
                .flatMap((r) =>
                  r.applied.map(
                    (a, i) =>
                      `Applied the ${a.kind} of ${a.target}; the one it replaced is backed up as ${r.backups[i]?.id ?? r.backups[0]?.id} (backups/${r.backups[i]?.file ?? r.backups[0]?.file}).`,
                  ),
                )
                .join('\n')
                .concat('\n'),
            );
          }),
      );
}

/** The setup target of a saved connection, and the form its exports use. */
export async function setupTargetOf(
  engine: Pick<EngineClient, 'call'>,
  id: string,
  opts: { form?: Form; mfaCode?: string },
): Promise<{ target: SetupTargetInput; form: Form; connection: Connection }> {
  const connection = await engine.call('connections.get', { id });
  const target = setupTargetFor(connection, opts.mfaCode);
  if (!target)
    throw new FerryError(
      'validation',
      `Connection "${connection.name}" writes to a folder; there is no AWS access to check`,
      'destination',
    );
  const dest = connection.destination as S3Destination;
  return { connection, form: opts.form ?? (dest.roleArn ? 'role' : 'legacy'), target };
}
