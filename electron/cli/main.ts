import { runCli } from './index';
import { processOutput } from './output';

// The `ferry` executable: run the command line, let output drain, exit with its code.
const code = await runCli(process.argv.slice(2), processOutput());
process.stdout.write('', () => process.exit(code));
