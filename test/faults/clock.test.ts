import { readdir } from 'node:fs/promises';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../shared/model/schedule';
import type { Job } from '../../shared/model/jobs';
import { hourText } from '../../shared/model/hours';
import { startAmplitudeServer } from '../support/amplitude-server';
import { event, ndjson } from '../support/events';
import { runFerry } from '../support/ferry';
import { listObjects, motoBucketFlags, startMoto, type Moto } from '../support/moto';
import { useTempDirs } from '../support/temp';
import { startS3Gate, type S3Gate } from './support/s3-gate';

const newDir = useTempDirs();
const BUCKET = 'ferry-clock';
const HOUR = 3_600_000;
/**
 * The outside world's time: S3 answers through a gate that gives this as its Date header. It
 * runs at real speed from a fixed start, 20 minutes into an hour, so no hour ends during the test.
 */
const REAL = Date.parse('2026-03-01T10:20:00Z');
const started = Date.now();
const outside = () => REAL + (Date.now() - started);
let moto: Moto;
let gate: S3Gate;

beforeAll(async () => {
  moto = await startMoto();
  gate = await startS3Gate(moto.endpoint, { clock: outside });
  await moto.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 60_000);
afterAll(async () => {
  await gate?.close();
  await moto?.stop();
});

const hourOf = (ms: number) => new Date(ms).toISOString().slice(0, 13);

describe("a clock that jumps (S3's Date header is the outside world's time)", () => {
  it('30 h ahead: said in plain words, no future hour exported; set right: the hours export', async () => {
    const dataDir = await newDir();
    const real = outside();
    /** This computer's clock, `ahead` ms ahead of the outside world's. */
    const at = (ahead: number) => ({
      ...moto.env,
      FERRY_CLOCK_START: new Date(outside() + ahead).toISOString(),
    });
    // Everything set up three hours ago, on a right clock: the schedule covers the last 3 hours.
    const before = at(-3 * HOUR);
    const ferry = (args: string[], env: Record<string, string> = at(0)) =>
      runFerry(['--data-dir', dataDir, ...args], env);
    expect((await ferry(['org', 'add', '--id', '1', '--name', 'Acme'], before)).code).toBe(0);
    const project = ['--id', '187520', '--org', '1', '--name', 'Web', '--source', 'demo'];
    expect((await ferry(['project', 'add', ...project], before)).code).toBe(0);
    const added = await ferry(
      ['connection', 'add', '--name', 'hourly', '--project', '187520']
        .concat(motoBucketFlags({ ...moto, endpoint: gate.endpoint }, BUCKET, 'clock/'))
        .concat(['--enable', '--settle-minutes', '0']),
      before,
    );
    expect(added.code, added.stderr).toBe(0);

    const ahead = await ferry(['run', '--once'], at(30 * HOUR));
    expect(ahead.code, ahead.stdout + ahead.stderr).toBe(1);
    expect(ahead.stdout).toMatch(
      /This computer's clock is 30 h ahead of 127\.0\.0\.1:\d+ \(it says .* UTC; 127\.0\.0\.1:\d+ says .* UTC\)\. Until it is set right, Ferry goes by/,
    );
    const jobs = async () =>
      (
        JSON.parse((await ferry(['--json', 'jobs', 'hourly', '--limit', '200'])).stdout) as {
          items: Job[];
        }
      ).items;
    const ended = [real - 3 * HOUR, real - 2 * HOUR, real - HOUR].map(hourOf);
    const succeeded = async () =>
      (await jobs())
        .filter((j) => j.status === 'succeeded')
        .map((j) => j.hour)
        .sort();
    // Once S3 had answered, the schedule went by its time: the three hours that did end were
    // exported, and only runs already going when S3 first answered tried a later hour — refused.
    expect(await succeeded()).toEqual(ended);
    const refused = (await jobs()).filter((j) => j.status !== 'succeeded');
    expect(refused.length).toBeLessThanOrEqual(2);
    for (const job of refused) {
      expect(job.hour > hourOf(real)).toBe(true);
      expect(job).toMatchObject({
        status: 'failed',
        error: {
          kind: 'config',
          code: 'hour-not-ended',
          message: expect.stringMatching(/has not ended yet: 127\.0\.0\.1:\d+ says it is/),
        },
      });
    }
    const keys = async () => (await listObjects(moto.s3(), BUCKET, 'clock/')).map((o) => o.key);
    expect(await keys()).toEqual(
      ended.map((h) => `clock/187520_${h.slice(0, 10)}_${Number(h.slice(11))}#1.json.gz`),
    );

    // The clock set right again (a jump back): nothing more to do, and nothing held back.
    const right = await ferry(['run', '--once']);
    expect(right.code, right.stdout + right.stderr).toBe(0);
    expect(await succeeded()).toEqual(ended);
    expect(await keys()).toHaveLength(3);
    const status = JSON.parse((await ferry(['--json', 'status'])).stdout) as ConnectionStatus[];
    expect(status[0]).toMatchObject({ state: 'healthy', lastExportedHour: hourOf(real - HOUR) });
  });

  it("an Amplitude project exported to a folder goes by the Export API's time", async () => {
    const hour = hourOf(outside() + 2 * HOUR); // ended by this computer's clock only
    const amplitude = await startAmplitudeServer(
      [{ zip: { 'e.json.gz': ndjson([event(hour, 1), event(hour, 2)]) } }],
      { clock: outside },
    );
    try {
      const out = await newDir();
      const env = {
        FERRY_DATA_DIR: await newDir(),
        FERRY_CLOCK_START: new Date(outside() + 30 * HOUR).toISOString(),
        AMP_SECRET: 'secret-1',
      };
      const setup = [
        ['org', 'add', '--id', '1', '--name', 'Acme'],
        ['project', 'add', '--id', '187520', '--org', '1', '--name', 'Web', '--source']
          .concat(['amplitude', '--api-key', 'key-1', '--amplitude-endpoint', amplitude.url])
          .concat(['--secret-key-env', 'AMP_SECRET']),
        ['connection', 'add', '--name', 'amp', '--project', '187520', '--folder', out],
      ];
      for (const args of setup) expect((await runFerry(args, env)).code).toBe(0);
      const exported = await runFerry(['export', 'amp', '--hour', hour], env);
      expect(exported.code).toBe(1);
      expect(exported.stdout).toMatch(
        new RegExp(`${hourText(hour)} has not ended yet: Amplitude's Export API says it is`),
      );
      expect(exported.stdout).toMatch(/fix: Set this computer's clock right/);
      expect(await readdir(out)).toEqual([]);
    } finally {
      await amplitude.close();
    }
  });
});
