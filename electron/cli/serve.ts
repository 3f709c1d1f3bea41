import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { FerryError } from '../../shared/api/errors';
import { databaseAddress, HeldElsewhere, type Engine } from '../engine';
import { startServer } from '../server';
import { startLocalApi } from '../server/local-api';
import { startStandbyServer, type StandbyServer } from '../server/standby';
import { EXIT, type CliContext } from './context';
import { GRACE_OPTION, logSchedule, parseGrace, stopGracefully, untilSignal } from './run-command';

/** The built renderer, next to this bundle (`out/cli` → `out/renderer`). */
export function rendererDir(): string {
  return process.env.FERRY_RENDERER_DIR ?? fileURLToPath(new URL('../renderer/', import.meta.url));
}

/** `ferry serve`: the console in a browser, on 127.0.0.1, until Ctrl+C. */
export function registerServeCommand(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description(
      'run the console headless: serve it on 127.0.0.1 for a browser, with a secret token in the URL, and run the hourly schedule behind it',
    )
    .option('--port <port>', 'port to listen on (default: a free one)', '0')
    .option('--no-schedule', 'serve the console only; do not run the hourly schedule')
    .option(
      '--workers',
      'team mode: send hours to the queue for `ferry worker` processes instead of exporting them here',
    )
    .option(...GRACE_OPTION)
    .addHelpText(
      'after',
      '\nOpen the printed URL (it carries the access token). To reach it from another machine,\n' +
        'use an SSH tunnel: ssh -L 8080:127.0.0.1:<port> host — the console never listens beyond 127.0.0.1.\n' +
        'Each start makes a new token, so an open tab asks for the new URL after a restart. To keep the\n' +
        'same URL across restarts (a service), set FERRY_SERVE_TOKEN to a secret of 32+ letters, digits, - or _\n' +
        '(e.g. openssl rand -base64 32 | tr "+/" "-_" | tr -d =) and a fixed --port: open tabs then reconnect by themselves.\n' +
        'For a supervisor: GET /healthz (200 while it runs) and GET /readyz (200 when its storage answers and it\n' +
        'holds it, else 503 with the reason) need no token; GET /metrics (Prometheus) needs it as a Bearer token.\n' +
        'Team mode (--database): while another host serves the same database, this one waits on standby and\n' +
        'takes over when that one stops (asking every 5 s; FERRY_STANDBY_SECONDS). While it waits, its port answers\n' +
        'GET /healthz (200, "standby") and GET /readyz (503, naming the host that serves), and nothing else.',
    )
    .action((opts: { port: string; schedule: boolean; grace: string; workers?: boolean }) => {
      const graceMs = parseGrace(opts.grace);
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new FerryError(
          'validation',
          `Port must be a number from 0 to 65535 (got "${opts.port}")`,
          'port',
        );
      const token = fixedToken(process.env.FERRY_SERVE_TOKEN);
      const staticDir = rendererDir();
      if (!existsSync(staticDir))
        ctx.out.warn(
          `the console is not built (${staticDir} is missing); run "npm run build". The API still works.`,
        );
      const options: ConsoleOptions = {
        staticDir,
        port,
        token,
        graceMs,
        schedule: opts.schedule,
        workers: opts.workers,
      };
      const serve = () =>
        ctx.withEngine('write', (engine) => runConsole(engine, ctx, options), {
          role: 'ferry serve',
          transport: 'http',
          hoursOnWorkers: opts.workers,
        });
      return ctx.globals().database ? onStandby(serve, ctx, options) : serve();
    });
}

interface ConsoleOptions {
  staticDir: string;
  port: number;
  token: string | undefined;
  graceMs: number;
  schedule: boolean;
  workers?: boolean;
  /** Team mode: the port's answers while this serve waited on standby (closed to open the console). */
  standby?: StandbyServer | null;
}

/**
 * The console and API on 127.0.0.1 over an open engine, with the schedule, until a signal (or,
 * in team mode, until this process loses its hold on the database: exit 1).
 */
async function runConsole(
  engine: Engine,
  ctx: CliContext,
  opts: ConsoleOptions,
): Promise<number | void> {
  const { staticDir, port, token } = opts;
  // The port a standby answered health checks on is the console's now.
  await opts.standby?.close();
  opts.standby = null;
  const server = await startServer({ engine, staticDir, port, token }).catch(
    (error: NodeJS.ErrnoException) => {
      throw error.code === 'EADDRINUSE' ? portInUse(port) : error;
    },
  );
  // Recovery first (interrupted hours, backfills resumed), then the console is announced.
  if (opts.schedule) await engine.scheduler.start();
  // Commands from another terminal (ferry export, backfill, connection …) come here.
  const localApi = await startLocalApi(engine);
  announce(ctx, engine, server, opts);
  // Failures, retries, recoveries and status changes also go to this terminal, as the
  // notification settings promise for headless mode ("a message in the console").
  const stopLog = logSchedule(engine, ctx, { quiet: true });
  // A lost lock leaves a laptop's console up, read-only, saying so; only a signal stops it.
  // In team mode it stops instead (exit 1), so its supervisor starts it again: it then takes its
  // hold back, or waits its turn while another host writes.
  const team = ctx.globals().database;
  const lost = new AbortController();
  void engine.lost.then((message) => {
    ctx.out.stderr(`ferry: ${message}\n`);
    if (team) lost.abort();
  });
  await untilSignal(lost.signal);
  await localApi.close();
  await stopGracefully(engine, ctx, opts.graceMs);
  stopLog();
  await server.close();
  if (lost.signal.aborted) return EXIT.failed;
}

/** The console's URL (it carries the token: the one line printed past the redaction gate). */
function announce(
  ctx: CliContext,
  engine: Engine,
  server: { url: string; port: number },
  opts: ConsoleOptions,
): void {
  const reveal = (text: string) => (ctx.out.reveal ?? ctx.out.stdout)(text);
  if (ctx.globals().json) {
    reveal(`${JSON.stringify({ url: server.url, port: server.port, dataDir: engine.dataDir })}\n`);
    return;
  }
  const team = ctx.globals().database;
  const lines = [
    `Ferry console: ${server.url}`,
    ...(team
      ? [`Database:      ${databaseAddress(team)}`, `Working files: ${engine.dataDir}`]
      : [`Data folder:   ${engine.dataDir}`]),
    `Schedule:      ${opts.schedule ? 'running (enabled connections export every hour)' : 'off (--no-schedule)'}`,
    ...(opts.workers
      ? ['Exports:       by `ferry worker` processes (the queue in the database)']
      : []),
    'Press Ctrl+C to stop.',
  ];
  reveal(`${lines.join('\n')}\n`);
}

/**
 * Team mode: while another host's serve writes to the database, wait for its turn instead of
 * failing — asking again every few seconds (FERRY_STANDBY_SECONDS, default 5) — and take over
 * when that one stops, is killed or loses its connection. Ctrl+C or SIGTERM ends the wait.
 * Meanwhile the port answers health checks (alive, not ready), and the console opens on it.
 */
async function onStandby(
  serve: () => Promise<void>,
  ctx: CliContext,
  options: ConsoleOptions,
): Promise<void> {
  const every = standbySeconds(process.env.FERRY_STANDBY_SECONDS);
  try {
    for (;;) {
      try {
        return await serve();
      } catch (error) {
        if (!(error instanceof HeldElsewhere)) throw error;
        const held = error.message.replace(/ Stop it first.*$/, '');
        if (options.standby) options.standby.waitingFor(held);
        else {
          options.standby = await startStandbyServer(options.port, held).catch(
            (listen: NodeJS.ErrnoException) => {
              throw listen.code === 'EADDRINUSE' ? portInUse(options.port) : listen;
            },
          );
          options.port = options.standby.port;
          ctx.out.stderr(
            `ferry: ${held} This serve waits on standby and takes over when that one stops (asking every ${every} s; Ctrl+C to stop waiting).\n` +
              `ferry: until then http://127.0.0.1:${options.port}/healthz answers "standby" and /readyz 503; the console opens on that port when this serve takes over.\n`,
          );
        }
      }
      if ((await untilSignal(AbortSignal.timeout(every * 1000))) !== null) return;
    }
  } finally {
    await options.standby?.close();
  }
}

function standbySeconds(value: string | undefined): number {
  if (value === undefined || value === '') return 5;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 3600)
    throw new FerryError(
      'validation',
      `FERRY_STANDBY_SECONDS must be a number of seconds from 0.1 to 3600 (got "${value}")`,
    );
  return seconds;
}

function portInUse(port: number): FerryError {
  return new FerryError(
    'conflict',
    `Port ${port} is already in use; pick another with --port, or leave it out for a free one`,
    'port',
  );
}

/** FERRY_SERVE_TOKEN, checked: long and plain enough to be a secret that fits in a URL. */
function fixedToken(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^[A-Za-z0-9_-]{32,}$/.test(value))
    throw new FerryError(
      'validation',
      'FERRY_SERVE_TOKEN must be at least 32 letters, digits, - or _ (e.g. openssl rand -base64 32 | tr "+/" "-_" | tr -d =)',
    );
  return value;
}
