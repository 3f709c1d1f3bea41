import { Command, CommanderError, Option } from 'commander';
import { FerryError } from '../../shared/api/errors';
import { createEngine, defaultDataDir, FERRY_VERSION, timersFromEnv, type Engine } from '../engine';
import {
  EXIT,
  type CliContext,
  type CliEngineOptions,
  type EngineRole,
  type GlobalOptions,
  type Output,
} from './context';
import { registerAwsCommands } from './aws-commands';
import { registerBackupCommands } from './backup-commands';
import { registerConnectionCommands } from './connection-commands';
import { registerDemoCommand } from './demo-command';
import { registerJobCommands } from './job-commands';
import { registerHistoryCommands } from './history-commands';
import { registerMigrateCommands } from './migrate-commands';
import { registerOrgCommands } from './org-commands';
import { fieldToFlag } from './output';
import { registerProjectCommands } from './project-commands';
import { registerQueryCommands } from './query-commands';
import { registerRunCommand, registerStatusCommand } from './run-command';
import { registerTeamCommands } from './team-commands';
import { databaseOf } from './database-option';
import { registerWorkerCommand } from './worker-command';
import { registerServeCommand } from './serve';
import { findLocalApi, type LocalApiRecord } from '../server/local-api';
import { describeRunning, localClient, remoteClient } from './engine-client';

/** Every command group, in the order `ferry --help` lists them. */
const COMMANDS: ((program: Command, ctx: CliContext) => void)[] = [
  registerServeCommand,
  registerWorkerCommand,
  registerTeamCommands,
  registerRunCommand,
  registerStatusCommand,
  registerOrgCommands,
  registerProjectCommands,
  registerConnectionCommands,
  registerJobCommands,
  registerHistoryCommands,
  registerAwsCommands,
  registerQueryCommands,
  registerBackupCommands,
  registerMigrateCommands,
  registerDemoCommand,
];

/** The `ferry` command itself: its description, version, global options and help footer. */
function newProgram(): Command {
  return new Command('ferry')
    .description(
      'Ferry exports product-analytics events to your own S3 bucket, hourly, in the Amplitude export format.\n' +
        'This is its command line: the same engine as the desktop app and the headless console.',
    )
    .version(FERRY_VERSION, '-v, --version', 'print the Ferry version')
    .addOption(
      new Option('--data-dir <dir>', 'data folder (config.json, jobs/, backups/)')
        .env('FERRY_DATA_DIR')
        .default(
          defaultDataDir({ ...process.env, FERRY_DATA_DIR: '' }),
          "the desktop app's folder",
        ),
    )
    .addOption(
      new Option(
        '--database <url>',
        "team mode: keep config, history, backups and secrets in this PostgreSQL database (postgres://…); the data folder then keeps only this host's working files",
      ).env('FERRY_DATABASE_URL'),
    )
    .addOption(
      new Option(
        '--secrets-key <arn>',
        'team mode: the KMS key that seals the secrets kept in the database (without it, secrets come only from FERRY_SECRET_* in the environment)',
      ).env('FERRY_SECRETS_KEY'),
    )
    .option('--json', 'print machine-readable JSON instead of text', false)
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 refused or failed (the one-line error says why), 2 wrong usage.\n' +
        'Start with: ferry org add --id 123 --name "Acme", then ferry project add, then ferry connection add,\n' +
        'then ferry export <connection> --hour 2020-01-25T17 or ferry backfill <connection> --from … --to ….',
    );
}

function buildProgram(
  out: Output,
  engineOptions: CliEngineOptions = {},
): { program: Command; ctx: CliContext } {
  const program = newProgram();

  /** Months to read before the CLI says it is building the job index. */
  const INDEX_PROGRESS_FROM = 6;
  const ctx: CliContext = {
    globals: () => program.opts<GlobalOptions>(),
    out,
    exitCode: EXIT.ok,
    async withApi(mode, run) {
      const dataDir = ctx.globals().dataDir;
      const running = () =>
        findLocalApi(dataDir).catch((error: unknown) => {
          // A token file Ferry must not use is said; the command then goes on without it.
          out.warn((error as Error).message);
          return null;
        });
      if (mode === 'read') {
        // Reading needs no answer: a running Ferry that gives none is said, then the folder read.
        const remote = await running();
        const answers = remote
          ? await remoteClient(dataDir, remote)
              .call('app.info')
              .then(
                () => true,
                (error: unknown) => (out.warn((error as Error).message), false),
              )
          : false;
        if (remote && answers) return runRemote(remote);
      }
      let engine: Engine;
      try {
        engine = await openEngine(mode);
      } catch (error) {
        if (!(error instanceof FerryError && error.code === 'locked')) throw error;
        const holder = await running();
        if (!holder) throw error;
        return runRemote(holder);
      }
      return runOpened(engine, () => run(localClient(engine)));

      async function runRemote(record: LocalApiRecord): Promise<void> {
        const client = remoteClient(dataDir, record);
        out.debug(`ferry: sending the command to ${describeRunning(record)} at ${record.origin}`);
        try {
          const result = await run(client);
          if (typeof result === 'number') ctx.exitCode = result;
        } finally {
          await client.close();
        }
      }
    },
    async withEngine(mode, run, as) {
      const engine = await openEngine(mode, as);
      return runOpened(engine, () => run(engine));
    },
  };

  async function openEngine(
    mode: 'read' | 'write',
    as: EngineRole = { role: 'the ferry command line', transport: 'cli' },
  ): Promise<Engine> {
    {
      const engine = await createEngine({
        dataDir: ctx.globals().dataDir,
        database: databaseOf(ctx.globals()),
        secretCodec: engineOptions.secretCodec,
        transport: as.transport,
        role: as.role,
        hoursOnWorkers: as.hoursOnWorkers,
        readOnly: mode === 'read',
        log: (error) => out.debug(error),
        timers: timersFromEnv(),
        onIndexProgress: (done, total) => {
          // Said once, when there is enough to wait for: a first start, or a damaged index.
          if (done === 1 && total >= INDEX_PROGRESS_FROM)
            out.warn(
              `Building the job history index from ${total} month files (once; the months are kept as they are)…`,
            );
        },
      });
      for (const notice of engine.notices)
        if (notice.level !== 'info') out.warn(`${notice.level}: ${notice.message}`);
      return engine;
    }
  }

  /** Run a command on an engine this process opened, and close it after. */
  async function runOpened(engine: Engine, run: () => Promise<number | void>): Promise<void> {
    let failed = true;
    try {
      const result = await run();
      if (typeof result === 'number') ctx.exitCode = result;
      failed = false;
    } finally {
      // Closing can fail for the same reason the command did (a full disk): then the
      // command's own error is the one worth a line.
      await engine.close().catch((error: unknown) => {
        if (!failed) throw error;
        out.debug(error);
      });
    }
  }

  for (const register of COMMANDS) register(program, ctx);
  return { program, ctx };
}

/**
 * Run the `ferry` command line and return its exit code.
 *
 * Errors end as one line on stderr (`ferry: --bucket: …`); a stack trace is printed only with
 * FERRY_DEBUG=1.
 */
export async function runCli(
  argv: string[],
  out: Output,
  engineOptions: CliEngineOptions = {},
): Promise<number> {
  const { program, ctx } = buildProgram(out, engineOptions);
  applyToTree(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
      )
        return EXIT.ok;
      return EXIT.usage;
    }
    if (error instanceof FerryError) {
      const flag = error.field ? fieldToFlag(error.field) : null;
      out.stderr(`ferry: ${flag ? `${flag}: ` : ''}${error.message}\n`);
      // A value that breaks a rule is wrong usage, like an unknown flag: nothing was done.
      return error.code === 'validation' ? EXIT.usage : EXIT.failed;
    }
    out.debug(error);
    out.stderr(`ferry: ${(error as Error).message ?? String(error)}\n`);
    return EXIT.failed;
  }

  function commandPath(command: Command): string {
    const names: string[] = [];
    for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
    return names.join(' ');
  }

  function applyToTree(command: Command): void {
    command.exitOverride();
    command.configureOutput({
      writeOut: (s) => out.stdout(s),
      writeErr: (s) => out.stderr(s),
      // One line, like every other error: "ferry: unknown option '--x' (see ferry org add --help)".
      outputError: (s, write) =>
        write(
          `ferry: ${s.replace(/^error: /, '').trimEnd()} (see ${commandPath(command)} --help)\n`,
        ),
    });
    for (const sub of command.commands) applyToTree(sub);
  }
}

/** The command line's top-level command names (`export`, `serve`, …) and `help`. */
export function cliCommandNames(): string[] {
  const silent: Output = {
    stdout: () => {},
    reveal: () => {},
    stderr: () => {},
    warn: () => {},
    debug: () => {},
  };
  return [...buildProgram(silent).program.commands.map((c) => c.name()), 'help'];
}
