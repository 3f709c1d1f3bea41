/**
 * glibc's malloc, tuned for the commands that move an hour's data (docs/performance.md, "The
 * query copy"). After the first block of 128 KiB or more is freed, glibc raises the size from
 * which a block gets a mapping of its own to that block's size (up to 32 MiB), so later blocks
 * of an export — chunks, zstd's buffers, Parquet pages, file sets — come from its heaps, where
 * freed memory is seldom given back: ~70 MB of a 1M-event export with the query copy. Fixing the
 * threshold keeps every block of 1 MiB or more in a mapping returned when it is freed.
 *
 * glibc reads it from the environment at start only, so the command starts itself again in
 * place (`process.execve`: the same process id, so signals, `kill -9` and exit codes are
 * unchanged) with `MALLOC_MMAP_THRESHOLD_` set. An admin's own value is kept; other C libraries
 * (musl) ignore the variable.
 */
export const MALLOC_MMAP_THRESHOLD = String(1024 * 1024);

/** The commands that move data for minutes or run for days. */
const DATA_COMMANDS = new Set(['serve', 'run', 'export', 'backfill', 'worker']);

/** Node 22.15 and later (Linux and macOS); not typed by @types/node yet. */
type WithExecve = { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never };

/** The environment to start `argv`'s command again with, or null when it runs as it is. */
export function tunedMallocEnv(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): NodeJS.ProcessEnv | null {
  if (platform !== 'linux') return null;
  if (env.MALLOC_MMAP_THRESHOLD_ !== undefined) return null;
  if (!argv.some((arg) => DATA_COMMANDS.has(arg))) return null;
  return { ...env, MALLOC_MMAP_THRESHOLD_: MALLOC_MMAP_THRESHOLD };
}

/** Start this command again with tuned malloc where it moves data (never returns then). */
export function startWithTunedMalloc(): void {
  const node = process as NodeJS.Process & WithExecve;
  if (typeof node.execve !== 'function') return;
  const env = tunedMallocEnv(process.argv.slice(2), process.env, process.platform);
  if (!env) return;
  node.execve(
    process.execPath,
    [process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    env,
  );
}
