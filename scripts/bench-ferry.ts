// What the TypeScript benches do with the built CLI (out/cli/main.js): run a command to its end,
// and set up the demo project they export.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const CLI = resolve('out/cli/main.js');

/** Run `ferry --data-dir <dir> …args` to its end with `env`: its stdout, or throw its stderr. */
export type FerryCli = (dataDir: string, ...args: string[]) => string;

export function ferryCli(env: NodeJS.ProcessEnv): FerryCli {
  return (dataDir, ...args) => {
    const r = spawnSync(process.execPath, [CLI, '--data-dir', dataDir, ...args], {
      env,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`ferry ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
}

/** Organisation 1 and its demo project 4242 ("Web") of `eventsPerHour` events an hour. */
export function addDemoProject(ferry: FerryCli, dataDir: string, eventsPerHour: number): void {
  ferry(dataDir, 'org', 'add', '--id', '1', '--name', 'Bench');
  ferry(
    dataDir,
    'project',
    'add',
    '--id',
    '4242',
    '--org',
    '1',
    '--name',
    'Web',
    '--source',
    'demo',
    '--events-per-hour',
    String(eventsPerHour),
  );
}
