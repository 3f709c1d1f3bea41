import { startWithTunedMalloc } from './malloc-tuning';

// The `ferry` executable under Node: where the command moves data, start again with glibc's
// malloc tuned (before anything else loads); then run the command line and exit with its code.
startWithTunedMalloc();
const { runProcessCli } = await import('./process');
await runProcessCli(process.argv.slice(2), (code) => process.exit(code));
