import { type Command, Option } from 'commander';
import type { MethodInput } from '../../shared/api/contract';
import { FerryError } from '../../shared/api/errors';
import type { Connection, Destination, Organization, Project } from '../../shared/model/entities';
import { PROJECT_KINDS, SOURCE_TYPES } from '../../shared/model/entities';
import { describeDestination } from '../../shared/model/describe';
import type { CliContext } from './index';
import { formatRecord, formatTable } from './output';

/** `ferry org|project|connection add|list|show|update|remove`: the catalog over the engine. */
export function registerCatalogCommands(program: Command, ctx: CliContext): void {
  registerOrgCommands(program, ctx);
  registerProjectCommands(program, ctx);
  registerConnectionCommands(program, ctx);
}

/** Print a result as JSON (with --json) or as text. */
function print(ctx: CliContext, value: unknown, text: () => string): void {
  ctx.out.stdout(ctx.globals().json ? `${JSON.stringify(value, null, 2)}\n` : text());
}

function registerOrgCommands(program: Command, ctx: CliContext): void {
  const org = program
    .command('org')
    .description('manage organizations (they own projects and buckets)');

  org
    .command('add')
    .description('add an organization')
    .requiredOption('--id <id>', 'numeric organization ID (as in Amplitude)')
    .requiredOption('--name <name>', 'display name')
    .option('--admin-email <email>', 'who is told when exports fail')
    .action((opts: { id: string; name: string; adminEmail?: string }) =>
      ctx.withEngine('write', async (engine) => {
        const created = await engine.call('orgs.create', {
          id: opts.id,
          name: opts.name,
          adminEmail: opts.adminEmail ?? null,
        });
        print(ctx, created, () => `Added organization ${created.id} "${created.name}"\n`);
      }),
    );

  org
    .command('list')
    .description('list organizations')
    .action(() =>
      ctx.withEngine('read', async (engine) => {
        const orgs = await engine.call('orgs.list');
        const projects = await engine.call('projects.list');
        print(ctx, orgs, () =>
          formatTable(
            orgs.map((o) => ({
              id: String(o.id),
              name: o.name,
              'admin email': o.adminEmail ?? '',
              projects: String(projects.filter((p) => p.orgId === o.id).length),
            })),
            ['id', 'name', 'admin email', 'projects'],
            'No organizations yet. Add one with: ferry org add --id <id> --name <name>',
          ),
        );
      }),
    );

  org
    .command('show')
    .description('show one organization')
    .argument('<id>', 'organization ID')
    .action((id: string) =>
      ctx.withEngine('read', async (engine) => {
        const found = await engine.call('orgs.get', { id });
        print(ctx, found, () => formatRecord(orgRecord(found)));
      }),
    );

  org
    .command('update')
    .description("change an organization's name or admin email")
    .argument('<id>', 'organization ID')
    .option('--name <name>', 'new display name')
    .option('--admin-email <email>', 'new admin email ("" to clear)')
    .action((id: string, opts: { name?: string; adminEmail?: string }) =>
      ctx.withEngine('write', async (engine) => {
        const updated = await engine.call('orgs.update', {
          id,
          name: opts.name,
          adminEmail: opts.adminEmail === '' ? null : opts.adminEmail,
        });
        print(ctx, updated, () => `Updated organization ${updated.id} "${updated.name}"\n`);
      }),
    );

  org
    .command('remove')
    .description('remove an organization (it must have no projects)')
    .argument('<id>', 'organization ID')
    .action((id: string) =>
      ctx.withEngine('write', async (engine) => {
        const result = await engine.call('orgs.delete', { id });
        print(ctx, result, () => `Removed organization ${id}\n`);
      }),
    );
}

function registerProjectCommands(program: Command, ctx: CliContext): void {
  const project = program.command('project').description('manage projects (sources of events)');

  const sourceOptions = (command: Command) =>
    command
      .addOption(new Option('--source <type>', 'where events come from').choices(SOURCE_TYPES))
      .option(
        '--source-path <dir>',
        'folder of .json/.ndjson/.json.gz files (with --source files)',
      );

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
  ).action(
    (opts: {
      id: string;
      org: string;
      name: string;
      kind: 'standard' | 'portfolio';
      source?: string;
      sourcePath?: string;
    }) =>
      ctx.withEngine('write', async (engine) => {
        const created = await engine.call('projects.create', {
          id: opts.id,
          orgId: opts.org,
          name: opts.name,
          kind: opts.kind,
          source: sourceFromFlags(opts),
        });
        print(
          ctx,
          created,
          () => `Added project ${created.id} "${created.name}" to organization ${created.orgId}\n`,
        );
      }),
  );

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
  ).action(
    (
      id: string,
      opts: {
        name?: string;
        kind?: 'standard' | 'portfolio';
        source?: string;
        sourcePath?: string;
      },
    ) =>
      ctx.withEngine('write', async (engine) => {
        const updated = await engine.call('projects.update', {
          id,
          name: opts.name,
          kind: opts.kind,
          source: opts.source || opts.sourcePath ? sourceFromFlags(opts) : undefined,
        });
        print(ctx, updated, () => `Updated project ${updated.id} "${updated.name}"\n`);
      }),
  );

  project
    .command('remove')
    .description('remove a project (it must have no connections)')
    .argument('<id>', 'project ID')
    .action((id: string) =>
      ctx.withEngine('write', async (engine) => {
        const result = await engine.call('projects.delete', { id });
        print(ctx, result, () => `Removed project ${id}\n`);
      }),
    );
}

interface DestinationFlags {
  bucket?: string;
  region?: string;
  prefix?: string;
  profile?: string;
  kmsKey?: string;
  endpoint?: string;
  pathStyle?: boolean;
  folder?: string;
}

interface ConnectionFlags extends DestinationFlags {
  name?: string;
  project?: string;
  datasets?: string;
  enable?: boolean;
  createdBy?: string;
}

function registerConnectionCommands(program: Command, ctx: CliContext): void {
  const connection = program
    .command('connection')
    .description('manage connections (a project exported to an S3 bucket or a local folder)');

  const destinationOptions = (command: Command) =>
    command
      .option('--bucket <name>', 'S3 bucket name (not s3://…)')
      .option('--region <region>', "the bucket's AWS Region, e.g. us-east-1")
      .option(
        '--prefix <folder>',
        'folder inside the bucket, e.g. amplitude/ (default: bucket root)',
      )
      .option('--profile <name>', 'AWS profile from ~/.aws/config to write with')
      .option('--kms-key <arn>', 'encrypt with SSE-KMS under this key ARN')
      .option('--endpoint <url>', 'S3-compatible endpoint instead of AWS')
      .option('--path-style', 'use path-style bucket addressing (S3-compatible stores)')
      .option('--folder <path>', 'export to this local folder instead of S3')
      .option('--datasets <list>', 'events, merged-ids, or both (comma-separated)')
      .option('--enable', 'start hourly exports now')
      .option('--disable', 'stop hourly exports')
      .option('--created-by <email>', 'who set it up (told when it fails)');

  destinationOptions(
    connection
      .command('add')
      .description(
        'add a connection: export a project to S3 (--bucket …) or a local folder (--folder)',
      )
      .requiredOption('--name <name>', 'a short unique name, e.g. prod-events')
      .requiredOption('--project <id>', 'the project to export'),
  )
    .addHelpText(
      'after',
      '\nExample:\n  ferry connection add --name prod-events --project 187520 --bucket acme-analytics \\\n' +
        '    --region us-east-1 --prefix amplitude/ --profile data-admin --datasets both',
    )
    .action((opts: ConnectionFlags) =>
      ctx.withEngine('write', async (engine) => {
        const destination = destinationFromFlags(opts, null);
        if (!destination)
          throw new FerryError(
            'validation',
            'Give either --bucket (with --region and --profile) or --folder',
            'destination',
          );
        const input: MethodInput<'connections.create'> = {
          name: opts.name ?? '',
          projectId: opts.project ?? '',
          destination,
          enabled: opts.enable === true,
          createdBy: opts.createdBy ?? null,
        };
        if (opts.datasets !== undefined) input.datasets = parseDatasets(opts.datasets);
        const created = await engine.call('connections.create', input);
        print(
          ctx,
          created,
          () =>
            `Added connection ${created.id} "${created.name}" → ${describeDestination(created.destination)}${created.enabled ? '' : ' (disabled; enable it with --enable)'}\n`,
        );
      }),
    );

  connection
    .command('list')
    .description('list connections')
    .option('--project <id>', "only this project's connections")
    .action((opts: { project?: string }) =>
      ctx.withEngine('read', async (engine) => {
        const list = await engine.call(
          'connections.list',
          opts.project ? { projectId: opts.project } : undefined,
        );
        print(ctx, list, () =>
          formatTable(
            list.map((c) => ({
              id: c.id,
              name: c.name,
              project: String(c.projectId),
              destination: describeDestination(c.destination),
              datasets: c.datasets.join(','),
              enabled: c.enabled ? 'yes' : 'no',
            })),
            ['id', 'name', 'project', 'destination', 'datasets', 'enabled'],
            'No connections yet. Add one with: ferry connection add --name <name> --project <id> --bucket <bucket> --region <region> --profile <profile>',
          ),
        );
      }),
    );

  connection
    .command('show')
    .description('show one connection')
    .argument('<connection>', 'connection ID (cn_…) or name')
    .action((id: string) =>
      ctx.withEngine('read', async (engine) => {
        const found = await engine.call('connections.get', { id });
        print(ctx, found, () => formatRecord(connectionRecord(found)));
      }),
    );

  destinationOptions(
    connection
      .command('update')
      .description('change a connection (only the flags you give change)')
      .argument('<connection>', 'connection ID (cn_…) or name')
      .option('--name <name>', 'new name'),
  ).action((id: string, opts: ConnectionFlags & { disable?: boolean }) =>
    ctx.withEngine('write', async (engine) => {
      if (opts.enable && opts.disable)
        throw new FerryError('validation', 'Give --enable or --disable, not both', 'enabled');
      const current = await engine.call('connections.get', { id });
      const updated = await engine.call('connections.update', {
        id: current.id,
        name: opts.name,
        destination: destinationFromFlags(opts, current.destination) ?? undefined,
        datasets: opts.datasets !== undefined ? parseDatasets(opts.datasets) : undefined,
        enabled: opts.enable ? true : opts.disable ? false : undefined,
        createdBy: opts.createdBy,
      });
      print(ctx, updated, () => `Updated connection ${updated.id} "${updated.name}"\n`);
    }),
  );

  connection
    .command('remove')
    .description('remove a connection (its job history is kept)')
    .argument('<connection>', 'connection ID (cn_…) or name')
    .action((id: string) =>
      ctx.withEngine('write', async (engine) => {
        const result = await engine.call('connections.delete', { id });
        print(ctx, result, () => `Removed connection ${id}\n`);
      }),
    );
}

function sourceFromFlags(opts: {
  source?: string;
  sourcePath?: string;
}): MethodInput<'projects.create'>['source'] {
  const type = opts.source ?? (opts.sourcePath ? 'files' : 'demo');
  if (type === 'files') return { type: 'files', path: opts.sourcePath ?? '' };
  return { type: 'demo' } as MethodInput<'projects.create'>['source'];
}

/**
 * Build a destination from flags, on top of the current one for updates.
 *
 * Returns null when no destination flag was given (so an update leaves it alone).
 */
function destinationFromFlags(
  opts: DestinationFlags,
  current: Destination | null,
): Destination | null {
  if (opts.folder !== undefined) return { type: 'folder', path: opts.folder };
  const given = [
    opts.bucket,
    opts.region,
    opts.prefix,
    opts.profile,
    opts.kmsKey,
    opts.endpoint,
    opts.pathStyle,
  ].some((v) => v !== undefined);
  if (!given) return null;
  const base = current?.type === 's3' ? current : null;
  return {
    type: 's3',
    bucket: opts.bucket ?? base?.bucket ?? '',
    region: opts.region ?? base?.region ?? '',
    prefix: opts.prefix ?? base?.prefix ?? '',
    profile: opts.profile ?? base?.profile ?? '',
    kmsKeyArn: opts.kmsKey !== undefined ? opts.kmsKey || null : (base?.kmsKeyArn ?? null),
    endpoint: opts.endpoint !== undefined ? opts.endpoint || null : (base?.endpoint ?? null),
    forcePathStyle: opts.pathStyle ?? base?.forcePathStyle ?? false,
  };
}

function parseDatasets(value: string): ('events' | 'merged-ids')[] {
  const parts = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return parts.flatMap((p) => (p === 'both' ? ['events', 'merged-ids'] : [p])) as (
    'events' | 'merged-ids'
  )[];
}

function describeSource(p: Project): string {
  return p.source.type === 'files' ? `files: ${p.source.path}` : p.source.type;
}

function orgRecord(o: Organization): Record<string, string> {
  return {
    id: String(o.id),
    name: o.name,
    'admin email': o.adminEmail ?? '(none)',
    created: o.createdAt,
  };
}

function connectionRecord(c: Connection): Record<string, string> {
  const record: Record<string, string> = {
    id: c.id,
    name: c.name,
    project: String(c.projectId),
    destination: describeDestination(c.destination),
  };
  if (c.destination.type === 's3') {
    record.region = c.destination.region;
    record.profile = c.destination.profile;
    record.encryption = c.destination.kmsKeyArn
      ? `SSE-KMS ${c.destination.kmsKeyArn}`
      : 'bucket default';
    if (c.destination.endpoint) record.endpoint = c.destination.endpoint;
  }
  record.datasets = c.datasets.join(', ');
  record.enabled = c.enabled ? 'yes' : 'no';
  record['created by'] = c.createdBy ?? '(unknown)';
  record.created = c.createdAt;
  return record;
}
