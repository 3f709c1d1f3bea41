import { runCli } from './index';
import { processOutput } from './output';

// The `ferry` executable: run the command line, let output drain, exit with its code.
// The AWS SDK's notice about Node versions after 2027 would otherwise repeat on every command;
// the README says which Node versions Ferry supports.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const code = await runCli(process.argv.slice(2), processOutput());
process.stdout.write('', () => process.exit(code));
