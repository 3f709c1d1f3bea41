import { readdir } from 'node:fs/promises';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFerry } from '../support/ferry';
import { listObjects, motoBucketFlags, startMoto, type Moto } from '../support/moto';
import { useTempDirs } from '../support/temp';
import { demoProject, ferryOk, folderHour, jobsOfHour } from './support/harness';

const newDir = useTempDirs();
const HOUR = '2026-02-02T03';
let moto: Moto;

beforeAll(async () => {
  moto = await startMoto();
  await moto.s3().send(new CreateBucketCommand({ Bucket: 'ferry-two-ferrys' }));
}, 60_000);
afterAll(() => moto?.stop());

/** A data folder (a Ferry) with demo project 187520 and connection `c` to `destination`. */
async function aFerry(destination: string[], extra: string[] = []) {
  const env = { ...moto.env, FERRY_DATA_DIR: await newDir() };
  await demoProject(env, 30_000);
  await ferryOk(
    ['connection', 'add', '--name', 'c', '--project', '187520', ...destination, ...extra],
    env,
  );
  return {
    env,
    export: (hour = HOUR) => runFerry(['export', 'c', '--hour', hour], env),
  };
}

const claims = async (folder: string) =>
  (await readdir(folder)).filter((n) => n.startsWith('_ferry-owner_'));

describe('two Ferrys (two data folders) on one destination', () => {
  it('the second is refused up front with the name of the first, until it takes the destination over', async () => {
    const out = await newDir();
    const a = await aFerry(['--folder', out]);
    const b = await aFerry(['--folder', out], ['--partition-size', '2MiB']);
    expect((await a.export()).code).toBe(0);
    expect(await claims(out)).toEqual([
      expect.stringMatching(/^_ferry-owner_187520_[a-z0-9-]+\.[a-f0-9]{16}\.json$/),
    ]);
    const before = await folderHour(out);

    const refused = await b.export();
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /config: .* is already exported for project 187520 by another Ferry \(host "[a-z0-9-]+", since .* UTC\)\. Two Ferrys writing the same hours there would leave duplicate events/,
    );
    expect(refused.stdout).toMatch(/fix: .*ferry connection take-over c/);
    expect((await jobsOfHour(b.env, 'c', HOUR))[0]).toMatchObject({
      status: 'failed',
      error: { kind: 'config', code: 'destination-claimed' },
    });
    expect(await folderHour(out)).toEqual(before); // nothing of B's, not even its claim
    expect(await claims(out)).toHaveLength(1);

    const taken = await runFerry(['connection', 'take-over', 'c'], b.env);
    expect(taken.code, taken.stderr).toBe(0);
    expect(taken.stdout).toMatch(
      /^Took the destination of "c" over from the Ferry on host "[a-z0-9-]+" \(since/,
    );
    expect((await a.export('2026-02-02T04')).stdout).toMatch(
      /already exported for project 187520 by another Ferry/,
    );
    const mine = await b.export();
    expect(mine.code, mine.stdout).toBe(0);
    expect(await claims(out)).toHaveLength(1);
    // B's export of the hour replaced A's whole (smaller partitions: more files, same events).
    const after = await folderHour(out);
    expect(after.lines).toBe(before.lines);
    expect(Object.keys(after.objects).length).toBeGreaterThan(Object.keys(before.objects).length);
  });

  it('two exporting the same hour at once: exactly one commits, no duplicate event (5 trials)', async () => {
    for (let trial = 1; trial <= 5; trial++) {
      const out = await newDir();
      const a = await aFerry(['--folder', out], ['--partition-size', '1MiB']);
      const b = await aFerry(['--folder', out], ['--partition-size', '3MiB']);
      const [ra, rb] = await Promise.all([a.export(), b.export()]);
      expect([ra.code, rb.code].sort(), `trial ${trial}:\n${ra.stdout}\n${rb.stdout}`).toEqual([
        0, 1,
      ]);
      const loser = ra.code === 0 ? rb : ra;
      expect(loser.stdout).toMatch(/already exported for project 187520 by another Ferry/);
      const got = await folderHour(out);
      expect(got.temps).toEqual([]);
      expect(got.lines, `trial ${trial}`).toBe(
        (await jobsOfHour((ra.code === 0 ? a : b).env, 'c', HOUR))[0]!.counts!.eventsOut,
      );
      expect(await claims(out)).toHaveLength(1);
    }
  });

  it('holds for an S3 prefix as for a folder', async () => {
    const dest = motoBucketFlags(moto, 'ferry-two-ferrys', 'shared/');
    const a = await aFerry(dest);
    const b = await aFerry(dest);
    expect((await a.export()).code).toBe(0);
    const refused = await b.export();
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /s3:\/\/ferry-two-ferrys\/shared\/ is already exported for project 187520 by another Ferry/,
    );
    const all = await listObjects(moto.s3(), 'ferry-two-ferrys', 'shared/', { claims: true });
    expect(all.filter((o) => o.key.startsWith('shared/_ferry-owner_187520_'))).toHaveLength(1);
  });
});
