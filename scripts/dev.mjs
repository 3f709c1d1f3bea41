// `npm run dev`: rebuild the Node bundles and the renderer on change, and run the console
// (desktop where Electron is installed, else headless). Reload the page after a change.
import { spawn } from 'node:child_process';

const run = (cmd, args) =>
  spawn(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' });
const children = [
  run(process.execPath, ['scripts/build-node.mjs', '--watch']),
  run('npx', ['vite', 'build', '--watch', '--logLevel', 'warn']),
];
setTimeout(
  () => children.push(run(process.execPath, ['scripts/start.mjs', ...process.argv.slice(2)])),
  4000,
);
const stop = () => {
  for (const child of children) child.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
