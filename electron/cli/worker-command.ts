import type { Command } from 'commander';
import { FerryError } from '../../shared/api/errors';
import { databaseAddress, startWorker, timersFromEnv } from '../engine';
import { EXIT, type CliContext } from './context';
import { databaseOf } from './database-option';
import { GRACE_OPTION, parseGrace, untilSignal } from './run-command';

/** `ferry worker`: export the hours a team's serve queues, on any number of hosts. */
export function registerWorkerCommand(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description(
      "team mode: take hours from the team database's queue and export them, one at a time, until Ctrl+C (run as many as you like, on any hosts)",
    )
    .option(
      GRACE_OPTION[0],
      'on Ctrl+C or SIGTERM, let the running hour finish for up to this long, then cancel it (it goes back to the queue)',
      GRACE_OPTION[2],
    )
    .addHelpText(
      'after',
      '\nNeeds --database (or FERRY_DATABASE_URL), and --secrets-key where secrets are stored sealed. Each worker\n' +
        'needs its own --data-dir for its working files (commits under way, the cache). It logs one JSON line per\n' +
        'event (pino). A worker that stops answering loses its hour to another once its heartbeat lapses\n' +
        '(FERRY_QUEUE_HEARTBEAT_SECONDS when the queue is first made, default 30); it then makes nothing of it visible.\n' +
        'Start the team serve with --workers so that it sends hours to the queue instead of exporting them itself.',
    )
    .action(async (opts: { grace: string }) => {
      const graceMs = parseGrace(opts.grace);
      const database = databaseOf(ctx.globals());
      if (!database)
        throw new FerryError(
          'validation',
          'A worker takes hours from a team database: name it with --database postgres://… (or FERRY_DATABASE_URL)',
          'database',
        );
      // JSON lines through the CLI's output, so the redaction gate still applies to them.
      // (Loaded here: the other commands do not pay for it at start.)
      const { pino } = await import('pino');
      const logger = pino(
        { base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
        { write: (line: string) => ctx.out.stdout(line) },
      );
      const worker = await startWorker({
        dataDir: ctx.globals().dataDir,
        database,
        timers: timersFromEnv(),
        log: ({ level, msg, ...rest }) => {
          const at = level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'info';
          logger[at](rest, String(msg));
        },
      });
      logger.info(
        { database: databaseAddress(database.url), dataDir: ctx.globals().dataDir },
        `${worker.holder} takes hours from the queue`,
      );
      const lost = new AbortController();
      void worker.lost.then((message) => {
        logger.error({}, message);
        lost.abort();
      });
      await untilSignal(lost.signal);
      logger.info({ finished: worker.finished }, 'worker stopping');
      await worker.stop(graceMs);
      if (lost.signal.aborted) return void (ctx.exitCode = EXIT.failed);
    });
}
