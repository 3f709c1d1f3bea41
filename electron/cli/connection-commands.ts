import { type Command, Option } from 'commander';
import type { MethodInput } from '../../shared/api/contract';
import { FerryError } from '../../shared/api/errors';
import { describeDestination } from '../../shared/model/describe';
import { destinationMove, moveConsequences } from '../../shared/model/places';
import {
  FILE_PERMISSIONS,
  SSE_MODES,
  type Connection,
  type FilePermissions,
  type ConnectionOptions,
  type ScheduleOptions,
  type Destination,
} from '../../shared/model/entities';
import { plainHttpNotice } from '../../shared/model/fields';
import { formatBytes } from '../../shared/format';
import { parseDatasets, parseList, parseSize } from './flags';
import { setupTargetOf } from './aws-commands';
import type { CliContext } from './context';
import { formatRecord, formatTable, print } from './output';

interface ConnectionFlags {
  name?: string;
  project?: string;
  bucket?: string;
  region?: string;
  prefix?: string;
  profile?: string;
  kmsKey?: string;
  sse?: string;
  endpoint?: string;
  pathStyle?: boolean;
  folder?: string;
  filePermissions?: string;
  datasets?: string;
  enable?: boolean;
  disable?: boolean;
  createdBy?: string;
  partitionSize?: string;
  gzipLevel?: string;
  includeEvents?: string;
  excludeEvents?: string;
  eventFilter?: boolean;
  manifest?: boolean;
  queryCopy?: boolean;
  jsonTable?: boolean;
  settleMinutes?: string;
  lookbackHours?: string;
  accessTries?: string;
}

type DestinationInput = MethodInput<'connections.create'>['destination'];

/** `ferry connection add|list|show|update|remove`. */
export function registerConnectionCommands(program: Command, ctx: CliContext): void {
  const connection = program
    .command('connection')
    .description('manage connections (a project exported to an S3 bucket or a local folder)');

  flags(
    connection
      .command('add')
      .description(
        'add a connection: export a project to S3 (--bucket …) or a local folder (--folder)',
      )
      .requiredOption('--name <name>', 'a short unique name, e.g. prod-events')
      .requiredOption('--project <id>', 'the project to export'),
    false,
  )
    .addHelpText(
      'after',
      '\nExample:\n  ferry connection add --name prod-events --project 187520 --bucket acme-analytics \\\n' +
        '    --region us-east-1 --prefix amplitude/ --profile data-admin --datasets both',
    )
    .action((opts: ConnectionFlags) =>
      ctx.withApi('write', async (engine) => {
        if (opts.enable && opts.disable)
          throw new FerryError('validation', 'Give --enable or --disable, not both', 'enabled');
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
          options: optionsFromFlags(opts),
          schedule: scheduleFromFlags(opts),
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
        warnPlainHttp(ctx, created);
      }),
    );

  registerConnectionReads(connection, ctx);

  connection
    .command('take-over')
    .description(
      "make this Ferry the one that exports the connection's destination, in place of another that claimed it (do it only once the other no longer exports there)",
    )
    .argument('<connection>', 'connection ID (cn_…) or name')
    .addHelpText(
      'after',
      '\nOne destination (a bucket prefix or folder, for one project) is written by one Ferry: a\n' +
        'second data folder, on this computer or another, is refused with the name of the first,\n' +
        'since two writing the same hours would leave duplicates. Taking over removes the other\n' +
        "Ferry's claim and places this one's; then its failed hours are tried again.",
    )
    .action((id: string) =>
      ctx.withApi('write', async (engine) => {
        const taken = await engine.call('connections.takeOver', { id });
        print(ctx, taken, () =>
          taken.removed.length === 0
            ? `The destination of "${id}" was claimed by no other Ferry; it is this one's.\n`
            : `Took the destination of "${id}" over from ${taken.removed.map((r) => `the Ferry on host "${r.host}"${r.since ? ` (since ${r.since})` : ''}`).join(' and ')}.\n`,
        );
      }),
    );

  registerRemoveCommand(connection, ctx);
}

/** `connection remove`, optionally taking its policy statements and Glue table with it. */
function registerRemoveCommand(connection: Command, ctx: CliContext): void {
  connection
    .command('remove')
    .description('remove a connection (its job history and exported files are kept)')
    .argument('<connection>', 'connection ID (cn_…) or name')
    .option(
      '--remove-policies',
      "S3: first take this connection's statements out of the bucket policy, the export role and the key policy (each backed up; everything else stays)",
    )
    .option(
      '--remove-query-table',
      "S3: first delete this connection's Glue tables, over its query copy and its JSON export (backed up; the files stay)",
    )
    .option('--mfa-code <code>', 'a code from the MFA device, for profiles with mfa_serial')
    .action(
      (
        id: string,
        opts: { removePolicies?: boolean; removeQueryTable?: boolean; mfaCode?: string },
      ) =>
        ctx.withApi('write', async (engine) => {
          const lines: string[] = [];
          if (opts.removeQueryTable) {
            const connectionId = (await engine.call('connections.get', { id })).id;
            const table = await engine.call('query.remove', { connectionId });
            lines.push(
              table.removed
                ? `Removed its Glue query ${table.backups.length === 1 ? 'table' : 'tables'} (backed up as ${table.backups.map((b) => b.id).join(', ')}).`
                : 'It had no Glue query table.',
            );
          }
          if (opts.removePolicies) {
            const { target, form } = await setupTargetOf(engine, id, opts);
            const removed = await engine.call('aws.unapply', { target, form });
            for (const [i, p] of removed.changed.entries())
              lines.push(
                `Removed its statements from the ${p.kind} of ${p.target} (backed up as ${removed.backups[i]!.id}).`,
              );
            if (removed.changed.length === 0) lines.push('No policy held its statements.');
          }
          const result = await engine.call('connections.delete', { id });
          print(ctx, result, () => [...lines, `Removed connection ${id}`].join('\n') + '\n');
        }),
    );
}

/** `connection list` and `connection show`. */
function registerConnectionReads(connection: Command, ctx: CliContext): void {
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

  flags(
    connection
      .command('update')
      .description('change a connection (only the flags you give change)')
      .argument('<connection>', 'connection ID (cn_…) or name')
      .option('--name <name>', 'new name')
      .addHelpText(
        'after',
        '\nA new --bucket, --prefix, --endpoint or --folder moves the exports: the hours exported so far\nstay where they are (and count as exported); the note on stderr says what to do next.',
      ),
    true,
  ).action((id: string, opts: ConnectionFlags) =>
    ctx.withApi('write', async (engine) => {
      if (opts.enable && opts.disable)
        throw new FerryError('validation', 'Give --enable or --disable, not both', 'enabled');
      const current = await engine.call('connections.get', { id });
      const options = optionsFromFlags(opts);
      const schedule = scheduleFromFlags(opts);
      const updated = await engine.call('connections.update', {
        id: current.id,
        name: opts.name,
        destination: destinationFromFlags(opts, current.destination) ?? undefined,
        datasets: opts.datasets !== undefined ? parseDatasets(opts.datasets) : undefined,
        enabled: opts.enable ? true : opts.disable ? false : undefined,
        options: Object.keys(options).length > 0 ? options : undefined,
        schedule: Object.keys(schedule).length > 0 ? schedule : undefined,
        createdBy: opts.createdBy,
      });
      print(ctx, updated, () => `Updated connection ${updated.id} "${updated.name}"\n`);
      warnPlainHttp(ctx, updated);
      warnMoved(ctx, current, updated);
    }),
  );
}

/** A connection moved to another place: what stays behind, and the next steps (stderr). */
function warnMoved(ctx: CliContext, before: Connection, after: Connection): void {
  const move = destinationMove(before.destination, after.destination);
  if (!move) return;
  const name = JSON.stringify(after.name);
  const steps = [
    `Backfill: ferry backfill ${name} --from <hour> --to <hour>`,
    `Check access to the new place: ferry verify ${name}`,
    ...(after.options.queryCopy || after.options.jsonTable
      ? [`Move its Glue tables there: ferry query-setup ${name} --apply`]
      : []),
  ];
  ctx.out.warn(`note: ${moveConsequences(move)}\n${steps.map((s) => `  ${s}`).join('\n')}`);
}

/** An endpoint over plain http to another computer: said on stderr whenever it is saved. */
function warnPlainHttp(ctx: CliContext, connection: Connection): void {
  const notice =
    connection.destination.type === 's3' ? plainHttpNotice(connection.destination.endpoint) : null;
  if (notice) ctx.out.warn(`warning: ${notice}`);
}

/** The flags `connection add` and `connection update` share (update: also the ones that undo). */
function flags(command: Command, update: boolean): Command {
  command
    .option('--bucket <name>', 'S3 bucket name (not s3://…)')
    .option('--region <region>', "the bucket's AWS Region, e.g. us-east-1")
    .option('--prefix <folder>', 'folder inside the bucket, e.g. amplitude/ (default: bucket root)')
    .option('--profile <name>', 'AWS profile from ~/.aws/config to write with')
    .option('--kms-key <arn>', 'encrypt with SSE-KMS under this key ARN ("" to stop)')
    .addOption(new Option('--sse <mode>', 'server-side encryption to request').choices(SSE_MODES))
    .option(
      '--endpoint <url>',
      'S3-compatible endpoint instead of AWS: scheme, host and port only (http://127.0.0.1:9000); http to another computer is accepted with a warning: the events cross the network in clear',
    )
    .option('--path-style', 'use path-style bucket addressing (S3-compatible stores)')
    .option(
      '--folder <path>',
      'export to this local folder instead of S3 (made now if it is not there; an export never makes it)',
    )
    .addOption(
      new Option(
        '--file-permissions <who>',
        'folder exports: who may read the files — owner (0600, default), group (0640), all (0644)',
      ).choices(FILE_PERMISSIONS),
    )
    .option('--datasets <list>', 'events, merged-ids, or both (comma-separated)')
    .option('--enable', 'export every hour')
    .option('--disable', 'stop hourly exports')
    .option('--created-by <email>', 'who set it up (told when it fails)')
    .option(
      '--partition-size <size>',
      'uncompressed size of each file before #2, #3… start (default 512MiB)',
    )
    .option('--gzip-level <1-9>', 'gzip compression level (default 6)')
    .option('--include-events <types>', 'export only these event types (comma-separated)')
    .option('--exclude-events <types>', 'export all but these event types (comma-separated)')
    .option('--manifest', 'also write <prefix>_manifests/<project>_<date>_<H>.json after each hour')
    .option(
      '--query-copy',
      'also write each hour as Parquet under <prefix>_query/, by event date (docs/query-copy.md)',
    )
    .option(
      '--json-table',
      'query-setup also makes a Glue table over the exact JSON export (not partitioned)',
    )
    .option(
      '--settle-minutes <n>',
      'wait this long after an hour ends before exporting it (default: 120 for Amplitude, 10 for files, 0 for demo; "default" resets)',
    )
    .option(
      '--lookback-hours <n>',
      'catch up missed hours this far back by themselves; older ones show as a gap (default 24)',
    )
    .option(
      '--access-tries <n>',
      'tries of an hour refused by AWS before the connection stops and notifies (default 5)',
    );
  if (update)
    command
      .option('--no-event-filter', 'export every event type again')
      .option('--no-manifest', 'stop writing manifests')
      .option('--no-query-copy', 'stop writing the query copy (the files written so far stay)')
      .option(
        '--no-json-table',
        'query-setup no longer makes the JSON table (--remove deletes it)',
      );
  return command;
}

/** Build a destination from flags, on top of the current one for updates; null when no flag was given. */
function destinationFromFlags(
  opts: ConnectionFlags,
  current: Destination | null,
): DestinationInput | null {
  const s3Flags = {
    '--bucket': opts.bucket,
    '--region': opts.region,
    '--prefix': opts.prefix,
    '--profile': opts.profile,
    '--kms-key': opts.kmsKey,
    '--sse': opts.sse,
    '--endpoint': opts.endpoint,
    '--path-style': opts.pathStyle,
  };
  const given = Object.entries(s3Flags)
    .filter(([, v]) => v !== undefined)
    .map(([flag]) => flag);
  // --file-permissions alone changes a folder connection's files, not where they go.
  const folder =
    opts.folder ??
    (current?.type === 'folder' && opts.filePermissions !== undefined && given.length === 0
      ? current.path
      : undefined);
  if (opts.folder !== undefined && given.length > 0)
    throw new FerryError(
      'validation',
      `--folder exports to this computer, so ${given.join(', ')} would be ignored: give --folder or the S3 flags, not both`,
      'destination',
    );
  if (opts.filePermissions !== undefined) {
    if (folder === undefined)
      throw new FerryError(
        'validation',
        '--file-permissions applies to folder connections only (S3 objects have no file mode)',
        'destination',
      );
  }
  if (folder !== undefined) {
    const base = current?.type === 'folder' ? current : null;
    return {
      type: 'folder',
      path: folder,
      permissions: (opts.filePermissions ?? base?.permissions ?? 'owner') as FilePermissions,
    };
  }
  if (given.length === 0) return null;
  if (current?.type === 'folder' && opts.bucket === undefined)
    throw new FerryError(
      'validation',
      `${given.join(', ')} ${given.length === 1 ? 'applies' : 'apply'} to S3 connections only; this one exports to the folder ${current.path} (give --bucket, --region and --profile to move it to S3)`,
      'destination',
    );
  const base = current?.type === 's3' ? current : null;
  const kmsKeyArn = opts.kmsKey !== undefined ? opts.kmsKey || null : (base?.kmsKeyArn ?? null);
  return {
    type: 's3',
    bucket: opts.bucket ?? base?.bucket ?? '',
    region: opts.region ?? base?.region ?? '',
    prefix: opts.prefix ?? base?.prefix ?? '',
    profile: opts.profile ?? base?.profile ?? '',
    kmsKeyArn,
    sse: (opts.sse ??
      (opts.kmsKey === '' ? 'bucket-default' : base?.sse) ??
      'bucket-default') as (typeof SSE_MODES)[number],
    endpoint: opts.endpoint !== undefined ? opts.endpoint || null : (base?.endpoint ?? null),
    forcePathStyle: opts.pathStyle ?? base?.forcePathStyle ?? false,
  };
}

/** The writing options given as flags (only those given). */
function optionsFromFlags(opts: ConnectionFlags): Partial<ConnectionOptions> {
  const options: Partial<ConnectionOptions> = {};
  if (opts.partitionSize !== undefined)
    options.partitionBytes = parseSize(opts.partitionSize, 'options.partitionBytes');
  if (opts.gzipLevel !== undefined) options.gzipLevel = Number(opts.gzipLevel);
  if (opts.includeEvents !== undefined && opts.excludeEvents !== undefined)
    throw new FerryError(
      'validation',
      'Give --include-events or --exclude-events, not both',
      'options.eventFilter',
    );
  if (opts.includeEvents !== undefined)
    options.eventFilter = { mode: 'include', eventTypes: parseList(opts.includeEvents) };
  if (opts.excludeEvents !== undefined)
    options.eventFilter = { mode: 'exclude', eventTypes: parseList(opts.excludeEvents) };
  if (opts.eventFilter === false) options.eventFilter = null;
  if (opts.manifest !== undefined) options.manifest = opts.manifest;
  if (opts.queryCopy !== undefined) options.queryCopy = opts.queryCopy;
  if (opts.jsonTable !== undefined) options.jsonTable = opts.jsonTable;
  return options;
}

function scheduleFromFlags(opts: ConnectionFlags): Partial<ScheduleOptions> {
  const schedule: Partial<ScheduleOptions> = {};
  if (opts.settleMinutes !== undefined)
    schedule.settleMinutes = opts.settleMinutes === 'default' ? null : Number(opts.settleMinutes);
  if (opts.lookbackHours !== undefined) schedule.lookbackHours = Number(opts.lookbackHours);
  if (opts.accessTries !== undefined) schedule.accessTries = Number(opts.accessTries);
  return schedule;
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
    record.encryption =
      c.destination.sse === 'aws:kms'
        ? `SSE-KMS ${c.destination.kmsKeyArn}`
        : c.destination.sse === 'AES256'
          ? 'SSE-S3 (AES256)'
          : 'bucket default';
    if (c.destination.endpoint) record.endpoint = c.destination.endpoint;
  }
  record.datasets = c.datasets.join(', ');
  record.enabled = c.enabled ? 'yes' : 'no';
  record.partitions = `${formatBytes(c.options.partitionBytes)} uncompressed each, gzip level ${c.options.gzipLevel}`;
  record['event filter'] = c.options.eventFilter
    ? `${c.options.eventFilter.mode} ${c.options.eventFilter.eventTypes.join(', ')}`
    : 'none (all events)';
  record.manifest = c.options.manifest ? 'yes' : 'no';
  record['query copy'] = c.options.queryCopy ? 'yes, Parquet under _query/' : 'no';
  record['json table'] = c.options.jsonTable ? 'yes, made by query-setup' : 'no';
  record['created by'] = c.createdBy ?? '(unknown)';
  record.created = c.createdAt;
  return record;
}
