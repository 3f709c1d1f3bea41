import { runProcessCli } from './process';

// The `ferry` executable under Node: run the command line and exit with its code.
await runProcessCli(process.argv.slice(2), (code) => process.exit(code));
