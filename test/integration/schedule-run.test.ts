import { spawn } from 'node:child_process';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hoursBetween } from '../../shared/model/export-format';
import { FERRY_BIN, runFerry } from '../support/ferry';
import { listObjects, motoBucketFlags, startMoto, type Moto } from '../support/moto';
import { useTempDirs } from '../support/temp';

const newDir = useTempDirs();
const BUCKET = 'ferry-schedule-run';
let moto: Moto;

beforeAll(async () => {
  moto = await startMoto();
  await moto.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 60_000);
afterAll(() => moto?.stop());

/** `ferry run` on a simulated clock (1 real second = 1 hour) until `hours` have been exported. */
function runUntil(dataDir: string, env: Record<string, string>, hours: string[]) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [FERRY_BIN, '--data-dir', dataDir, 'run'], {
      env: { ...process.env, FERRY_DEMO: '0', ...env },
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`ferry run did not export ${hours.join(', ')} in time:\n${stdout}\n${stderr}`),
      );
    }, 60_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (hours.every((h) => stdout.includes(`${h}  events     scheduled succeeded`)))
        child.kill('SIGTERM');
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`ferry run exited with ${code}: ${stderr}`));
    });
  });
}

describe('ferry run', () => {
  it('exports every hour exactly once across simulated hours, a restart and a catch-up', async () => {
    const dataDir = await newDir();
    const start = '2026-03-01T00:59:30Z';
    const env = { ...moto.env, FERRY_CLOCK_START: start, FERRY_CLOCK_SCALE: '3600' };
    const cli = (...args: string[]) =>
      runFerry(['--data-dir', dataDir, ...args], { ...env, FERRY_CLOCK_SCALE: '0.001' });
    expect((await cli('org', 'add', '--id', '1', '--name', 'Acme')).code).toBe(0);
    expect(
      (
        await cli(
          'project',
          'add',
          '--id',
          '187520',
          '--org',
          '1',
          '--name',
          'Web',
          '--source',
          'demo',
        )
      ).code,
    ).toBe(0);
    const added = await cli(
      'connection',
      'add',
      '--name',
      'hourly',
      '--project',
      '187520',
      ...motoBucketFlags(moto, BUCKET, 'amplitude/'),
      '--enable',
      '--settle-minutes',
      '0',
    );
    expect(added.code, added.stderr).toBe(0);

    // Live: the clock starts just before 01:00; hours 00–03 become due one a second.
    const live = await runUntil(dataDir, env, hoursBetween('2026-03-01T00', '2026-03-01T03'));
    expect(live).toContain('[hourly] healthy');

    // Ferry was off until 09:20: the next start catches up 04–08 (within the 24 h lookback).
    const catchUp = await runFerry(['--data-dir', dataDir, 'run', '--once'], {
      ...env,
      FERRY_CLOCK_START: '2026-03-01T09:20:00Z',
      FERRY_CLOCK_SCALE: '0.001',
    });
    expect(catchUp.code, catchUp.stderr).toBe(0);

    const hours = hoursBetween('2026-03-01T00', '2026-03-01T08');
    const objects = await listObjects(moto.s3(), BUCKET, 'amplitude/');
    const keys = objects.map((o) => o.key);
    expect(keys).toEqual(
      hours.map((h) => `amplitude/187520_2026-03-01_${Number(h.slice(11))}#1.json.gz`),
    );
    // One successful job per hour: no hour was exported twice.
    const jobs = await runFerry([
      '--data-dir',
      dataDir,
      '--json',
      'jobs',
      'hourly',
      '--limit',
      '100',
    ]);
    const { items } = JSON.parse(jobs.stdout) as {
      items: { hour: string; status: string; trigger: string }[];
    };
    const succeeded = items
      .filter((j) => j.status === 'succeeded')
      .map((j) => j.hour)
      .sort();
    expect(succeeded).toEqual(hours);
    expect(new Set(items.map((j) => j.trigger))).toEqual(new Set(['scheduled']));

    // `ferry status` says so.
    const status = await runFerry(['--data-dir', dataDir, '--json', 'status'], {
      ...env,
      FERRY_CLOCK_START: '2026-03-01T09:30:00Z',
      FERRY_CLOCK_SCALE: '0.001',
    });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject([
      { state: 'healthy', lastExportedHour: '2026-03-01T08', nextHour: '2026-03-01T09', gap: null },
    ]);
  }, 120_000);
});

describe('ferry serve', () => {
  it('prints a failing hour and the reason to its terminal, as headless notifications promise', async () => {
    const dataDir = await newDir();
    const env = {
      ...moto.env,
      FERRY_DEMO: '0',
      FERRY_CLOCK_START: '2026-03-01T00:59:30Z',
      FERRY_CLOCK_SCALE: '0.001',
    };
    const cli = (...args: string[]) => runFerry(['--data-dir', dataDir, ...args], env);
    expect((await cli('org', 'add', '--id', '1', '--name', 'Acme')).code).toBe(0);
    expect(
      (await cli('project', 'add', '--id', '7', '--org', '1', '--name', 'Web', '--source', 'demo'))
        .code,
    ).toBe(0);
    const added = await cli(
      'connection',
      'add',
      '--name',
      'broken',
      '--project',
      '7',
      ...motoBucketFlags(moto, 'no-such-bucket-for-serve', 'amplitude/'),
      '--enable',
      '--settle-minutes',
      '0',
    );
    expect(added.code, added.stderr).toBe(0);

    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [FERRY_BIN, '--data-dir', dataDir, 'serve'], {
        env: { ...process.env, ...env, FERRY_CLOCK_SCALE: '3600' },
      });
      let stdout = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`ferry serve printed no failure:\n${stdout}`));
      }, 60_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (/\[broken\] failing: /.test(stdout)) child.kill('SIGTERM');
      });
      child.on('exit', () => {
        clearTimeout(timer);
        resolve(stdout);
      });
    });
    expect(output).toContain('Ferry console: http://127.0.0.1:');
    expect(output).toMatch(
      /2026-03-01T00 +events +scheduled FAILED +The specified bucket does not exist/,
    );
    expect(output).toContain('! Export "broken" is failing: 2026-03-01 00:00 UTC (events)');
    expect(output).toMatch(/\[broken\] failing: 2026-03-01 00:00 UTC \(events\) failed: /);
  }, 120_000);
});
