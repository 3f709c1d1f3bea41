import type { Command } from 'commander';
import { FerryError } from '../../shared/api/errors';
import type { PushEvent } from '../../shared/api/events';
import { summarizeHealth } from '../../shared/health';
import { CONNECTION_STATE_WORDS } from '../../shared/model/words';
import type { Engine } from '../engine';
import { startLocalApi } from '../server/local-api';
import { describeRunning } from './engine-client';
import { EXIT_SIGNAL } from './follow';
import { EXIT, type CliContext } from './context';
import { formatTable, print } from './output';
import { plural } from '../../shared/format';

/**
 * Wait for Ctrl+C or a service manager's stop, keeping the process alive meanwhile (the
 * schedule's own timers are unref'd). `until` ends the wait early (resolving null).
 */
export function untilSignal(until?: AbortSignal): Promise<NodeJS.Signals | null> {
  return new Promise<NodeJS.Signals | null>((resolve) => {
    const keepAlive = setInterval(() => {}, 2 ** 30);
    const stop = (signal: NodeJS.Signals | null) => {
      clearInterval(keepAlive);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      until?.removeEventListener('abort', early);
      resolve(signal);
    };
    const early = () => stop(null);
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (until?.aborted) early();
    else until?.addEventListener('abort', early, { once: true });
  });
}

/**
 * Run the schedule until a stop signal, `done` (when given), or the data folder's lock being
 * taken over; returns which.
 */
export async function runUntil(
  engine: Engine,
  done?: Promise<void>,
): Promise<{ signal: NodeJS.Signals } | { lost: string } | { done: true }> {
  const ended = new AbortController();
  const outcome = await Promise.race([
    untilSignal(ended.signal).then((signal) => (signal ? { signal } : null)),
    engine.lost.then((lost) => ({ lost })),
    ...(done ? [done.then(() => ({ done: true as const }))] : []),
  ]);
  ended.abort();
  return outcome ?? { done: true };
}

/** `--grace <seconds>`: how long a stop lets running exports finish before cancelling them. */
export const GRACE_OPTION = [
  '--grace <seconds>',
  'on Ctrl+C or SIGTERM, let running exports finish for up to this long, then cancel them (they run again at the next start)',
  '30',
] as const;

export function parseGrace(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600)
    throw new FerryError(
      'validation',
      `Grace must be a number of seconds from 0 to 3600 (got "${value}")`,
      '--grace',
    );
  return seconds * 1000;
}

/**
 * Stop the way a service should: take no new work, let running exports finish for up to
 * `graceMs`, then cancel what is left — cleanly: nothing half-written, and they run again at the
 * next start. A second Ctrl+C cancels at once.
 */
export async function stopGracefully(engine: Engine, ctx: CliContext, graceMs: number) {
  const now = () => void engine.exports.close({ graceMs: 0 });
  process.once('SIGINT', now);
  process.once('SIGTERM', now);
  const keepAlive = setInterval(() => {}, 2 ** 30);
  ctx.out.stderr(
    `ferry: stopping; running exports may finish for up to ${Math.round(graceMs / 1000)} s (Ctrl+C again cancels them now)\n`,
  );
  try {
    await engine.close({ graceMs });
  } finally {
    clearInterval(keepAlive);
    process.off('SIGINT', now);
    process.off('SIGTERM', now);
  }
}

/**
 * Print what the schedule does as it happens: one line per finished job, status change,
 * notification and warning (or one JSON object per line with --json). `quiet` leaves out jobs that
 * succeeded (`ferry serve`, whose console shows them): failures, retries, status changes and
 * notifications are always printed.
 */
export function logSchedule(
  engine: Engine,
  ctx: CliContext,
  { quiet = false }: { quiet?: boolean } = {},
): () => void {
  const json = ctx.globals().json;
  const last = new Map<string, string>();
  return engine.subscribe((event: PushEvent) => {
    const time = new Date().toISOString();
    if (json) {
      if (event.type === 'schedule.status') {
        // A connection's state, each time it changes (as the text log prints it).
        const s = event.status;
        const line = `${s.state}|${s.reason ?? ''}`;
        if (last.get(s.connectionId) === line) return;
        last.set(s.connectionId, line);
      }
      if (
        (event.type === 'job.updated' && !(quiet && event.job.status === 'succeeded')) ||
        event.type === 'notification' ||
        event.type === 'schedule.status' ||
        (event.type === 'notice' && event.notice.level !== 'info')
      )
        ctx.out.stdout(`${JSON.stringify({ time, ...event })}\n`);
      return;
    }
    if (event.type === 'job.updated') {
      const j = event.job;
      if (j.status === 'succeeded' && !quiet)
        ctx.out.stdout(
          `${j.hour}  ${j.dataset.padEnd(10)} ${j.trigger.padEnd(9)} succeeded  ${plural(j.counts?.eventsOut ?? 0, j.dataset === 'events' ? 'event' : 'merge')}, ${plural(j.objects.length, 'file')}\n`,
        );
      else if (j.status === 'failed' || (j.status === 'queued' && j.error))
        ctx.out.stdout(
          `${j.hour}  ${j.dataset.padEnd(10)} ${j.trigger.padEnd(9)} ${j.status === 'failed' ? 'FAILED   ' : 'retrying '}  ${j.error?.message ?? ''}\n`,
        );
    } else if (event.type === 'schedule.status') {
      const s = event.status;
      const line = `${s.state}${s.reason ? `: ${s.reason}` : ''}`;
      if (last.get(s.connectionId) === line) return;
      last.set(s.connectionId, line);
      const name = engine.exports.resolve(s.connectionId).connection.name;
      ctx.out.stdout(
        `[${name}] ${line}${s.gap ? ` — gap ${s.gap.from}…${s.gap.to} (${s.gap.hours} h): ferry backfill ${name} --from ${s.gap.from} --to ${s.gap.to}` : ''}\n`,
      );
    } else if (event.type === 'notification') {
      ctx.out.stdout(`! ${event.notification.title}: ${event.notification.body}\n`);
    } else if (event.type === 'notice' && event.notice.level !== 'info') {
      ctx.out.stdout(`! ${event.notice.message}\n`);
    }
  });
}

/** `ferry run`: the hourly schedule in the foreground, headless, until stopped. */
export function registerRunCommand(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description(
      'run the hourly schedule in the foreground (no console): export every enabled connection hour after hour, catch up missed hours, retry, notify',
    )
    .option(
      '--once',
      'export what is due now (catch-up and retries included), wait for every outcome, then exit',
    )
    .option(...GRACE_OPTION)
    .addHelpText(
      'after',
      '\nStops on Ctrl+C or SIGTERM: running exports may finish within the grace period, then they\n' +
        'are cancelled cleanly (nothing half-written) and run again at the next start.\n' +
        'For a service: a systemd unit with ExecStart=ferry run --data-dir /var/lib/ferry.\n' +
        'With --once the exit code is 1 when an export failed or Ferry warned (for cron): for\n' +
        "example when this computer's clock runs ahead of S3's or Amplitude's.",
    )
    .action((opts: { once?: boolean; grace: string }) => {
      const graceMs = parseGrace(opts.grace);
      return ctx.withEngine(
        'write',
        async (engine) => {
          let failed = 0;
          const unsubscribe = logSchedule(engine, ctx);
          // A failed job, or a warning (a clock found ahead), makes `--once` exit 1 for cron.
          const countFailures = engine.subscribe((event) => {
            if (event.type === 'job.updated' && event.job.status === 'failed') failed++;
            if (event.type === 'notice' && event.notice.level !== 'info') failed++;
          });
          const enabled = (await engine.call('connections.list'))
            .filter((c) => c.enabled)
            .map((c) => c.name);
          if (!ctx.globals().json)
            ctx.out.stdout(
              enabled.length > 0
                ? `Ferry schedule running for ${enabled.join(', ')} (data folder ${engine.dataDir}). Ctrl+C stops.\n`
                : `No connection is enabled; enable one (ferry connection update <name> --enable) and the schedule picks it up. Ctrl+C stops.\n`,
            );
          await engine.scheduler.start();
          // While it runs, `ferry export`, `backfill`, `connection …` from another terminal
          // are sent here instead of being refused.
          const localApi = await startLocalApi(engine);
          const outcome = await runUntil(
            engine,
            opts.once ? engine.scheduler.drained() : undefined,
          ).finally(() => localApi.close());
          unsubscribe();
          countFailures();
          if ('lost' in outcome) {
            ctx.out.stderr(`ferry: ${outcome.lost}\n`);
            return EXIT.failed;
          }
          if ('signal' in outcome) {
            await stopGracefully(engine, ctx, graceMs);
            if (opts.once) return EXIT_SIGNAL[outcome.signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM'];
          }
          return opts.once && failed > 0 ? EXIT.failed : EXIT.ok;
        },
        { role: 'ferry run', transport: 'cli' },
      );
    });
}

/** `ferry status`: how each connection is doing, as the console's status column shows it. */
export function registerStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description(
      'show each connection: healthy, catching up, failing (and why) or disabled, with its last exported hour and any gap',
    )
    .action(() =>
      ctx.withApi('read', async (engine) => {
        const statuses = await engine.call('schedule.status');
        const names = new Map(
          (await engine.call('connections.list')).map((c) => [c.id, c.name] as const),
        );
        const name = (id: string) => names.get(id) ?? id;
        // Who answered: the running Ferry knows what runs now; the folder alone, what ran.
        const asked = engine.via
          ? `Asked ${describeRunning(engine.via)}, which runs this data folder.\n`
          : `Read from the data folder ${engine.dataDir} (no running Ferry answered).\n`;
        print(
          ctx,
          statuses,
          () =>
            asked +
            `${summarizeHealth(statuses, Object.fromEntries(names)).headline}.\n\n` +
            formatTable(
              statuses.map((s) => ({
                connection: name(s.connectionId),
                state: CONNECTION_STATE_WORDS[s.state],
                'last exported': s.lastExportedHour ?? '—',
                next: s.nextRunAt ? `${s.nextHour} at ${s.nextRunAt.slice(0, 16)}Z` : '—',
                gap: s.gap ? `${s.gap.from}…${s.gap.to} (${s.gap.hours} h)` : '—',
                why: s.reason ?? '',
              })),
              ['connection', 'state', 'last exported', 'next', 'gap', 'why'],
              'No connections yet: add one with ferry connection add.',
            ),
        );
        return statuses.some((s) => s.state === 'failing') ? 1 : 0;
      }),
    );
}
