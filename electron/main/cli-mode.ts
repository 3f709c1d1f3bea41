/**
 * The desktop app's binary is also the `ferry` command, as VS Code's is `code`: started with a
 * Ferry command first (`ferry export …`, `ferry --help`), it runs the command line without a
 * window and exits; started with nothing, or with Chromium switches only, it is the app.
 * No RunAsNode fuse is needed: the app's own main script runs the command line.
 */

/** Global flags that, first on the line, also mean the command line. */
const CLI_FLAGS = new Set(['--help', '-h', '--version', '-v', '--json', '--data-dir']);

/**
 * The command-line arguments when this start is the `ferry` command, else null (the app).
 * `defaultApp`: started as `electron <path>` (development), where the app's path comes first,
 * after any switches given to Electron itself.
 */
export function cliArguments(
  argv: readonly string[],
  defaultApp: boolean,
  commands: ReadonlySet<string>,
): string[] | null {
  let args = argv.slice(1);
  if (defaultApp) {
    const appPath = args.findIndex((arg) => !arg.startsWith('-'));
    args = appPath < 0 ? [] : args.slice(appPath + 1);
  }
  const first = args[0];
  if (first === undefined) return null;
  const flag = first.split('=')[0]!;
  if (commands.has(first) || CLI_FLAGS.has(flag)) return args;
  return null;
}
