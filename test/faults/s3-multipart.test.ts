import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backfill, Job } from '../../shared/model/jobs';
import type { ConnectionStatus } from '../../shared/model/schedule';
import { runFerry, startServe, type ServeProcess } from '../support/ferry';
import { startMoto, type Moto } from '../support/moto';
import { useTempDirs } from '../support/temp';
import { waitFor, waitUntil } from '../support/wait';
import {
  callServe,
  expectHistoryMatches,
  demoProject,
  expectHourExactlyOnce,
  faultyAndClean,
  ferryOk,
  jobsOfHour,
  s3Hour,
  terminate,
} from './support/harness';
import { startS3Gate, type S3Gate } from './support/s3-gate';

const newDir = useTempDirs();
const BUCKET = 'ferry-faults-multipart';
let moto: Moto;
let gate: S3Gate;
let s3: S3Client;

beforeAll(async () => {
  moto = await startMoto();
  s3 = moto.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  gate = await startS3Gate(moto.endpoint);
}, 60_000);
afterAll(async () => {
  await gate?.close();
  await moto?.stop();
});

/**
 * A data folder with a demo project big enough for a multipart upload of several parts, one
 * connection writing through the gate (`<tag>/faulty/`) and one straight to moto
 * (`<tag>/clean/`), whose export of the same hour is the reference the faulty one must equal.
 */
async function setup(tag: string) {
  const dataDir = await newDir();
  const env = { ...moto.env, FERRY_DATA_DIR: dataDir };
  await demoProject(env, 40_000);
  await faultyAndClean(env, { moto, gate: gate.endpoint, bucket: BUCKET, tag }, [
    '--gzip-level',
    '1',
  ]);
  const faulty = `${tag}/faulty/`;
  const snapshot = () => s3Hour(s3, BUCKET, faulty);
  return {
    env,
    dataDir,
    snapshot,
    latest: async (hour: string) => (await jobsOfHour(env, 'faulty', hour))[0]!,
    /** The hour is in the destination exactly once: as a clean export wrote it, and as recorded. */
    expectExactlyOnce: (hour: string) => expectHourExactlyOnce(s3, BUCKET, tag, hour, env),
  };
}

describe('faults while a partition is being uploaded (S3 multipart)', () => {
  it('a cancel leaves an earlier export of the hour exactly as it was', async () => {
    const t = await setup('cancel');
    const hour = '2026-02-01T05';
    const server = await startServe(t.dataDir, ['--no-schedule'], moto.env);
    try {
      // An earlier export of the hour in small partitions: several files.
      await callServe(server, 'connections.update', {
        id: 'faulty',
        options: { partitionBytes: 8 * 1024 * 1024 },
      });
      await callServe(server, 'jobs.exportHour', { connectionId: 'faulty', hour });
      expect((await waitForJob(server, (j) => ended(j))).status).toBe('succeeded');
      const before = await t.snapshot();
      expect(Object.keys(before.objects).length).toBeGreaterThan(2);

      // Export it again in one big partition, and cancel while a part is on its way.
      await callServe(server, 'connections.update', {
        id: 'faulty',
        options: { partitionBytes: 512 * 1024 * 1024 },
      });
      const held = gate.holdPartsAfter(1);
      await callServe(server, 'jobs.exportHour', { connectionId: 'faulty', hour });
      await held;
      const running = await waitForJob(server, (j) => j.status === 'running');
      await callServe(server, 'jobs.cancel', { id: running.id });
      gate.release();
      const cancelled = await waitForJob(server, (j) => j.id === running.id && ended(j));
      expect(cancelled).toMatchObject({ status: 'cancelled', cancelledBy: 'admin', objects: [] });

      const after = await t.snapshot();
      expect(after.objects).toEqual(before.objects);
      expect(after.pending).toBe(0);
      // The history still points at the earlier export, which is what the bucket holds.
      const jobs = await callServe<{ items: Job[] }>(server, 'jobs.list', { limit: 10 });
      expectHistoryMatches(
        jobs.items.filter((j) => j.status === 'succeeded'),
        after.objects,
        'cancel/faulty/',
        after.lines,
      );
    } finally {
      gate.release();
      await terminate(server);
    }
  });

  it('a cancel while S3 creates an upload leaves no upload behind: it is aborted once its answer comes', async () => {
    const t = await setup('cancel-create');
    const hour = '2026-02-01T14';
    const server = await startServe(t.dataDir, ['--no-schedule'], moto.env);
    try {
      const created = gate.holdNextCreateAnswer();
      await callServe(server, 'jobs.exportHour', { connectionId: 'faulty', hour });
      await created; // S3 made the upload; Ferry does not know its id yet
      const running = await waitForJob(server, (j) => j.status === 'running');
      await callServe(server, 'jobs.cancel', { id: running.id });
      gate.release();
      expect(await waitForJob(server, (j) => j.id === running.id && ended(j))).toMatchObject({
        status: 'cancelled',
      });
      expect(await t.snapshot()).toEqual({ objects: {}, lines: 0, pending: 0 });
    } finally {
      gate.release();
      await terminate(server);
    }
  });

  it('SIGTERM with no grace cancels cleanly, and the next start exports the hour once', async () => {
    const t = await setup('sigterm');
    const hour = '2026-02-01T06';
    const server = await startServe(t.dataDir, ['--no-schedule', '--grace', '0'], moto.env);
    const held = gate.holdPartsAfter(1);
    await callServe(server, 'jobs.exportHour', { connectionId: 'faulty', hour });
    await held;
    expect(await terminate(server)).toBe(0);
    gate.release();

    expect(await t.snapshot()).toEqual({ objects: {}, lines: 0, pending: 0 });
    expect(await t.latest(hour)).toMatchObject({ status: 'cancelled', cancelledBy: 'shutdown' });

    const rerun = await runFerry(['run', '--once'], t.env);
    expect(rerun.code, rerun.stderr).toBe(0);
    await t.expectExactlyOnce(hour);
  });

  it('SIGTERM lets a running export finish within the grace period', async () => {
    const t = await setup('grace');
    const hour = '2026-02-01T07';
    // A grace far longer than the test: the export's finishing races no clock.
    const server = await startServe(t.dataDir, ['--no-schedule', '--grace', '3600'], moto.env);
    const held = gate.holdPartsAfter(1);
    await callServe(server, 'jobs.exportHour', { connectionId: 'faulty', hour });
    await held;
    const stopping = terminate(server);
    // It has stopped taking work and waits for the running export: let the part through.
    await waitUntil('serve to say it is stopping', () =>
      /stopping; running exports may finish/.test(server.stderr()),
    );
    gate.release();
    expect(await stopping).toBe(0);
    expect(await t.latest(hour)).toMatchObject({ status: 'succeeded' });
    await t.expectExactlyOnce(hour);
  });

  it('SIGKILL leaves nothing visible; the next start aborts the upload and exports the hour once', async () => {
    const t = await setup('sigkill');
    const hour = '2026-02-01T08';
    const server = await startServe(t.dataDir, ['--no-schedule'], moto.env);
    const held = gate.holdPartsAfter(1);
    await callServe(server, 'jobs.exportHour', { connectionId: 'faulty', hour });
    await held;
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server.child.once('exit', resolve));
    gate.release();

    const killed = await t.snapshot();
    expect(killed.objects).toEqual({});
    expect(killed.pending).toBeGreaterThan(0); // the staged upload, never completed
    expect(await t.latest(hour)).toMatchObject({ status: 'running' });

    const rerun = await runFerry(['run', '--once'], t.env);
    expect(rerun.code, rerun.stderr).toBe(0);
    const jobs = await jobsOfHour(t.env, 'faulty', hour);
    expect(jobs.map((j) => j.status)).toEqual(['succeeded', 'cancelled']);
    expect(jobs[1]!.notes.join(' ')).toMatch(
      /Interrupted: Ferry stopped while this job ran\. It was run again\./,
    );
    await t.expectExactlyOnce(hour);
  });

  it('SIGKILL while an hour is made visible: the next start finishes its commit', async () => {
    const t = await setup('commit');
    const hour = '2026-02-01T09';
    // One command at a time: each holds the data folder while it runs.
    const partitions = async (bytes: number) => {
      for (const name of ['faulty', 'clean'])
        await ferryOk(['connection', 'update', name, '--partition-size', `${bytes}`], t.env);
    };
    await partitions(8 * 1024 * 1024);
    await ferryOk(['export', 'faulty', '--hour', hour], t.env);
    const earlier = Object.keys((await t.snapshot()).objects).length;
    expect(earlier).toBeGreaterThan(4);

    // Again in bigger partitions; killed after two of the new objects became visible.
    await partitions(24 * 1024 * 1024);
    const server = await startServe(t.dataDir, ['--no-schedule'], moto.env);
    const held = gate.holdCompletesAfter(2);
    await callServe(server, 'jobs.exportHour', { connectionId: 'faulty', hour });
    await held;
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server.child.once('exit', resolve));
    gate.release();
    expect(await readdir(join(t.dataDir, 'commits'))).toHaveLength(1);
    expect(await t.latest(hour)).toMatchObject({ status: 'running' });

    // Any command that opens the folder finishes the commit first.
    const next = await runFerry(['run', '--once'], t.env);
    expect(next.code, next.stderr).toBe(0);
    expect(await readdir(join(t.dataDir, 'commits'))).toEqual([]);
    const finished = await t.latest(hour);
    expect(finished.status).toBe('succeeded');
    expect(finished.notes.join(' ')).toMatch(/the next start finished it/);
    expect(finished.removed.length).toBeGreaterThan(0); // the earlier export's extra partitions
    await t.expectExactlyOnce(hour);
  });
});

describe('a commit step the bucket refuses', () => {
  /**
   * For the command whose commit is refused: waits between its tries run 20 times faster, on a
   * clock that starts now (so its jobs sort among the others').
   */
  const fast = () => ({ FERRY_CLOCK_START: new Date().toISOString(), FERRY_CLOCK_SCALE: '20' });

  it('CompleteMultipartUpload refused part-way: tried again in the run, then failing as "commit incomplete" until the next export finishes it', async () => {
    const t = await setup('refused-complete');
    const hour = '2026-02-01T10';
    // Enabled, so that the status tells how it is doing.
    await ferryOk(
      ['connection', 'update', 'faulty', '--partition-size', '8MiB', '--enable'],
      t.env,
    );
    await ferryOk(['export', 'faulty', '--hour', hour], t.env);
    expect(Object.keys((await t.snapshot()).objects).length).toBeGreaterThan(4);
    for (const name of ['faulty', 'clean'])
      await ferryOk(['connection', 'update', name, '--partition-size', '24MiB'], t.env);

    // Again in bigger partitions: the bucket lets one object become visible, then refuses.
    const server = await startServe(t.dataDir, ['--no-schedule'], { ...moto.env, ...fast() });
    try {
      gate.refuse('complete', 403, 'AccessDenied', 1);
      await callServe(server, 'jobs.exportHour', { connectionId: 'faulty', hour });
      const failed = await waitForJob(server, (j) => j.hour === hour && j.status === 'failed');
      expect(gate.refused('complete')).toBe(4); // tried again within the run
      expect(failed).toMatchObject({
        error: {
          kind: 'access',
          code: 'commit-incomplete',
          message: expect.stringMatching(
            new RegExp(
              `^${hour} is only partly committed: Making s3://.*#2\\.json\\.gz visible was refused \\(Missing permission s3:PutObject .*\\); 1 of its \\d+ objects is visible`,
            ),
          ),
          fix: expect.stringMatching(
            /^Grant s3:PutObject .*Ferry finishes this commit before it exports another hour/,
          ),
        },
      });
      // The console and `ferry status` (another process, reading the data folder) say so.
      const [status] = await callServe<ConnectionStatus[]>(server, 'schedule.status');
      expect(status).toMatchObject({
        state: 'failing',
        reason: failed.error!.message,
        fix: failed.error!.fix,
      });
      const cli = await runFerry(['--json', 'status'], t.env);
      expect(cli.code).toBe(1);
      expect(JSON.parse(cli.stdout)[0]).toMatchObject({ state: 'failing', reason: status!.reason });

      // Granted again: the next export of the connection finishes the commit first.
      gate.allow('complete');
      await callServe(server, 'jobs.exportHour', { connectionId: 'faulty', hour: '2026-02-01T11' });
      await waitForJob(server, (j) => j.hour === '2026-02-01T11' && ended(j));
      const [after] = await callServe<ConnectionStatus[]>(server, 'schedule.status');
      expect(after).toMatchObject({ state: 'healthy' });
    } finally {
      gate.allow('complete');
      await terminate(server);
    }
    // The history keeps that it failed, and which job finished it.
    const jobs = await jobsOfHour(t.env, 'faulty', hour);
    expect(jobs.map((j) => j.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    expect(jobs[0]!.notes.join(' ')).toMatch(
      new RegExp(`Finishes making the hour visible for job ${jobs[1]!.id}, which failed part-way`),
    );
    await t.expectExactlyOnce(hour);
  });

  it('DeleteObjects of stale partitions answering 500: the next start finishes the commit', async () => {
    const t = await setup('refused-delete');
    const env = t.env;
    const hour = '2026-02-01T12';
    await ferryOk(['connection', 'update', 'faulty', '--partition-size', '8MiB'], env);
    await ferryOk(['export', 'faulty', '--hour', hour], env);
    for (const name of ['faulty', 'clean'])
      await ferryOk(['connection', 'update', name, '--partition-size', '24MiB'], env);
    gate.refuse('delete', 500, 'InternalError');
    try {
      const refused = await runFerry(['export', 'faulty', '--hour', hour], { ...env, ...fast() });
      expect(refused.code).toBe(1);
      expect(await t.latest(hour)).toMatchObject({
        status: 'failed',
        error: {
          kind: 'transient',
          code: 'commit-incomplete',
          message: expect.stringMatching(
            /Deleting (1 partition|\d+ partitions) of an earlier export of 2026-02-01 12:00 UTC was refused .*; (its one object is visible|all \d+ of its objects are visible), and files of an earlier export/,
          ),
        },
      });
    } finally {
      gate.allow('delete');
    }
    const next = await runFerry(['run', '--once'], env);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    const jobs = await jobsOfHour(env, 'faulty', hour);
    expect(jobs.map((j) => j.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    expect(jobs[0]!.removed.length).toBeGreaterThan(0);
    await t.expectExactlyOnce(hour);
  });

  it('a cancel past the commit point is refused as too late, and the hour is committed whole', async () => {
    const t = await setup('late-cancel');
    const hour = '2026-02-01T13';
    const server = await startServe(t.dataDir, ['--no-schedule'], moto.env);
    try {
      const held = gate.holdCompletesAfter(0);
      await callServe(server, 'jobs.exportHour', { connectionId: 'faulty', hour });
      await held;
      const running = await waitForJob(server, (j) => j.status === 'running');
      await expect(callServe(server, 'jobs.cancel', { id: running.id })).rejects.toThrow(
        /Too late to cancel job .*: 2026-02-01 13:00 UTC is written and being made visible now/,
      );
      gate.release();
      const done = await waitForJob(server, (j) => j.id === running.id && ended(j));
      expect(done.status).toBe('succeeded');
    } finally {
      gate.release();
      await terminate(server);
    }
    await t.expectExactlyOnce(hour);
  });
});

describe('a cancelled backfill', () => {
  it('counts each hour as its job ended — one being made visible counts as exported — and the queue counts every hour waiting', async () => {
    const t = await setup('backfill-cancel');
    const server = await startServe(t.dataDir, ['--no-schedule'], moto.env);
    try {
      const held = gate.holdCompletesAfter(0);
      const started = await callServe<Backfill>(server, 'backfills.start', {
        connectionId: 'faulty',
        from: '2026-01-10T00',
        to: '2026-01-10T23',
      });
      await held; // one hour is being made visible now
      const [status] = await callServe<ConnectionStatus[]>(server, 'schedule.status');
      // Every hour not exported yet is waiting, not only the few the queue holds.
      expect(status!.queued + status!.running).toBeGreaterThanOrEqual(22);

      const cancelling = callServe<Backfill>(server, 'backfills.cancel', { id: started.id });
      // The hours not started are cancelled at once; the cancel then waits for the one held.
      await waitFor('the backfill to cancel its hours not started', async () => {
        const b = await callServe<Backfill>(server, 'backfills.get', { id: started.id });
        return b.cancelled > 0 ? b : undefined;
      });
      gate.release();
      const cancelled = await cancelling;
      const jobs = (await callServe<{ items: Job[] }>(server, 'jobs.list', { limit: 100 })).items;
      const latest = new Map<string, Job>();
      for (const j of jobs) if (!latest.has(j.hour)) latest.set(j.hour, j);
      const succeeded = [...latest.values()].filter((j) => j.status === 'succeeded').length;
      expect(succeeded).toBeGreaterThanOrEqual(1);
      expect(cancelled).toMatchObject({
        status: 'cancelled',
        total: 24,
        succeeded,
        failed: 0,
        cancelled: 24 - succeeded,
      });
    } finally {
      gate.release();
      await terminate(server);
    }
  });
});

const ended = (job: Job) => job.status !== 'running' && job.status !== 'queued';

/** Wait until the server's history has a job matching (a state to wait for, not a time). */
function waitForJob(server: ServeProcess, match: (job: Job) => boolean): Promise<Job> {
  return waitFor(
    'a job the test expects in the history',
    async () => {
      const page = await callServe<{ items: Job[] }>(server, 'jobs.list', { limit: 20 });
      return page.items.find(match);
    },
    { every: 25 },
  );
}
