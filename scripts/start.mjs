// `npm start`: open the desktop app where an Electron runtime is installed; otherwise run the
// headless console and say why, so `npm start` always gives the admin a working console.
import { spawn } from 'node:child_process';
import { findElectron, sandboxProblem } from './electron-binary.mjs';

const found = findElectron();
// Where Electron would abort at start (Ubuntu's AppArmor), say why and how to fix it instead.
const sandbox = 'path' in found ? sandboxProblem(found.path) : null;
const electron = sandbox ? { reason: sandbox } : found;
const [command, args] =
  'path' in electron
    ? [electron.path, ['.', ...process.argv.slice(2)]]
    : [process.execPath, ['out/cli/main.js', 'serve', ...process.argv.slice(2)]];

if (!('path' in electron)) {
  console.log(`Ferry: not opening the desktop app because ${electron.reason}.`);
  console.log(
    'Ferry: starting the headless console instead; open the URL below in your browser.\n',
  );
}
const child = spawn(command, args, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
