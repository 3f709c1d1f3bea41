import { runCli } from './index';
import { processOutput } from './output';

// The `ferry` executable: run the command line, let output drain, exit with its code.
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
const code = await runCli(process.argv.slice(2), out);
const exit = code === 0 && failedInBackground ? 1 : code;
process.stdout.write('', () => process.exit(exit));
