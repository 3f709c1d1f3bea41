import type { CliEngineOptions } from './context';
import { cliCommandNames, runCli } from './index';
import { processOutput } from './output';

export { cliCommandNames };

/**
 * Run the command line as this process's whole job: print to its stdout and stderr, let the
 * output drain, then exit with the command's code. Used by the `ferry` executable under Node
 * (main.ts) and by the desktop app's binary started as `ferry` (electron/main/app-cli.ts).
 */
export async function runProcessCli(
  argv: string[],
  exit: (code: number) => void,
  engineOptions: CliEngineOptions = {},
): Promise<void> {
  // The AWS SDK's notice about Node versions after 2027 would otherwise repeat on every command;
  // the README says which Node versions Ferry supports.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const out = processOutput();
  // Work that failed in the background (a full disk, say) is one line and exit 1, not a stack trace.
  let failedInBackground = false;
  process.on('unhandledRejection', (error) => {
    out.debug(error);
    if (!failedInBackground) out.stderr(`ferry: ${(error as Error)?.message ?? String(error)}\n`);
    failedInBackground = true;
  });
  const code = await runCli(argv, out, engineOptions);
  const result = code === 0 && failedInBackground ? 1 : code;
  process.stdout.write('', () => exit(result));
}
