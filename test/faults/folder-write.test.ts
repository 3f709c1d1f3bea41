import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFerry } from '../support/ferry';
import { useTempDirs } from '../support/temp';
import { waitFor } from '../support/wait';
import {
  expectHistoryMatches,
  demoProject,
  ferryOk,
  folderHour,
  folderTemps,
  jobsOfHour,
  spawnFerry,
} from './support/harness';

const newDir = useTempDirs();
const HOUR = '2026-02-02T03';

/**
 * A demo project with a big hour written in small partitions to a folder (`faulty`), and a
 * second connection (`clean`) whose export of the same hour is the reference.
 */
async function setup() {
  const dataDir = await newDir();
  const out = await newDir();
  const env = { FERRY_DATA_DIR: dataDir };
  await demoProject(env, 100_000);
  for (const name of ['faulty', 'clean'])
    await ferryOk(
      ['connection', 'add', '--name', name, '--project', '187520'].concat([
        '--folder',
        join(out, name),
        '--partition-size',
        '2MiB',
        '--gzip-level',
        '1',
      ]),
      env,
    );
  return { env, faulty: join(out, 'faulty'), clean: join(out, 'clean') };
}

/** Start the command and wait until it has sealed a partition and writes the next one. */
async function untilMidWrite(
  env: Record<string, string>,
  folder: string,
  args = ['export', 'faulty', '--hour', HOUR],
) {
  const running = spawnFerry(args, env);
  return waitFor(
    'two temp files in the destination folder',
    async () => {
      if ((await folderTemps(folder)).length >= 2) return running;
      if (running.child.exitCode !== null)
        throw new Error(`the export ended before the fault: ${running.stdout()}`);
      return undefined;
    },
    { every: 10 },
  );
}

async function expectExactlyOnce(t: Awaited<ReturnType<typeof setup>>) {
  const got = await folderHour(t.faulty);
  await ferryOk(['export', 'clean', '--hour', HOUR], t.env);
  const clean = await folderHour(t.clean);
  expect(got.temps).toEqual([]);
  expect(Object.keys(got.objects).length).toBeGreaterThan(5);
  expect(got.objects).toEqual(clean.objects);
  expectHistoryMatches(await jobsOfHour(t.env, 'faulty', HOUR), got.objects, '', got.lines);
  const reconciled = await runFerry(['reconcile', 'faulty', '--from', HOUR, '--to', HOUR], t.env);
  expect(reconciled.code, reconciled.stdout).toBe(0);
}

describe('faults while an hour is written to a folder', () => {
  it('SIGTERM stops ferry export cleanly: nothing of the hour visible, and it runs again at the next start', async () => {
    const t = await setup();
    const running = await untilMidWrite(t.env, t.faulty);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(143);
    expect(running.stdout()).toMatch(/Stopped \(SIGTERM\)/);
    expect(running.stderr()).toBe('');
    expect(await folderHour(t.faulty)).toEqual({ objects: {}, lines: 0, temps: [] });
    expect((await jobsOfHour(t.env, 'faulty', HOUR))[0]).toMatchObject({
      status: 'cancelled',
      cancelledBy: 'shutdown',
    });

    const next = await runFerry(['run', '--once'], t.env);
    expect(next.code, next.stderr).toBe(0);
    await expectExactlyOnce(t);
  });

  it('SIGKILL leaves only temp files; the next start removes them and writes the hour once', async () => {
    const t = await setup();
    const running = await untilMidWrite(t.env, t.faulty);
    running.child.kill('SIGKILL');
    await running.exited;
    const killed = await folderHour(t.faulty);
    expect(killed.objects).toEqual({});
    expect(killed.temps.length).toBeGreaterThan(0);
    expect((await jobsOfHour(t.env, 'faulty', HOUR))[0]).toMatchObject({ status: 'running' });

    const next = await runFerry(['run', '--once'], t.env);
    expect(next.code, next.stderr).toBe(0);
    await expectExactlyOnce(t);
  });

  it('Ctrl-C cancels ferry export: exit 130, nothing half-written, and it is not run again', async () => {
    const t = await setup();
    const running = await untilMidWrite(t.env, t.faulty);
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(130);
    expect(running.stdout()).toMatch(/Cancelled \(Ctrl-C\)/);
    expect(await folderHour(t.faulty)).toEqual({ objects: {}, lines: 0, temps: [] });
    expect((await jobsOfHour(t.env, 'faulty', HOUR))[0]).toMatchObject({
      status: 'cancelled',
      cancelledBy: 'admin',
    });
    const next = await runFerry(['run', '--once'], t.env);
    expect(next.code, next.stderr).toBe(0);
    expect(await jobsOfHour(t.env, 'faulty', HOUR)).toHaveLength(1);
  });

  it('Ctrl-C cancels ferry backfill: exit 130, the backfill listed as cancelled, nothing half-written', async () => {
    const t = await setup();
    const running = await untilMidWrite(t.env, t.faulty, [
      'backfill',
      'faulty',
      '--from',
      HOUR,
      '--to',
      '2026-02-02T05',
    ]);
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(130);
    expect(await folderHour(t.faulty)).toEqual({ objects: {}, lines: 0, temps: [] });
    const listed = await runFerry(['--json', 'backfills', 'faulty'], t.env);
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { from: HOUR, to: '2026-02-02T05', status: 'cancelled', succeeded: 0 },
    ]);
  });
});
