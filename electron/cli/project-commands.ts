import { FerryError } from '../../shared/api/errors';
import { type Command, Option } from 'commander';
import type { MethodInput } from '../../shared/api/contract';
import { describeSource } from '../../shared/model/describe';
import { PROJECT_KINDS, SOURCE_TYPES, type Project } from '../../shared/model/entities';
import { readSecret } from './flags';
import type { CliContext } from './context';
import { formatRecord, formatTable, print } from './output';

interface SourceFlags {
  source?: string;
  sourcePath?: string;
  eventsPerHour?: string;
  seed?: string;
  apiKey?: string;
  amplitudeRegion?: string;
  amplitudeEndpoint?: string;
  secretKeyStdin?: boolean;
  secretKeyEnv?: string;
}

type SourceInput = MethodInput<'projects.create'>['source'];

/** Where a project's events come from, as flags (`project add` and `project update`). */
function sourceOptions(command: Command): Command {
  return command
    .addOption(new Option('--source <type>', 'where events come from').choices(SOURCE_TYPES))
    .option(
      '--source-path <dir>',
      'files: folder of .json/.ndjson/.json.gz files (searched recursively)',
    )
    .option('--events-per-hour <n>', 'demo: sample events per hour')
    .option('--seed <n>', 'demo: seed of the sample generator')
    .option('--api-key <key>', "amplitude: the project's API key")
    .addOption(
      new Option('--amplitude-region <region>', "amplitude: the project's data center").choices([
        'us',
        'eu',
      ]),
    )
    .option('--amplitude-endpoint <url>', 'amplitude: another Export API host (a proxy)')
    .option('--secret-key-stdin', 'amplitude: read the secret key from standard input')
    .option(
      '--secret-key-env <var>',
      'amplitude: read the secret key from this environment variable',
    );
}

/** `ferry project add|list|show|update|remove`. */
export function registerProjectCommands(program: Command, ctx: CliContext): void {
  const project = program.command('project').description('manage projects (sources of events)');

  sourceOptions(
    project
      .command('add')
      .description('add a project to an organization')
      .requiredOption('--id <id>', 'numeric project ID (as in Amplitude)')
      .requiredOption('--org <id>', 'organization ID it belongs to')
      .requiredOption('--name <name>', 'display name')
      .addOption(
        new Option('--kind <kind>', 'project kind (portfolio projects can not be export sources)')
          .choices(PROJECT_KINDS)
          .default('standard'),
      ),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  ferry project add --id 187520 --org 123 --name "Web app" --source demo        (sample events)\n' +
        '  ferry project add --id 187520 --org 123 --name Web --source files --source-path /data/export\n' +
        '  AMP_SECRET=… ferry project add --id 187520 --org 123 --name Web --source amplitude \\\n' +
        '    --api-key 0123abcd --secret-key-env AMP_SECRET',
    )
    .action(
      (
        opts: SourceFlags & {
          id: string;
          org: string;
          name: string;
          kind: 'standard' | 'portfolio';
        },
      ) =>
        ctx.withApi('write', async (engine) => {
          // Never a silent default: demo events exported to a real bucket would look like data.
          if (opts.kind !== 'portfolio' && !opts.source && !opts.sourcePath && !opts.apiKey)
            throw new FerryError(
              'validation',
              'Say where its events come from: --source amplitude --api-key <key> (and the secret key), --source files --source-path <dir>, or --source demo (sample events, to try Ferry out)',
              'source',
            );
          const created = await engine.call('projects.create', {
            id: opts.id,
            orgId: opts.org,
            name: opts.name,
            kind: opts.kind,
            source: sourceFromFlags(opts, null),
            secretKey: readSecret(opts),
          });
          print(
            ctx,
            created,
            () =>
              `Added project ${created.id} "${created.name}" to organization ${created.orgId}\n`,
          );
        }),
    );

  registerProjectReadsAndRemove(project, ctx);
}

/** `ferry project list`, `show` and `remove`. */
function registerProjectReadsAndRemove(project: Command, ctx: CliContext): void {
  project
    .command('list')
    .description('list projects')
    .option('--org <id>', "only this organization's projects")
    .action((opts: { org?: string }) =>
      ctx.withEngine('read', async (engine) => {
        const projects = await engine.call(
          'projects.list',
          opts.org ? { orgId: opts.org } : undefined,
        );
        print(ctx, projects, () =>
          formatTable(
            projects.map((p) => ({
              id: String(p.id),
              name: p.name,
              org: String(p.orgId),
              kind: p.kind,
              source: describeSource(p),
            })),
            ['id', 'name', 'org', 'kind', 'source'],
            'No projects yet. Add one with: ferry project add --id <id> --org <org id> --name <name>',
          ),
        );
      }),
    );

  project
    .command('show')
    .description('show one project')
    .argument('<id>', 'project ID')
    .action((id: string) =>
      ctx.withEngine('read', async (engine) => {
        const found = await engine.call('projects.get', { id });
        print(ctx, found, () =>
          formatRecord({
            id: String(found.id),
            name: found.name,
            organization: String(found.orgId),
            kind: found.kind,
            source: describeSource(found),
            ...(found.source.type === 'amplitude'
              ? { 'secret key': found.secretKeyStored ? 'stored' : 'missing' }
              : {}),
            created: found.createdAt,
          }),
        );
      }),
    );

  sourceOptions(
    project
      .command('update')
      .description("change a project's name, kind or source")
      .argument('<id>', 'project ID')
      .option('--name <name>', 'new display name')
      .addOption(new Option('--kind <kind>', 'project kind').choices(PROJECT_KINDS)),
  ).action((id: string, opts: SourceFlags & { name?: string; kind?: 'standard' | 'portfolio' }) =>
    ctx.withApi('write', async (engine) => {
      const current = await engine.call('projects.get', { id });
      const changesSource = [
        opts.source,
        opts.sourcePath,
        opts.eventsPerHour,
        opts.seed,
        opts.apiKey,
        opts.amplitudeRegion,
        opts.amplitudeEndpoint,
      ].some((v) => v !== undefined);
      const updated = await engine.call('projects.update', {
        id,
        name: opts.name,
        kind: opts.kind,
        source: changesSource ? sourceFromFlags(opts, current.source) : undefined,
        secretKey: readSecret(opts),
      });
      print(ctx, updated, () => `Updated project ${updated.id} "${updated.name}"\n`);
    }),
  );

  project
    .command('remove')
    .description('remove a project (it must have no connections)')
    .argument('<id>', 'project ID')
    .action((id: string) =>
      ctx.withApi('write', async (engine) => {
        const result = await engine.call('projects.delete', { id });
        print(ctx, result, () => `Removed project ${id}\n`);
      }),
    );
}

/** A source from flags, on top of the current one for updates. */
function sourceFromFlags(opts: SourceFlags, current: Project['source'] | null): SourceInput {
  const type =
    opts.source ??
    (opts.sourcePath ? 'files' : opts.apiKey ? 'amplitude' : (current?.type ?? 'demo'));
  if (type === 'files')
    return {
      type: 'files',
      path: opts.sourcePath ?? (current?.type === 'files' ? current.path : ''),
    };
  if (type === 'amplitude') {
    const base = current?.type === 'amplitude' ? current : null;
    return {
      type: 'amplitude',
      region: (opts.amplitudeRegion ?? base?.region ?? 'us') as 'us' | 'eu',
      endpoint: opts.amplitudeEndpoint ?? base?.endpoint ?? null,
      apiKey: opts.apiKey ?? base?.apiKey ?? '',
    };
  }
  const base = current?.type === 'demo' ? current : null;
  return {
    type: 'demo',
    seed: opts.seed !== undefined ? Number(opts.seed) : (base?.seed ?? 1),
    eventsPerHour:
      opts.eventsPerHour !== undefined ? Number(opts.eventsPerHour) : (base?.eventsPerHour ?? 2000),
  };
}
