// `npm run dist`: installers for this OS with electron-builder (electron-builder.yml), after
// `npm run build`. Says in one line what it can not do here, and how to do it instead:
//   - GitHub out of reach (electron-builder downloads Electron and its packaging tools there):
//     build with a local runtime, ELECTRON_DIST=/path/to/electron/dist npm run dist, which makes
//     the unpacked app directory (dist/<os>-unpacked);
//   - no signing certificate / Apple notarization credentials: built unsigned, said so.
// FERRY_TEST_BUILD=1 makes the build the packaged-app tests drive (inspect fuse on).
// FERRY_UPDATE_URL / FERRY_UPDATE_GITHUB: where the app looks for updates (publish-args.mjs).
import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { publishArgs } from './publish-args.mjs';

const env = process.env;
const args = [];
const notes = [];

if (env.ELECTRON_DIST) {
  args.push('--dir', `-c.electronDist=${env.ELECTRON_DIST}`);
  notes.push(`using the Electron runtime in ${env.ELECTRON_DIST}: an unpacked app directory only`);
} else if (!(await reachable('github.com'))) {
  console.error(
    'ferry dist: github.com is out of reach, and electron-builder downloads Electron and its packaging tools from there; build with a local runtime instead: ELECTRON_DIST=/path/to/electron/dist npm run dist',
  );
  process.exit(1);
}
const feed = publishArgs(env);
if ('error' in feed) {
  console.error(`ferry dist: ${feed.error}`);
  process.exit(1);
}
args.push(...feed.args);
notes.push(feed.note);
if (env.FERRY_TEST_BUILD === '1') {
  args.push('-c.electronFuses.enableNodeCliInspectArguments=true');
  notes.push('test build: the inspect fuse is on (never ship this one)');
}
if (process.platform === 'darwin') {
  if (!env.CSC_LINK && !env.CSC_NAME) notes.push('not signed: set CSC_LINK and CSC_KEY_PASSWORD');
  if (!env.APPLE_ID || !env.APPLE_APP_SPECIFIC_PASSWORD || !env.APPLE_TEAM_ID) {
    args.push('-c.mac.notarize=false');
    notes.push('not notarized: set APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD and APPLE_TEAM_ID');
  }
}
if (process.platform === 'win32' && !env.CSC_LINK && !env.WIN_CSC_LINK)
  notes.push('not signed: set CSC_LINK (or WIN_CSC_LINK) and CSC_KEY_PASSWORD');
for (const note of notes) console.log(`ferry dist: ${note}`);

const child = spawn('npx', ['electron-builder', ...args, ...process.argv.slice(2)], {
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
child.on('exit', (code) => process.exit(code ?? 1));

/** True when the host name resolves within 3 s (the registry mirror may be the only way out). */
async function reachable(host) {
  const timeout = new Promise((resolve) => setTimeout(() => resolve(false), 3000).unref());
  return Promise.race([
    lookup(host).then(
      () => true,
      () => false,
    ),
    timeout,
  ]);
}
