import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../../electron/engine';
import { scheduleRetryPolicy } from '../../../../electron/engine/jobs/retry';
import { FakeClock } from '../../../support/fake-clock';
import { awsError, exportedHours, failingAws, scheduledEngine } from '../../../support/schedule';
import { jobRecord } from '../../../support/jobs';
import { useTempDirs } from '../../../support/temp';

const newDir = useTempDirs();
const MIN = 60_000;
const HOUR = 60 * MIN;
const s3 = {
  type: 's3' as const,
  bucket: 'acme-export',
  region: 'us-east-1',
  profile: 'default',
};

describe('the hourly schedule', () => {
  it('exports an hour after it ends plus its settle delay, within the hour after', async () => {
    const { engine, clock, connectionId, records } = await scheduledEngine(
      await newDir(),
      '2026-03-01T10:05:00Z',
      { connection: { schedule: { settleMinutes: 30 } } },
    );
    try {
      await engine.scheduler.start();
      await clock.advanceTo('2026-03-01T11:29:00Z');
      expect(records).toEqual([]);
      await clock.advanceTo('2026-03-01T11:31:00Z');
      const jobs = await engine.call('jobs.list', { connectionId });
      expect(jobs.items).toHaveLength(1);
      expect(jobs.items[0]).toMatchObject({
        hour: '2026-03-01T10',
        trigger: 'scheduled',
        status: 'succeeded',
      });
      expect(jobs.items[0]!.startedAt).toBe('2026-03-01T11:30:00.000Z');
      expect(Date.parse(jobs.items[0]!.finishedAt!)).toBeLessThanOrEqual(
        Date.parse('2026-03-01T12:00:00Z'),
      );
      // The next hour waits for its own delay; nothing runs twice.
      await clock.advanceTo('2026-03-01T13:00:00Z');
      expect(await exportedHours(engine, connectionId)).toEqual(['2026-03-01T10', '2026-03-01T11']);
      const status = await engine.call('schedule.status');
      expect(status[0]).toMatchObject({
        state: 'healthy',
        lastExportedHour: '2026-03-01T11',
        nextHour: '2026-03-01T12',
        nextRunAt: '2026-03-01T13:30:00.000Z',
        gap: null,
      });
    } finally {
      await engine.close();
    }
  });

  it('paused (the tray), queues no scheduled hour; resumed, catches up at once', async () => {
    const { engine, clock, connectionId } = await scheduledEngine(
      await newDir(),
      '2026-03-01T10:05:00Z',
    );
    try {
      await engine.scheduler.start();
      await engine.scheduler.setPaused(true);
      await clock.advanceTo('2026-03-01T13:30:00Z');
      expect(await exportedHours(engine, connectionId)).toEqual([]);
      // A manual export still runs while paused.
      await engine.call('jobs.exportHour', { connectionId, hour: '2026-03-01T09' });
      await engine.scheduler.idle();
      expect(await exportedHours(engine, connectionId)).toEqual(['2026-03-01T09']);
      await engine.scheduler.setPaused(false);
      await clock.advance(60_000);
      expect(await exportedHours(engine, connectionId)).toEqual([
        '2026-03-01T09',
        '2026-03-01T10',
        '2026-03-01T11',
        '2026-03-01T12',
      ]);
    } finally {
      await engine.close();
    }
  });

  it('after a 30-hour sleep catches up the 24 hours of its lookback and lists 6 as a gap', async () => {
    const { engine, clock, connectionId } = await scheduledEngine(
      await newDir(),
      '2026-03-01T00:30:00Z',
    );
    try {
      await engine.scheduler.start();
      clock.sleep(30 * HOUR); // the lid closes; no timer fires
      await engine.scheduler.wake();
      await clock.advance(0);
      const hours = await exportedHours(engine, connectionId);
      expect(hours).toHaveLength(24);
      expect(hours[0]).toBe('2026-03-01T06');
      expect(hours[23]).toBe('2026-03-02T05');
      const [status] = await engine.call('schedule.status');
      expect(status!.gap).toEqual({ from: '2026-03-01T00', to: '2026-03-01T05', hours: 6 });
      expect(status!.state).toBe('healthy');

      // The gap is one backfill away, and then gone.
      const backfill = await engine.call('backfills.start', {
        connectionId,
        from: status!.gap!.from,
        to: status!.gap!.to,
      });
      expect(backfill.total).toBe(6);
      await clock.advance(0);
      expect(await engine.call('backfills.get', { id: backfill.id })).toMatchObject({
        status: 'succeeded',
        succeeded: 6,
      });
      expect(await exportedHours(engine, connectionId)).toHaveLength(30);
      const perHour = await engine.call('backfills.hours', { id: backfill.id });
      expect(perHour.total).toBe(6);
      expect(perHour.items.map((h) => `${h.hour} ${h.status}`)).toEqual(
        ['00', '01', '02', '03', '04', '05'].map((h) => `2026-03-01T${h} succeeded`),
      );
      expect((await engine.call('schedule.status'))[0]!.gap).toBeNull();
    } finally {
      await engine.close();
    }
  });

  it('retries transient failures with exponential backoff within the hour budget', async () => {
    const aws = failingAws(() => awsError('SlowDown', 503, 'Please reduce your request rate'));
    const { engine, clock, records } = await scheduledEngine(
      await newDir(),
      '2026-03-01T10:05:00Z',
      { aws, connection: { destination: s3 }, random: () => 1 },
    );
    try {
      await engine.scheduler.start();
      await clock.advanceTo('2026-03-01T13:00:00Z');
      const firstJob = records.find((j) => j.hour === '2026-03-01T10')!.id;
      const ofFirst = records.filter((j) => j.id === firstJob);
      const starts = ofFirst
        .filter((j) => j.status === 'running')
        .map((j) => Date.parse(j.updatedAt));
      const gaps = starts.slice(1).map((t, i) => (t - starts[i]!) / 1000);
      // 30 s doubling up to 10 min, while the next try still starts within the hour.
      expect(gaps).toEqual([30, 60, 120, 240, 480, 600, 600, 600, 600]);
      const last = ofFirst.at(-1)!;
      expect(last).toMatchObject({ status: 'failed', attempts: 10 });
      expect(last.error).toMatchObject({ kind: 'transient', code: 'SlowDown' });
      // A failed hour is tried again by the schedule an hour later (and the connection is failing).
      const again = records.find((j) => j.hour === '2026-03-01T10' && j.id !== firstJob);
      expect(Date.parse(again!.createdAt) - Date.parse(last.finishedAt!)).toBe(HOUR);
      expect((await engine.call('schedule.status'))[0]).toMatchObject({
        state: 'failing',
        stopped: false,
      });
    } finally {
      await engine.close();
    }
  });

  it('jitters each delay between half and all of its step', () => {
    const policy = (r: number) => scheduleRetryPolicy({ accessTries: 5, random: () => r });
    const transient = { kind: 'transient' as const, code: 'x', message: 'x', fix: null };
    expect(policy(0)(transient, 1, 0)).toBe(15_000);
    expect(policy(1)(transient, 1, 0)).toBe(30_000);
    expect(policy(0.5)(transient, 3, 0)).toBe(90_000);
    expect(policy(1)(transient, 1, 60 * MIN - 10_000)).toBeNull();
  });

  it('fails an access error after the configured tries and stops the connection until retried', async () => {
    const aws = failingAws(() => awsError('AccessDenied', 403, 'Access Denied'));
    const { engine, clock, records, connectionId } = await scheduledEngine(
      await newDir(),
      '2026-03-01T10:05:00Z',
      { aws, connection: { destination: s3, schedule: { accessTries: 3 } } },
    );
    try {
      await engine.scheduler.start();
      await clock.advanceTo('2026-03-01T12:30:00Z');
      const hour10 = records.filter((j) => j.hour === '2026-03-01T10');
      expect(hour10.at(-1)).toMatchObject({ status: 'failed', attempts: 3 });
      // 4 and 8 minutes apart (no jitter at random = 1).
      const starts = hour10
        .filter((j) => j.status === 'running')
        .map((j) => Date.parse(j.updatedAt));
      expect(starts.slice(1).map((t, i) => (t - starts[i]!) / MIN)).toEqual([4, 8]);
      // Stopped: hour 11 became due at 12:00 but was not tried.
      expect(records.some((j) => j.hour === '2026-03-01T11')).toBe(false);
      const [status] = await engine.call('schedule.status');
      expect(status).toMatchObject({ state: 'failing', stopped: true });
      expect(status!.reason).toMatch(
        /2026-03-01 10:00 UTC \(events\) failed: Missing permission s3:ListBucket \(ListObjectsV2 .*Access Denied/,
      );

      // Retrying starts the queue again (it fails again here, but it tries).
      await engine.call('schedule.resume', { id: connectionId });
      await clock.advance(20 * MIN);
      expect(records.some((j) => j.hour === '2026-03-01T11')).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('is failing, with the permission and its fix, while an hour waits to retry after an access error', async () => {
    const aws = failingAws(() => awsError('AccessDenied', 403, 'Access Denied'));
    const { engine, clock, records } = await scheduledEngine(
      await newDir(),
      '2026-03-01T10:05:00Z',
      { aws, connection: { destination: s3, schedule: { accessTries: 5 } } },
    );
    try {
      await engine.scheduler.start();
      // 11:00 the hour is due; its first try is refused and it waits 4 minutes to try again.
      await clock.advanceTo('2026-03-01T11:01:00Z');
      expect(records.at(-1)).toMatchObject({ status: 'queued', attempts: 1 });
      const [status] = await engine.call('schedule.status');
      // Waiting out its pause, the hour holds no slot: it is not counted as running.
      expect(status).toMatchObject({ state: 'failing', stopped: false, running: 0, retrying: 1 });
      expect(status!.reason).toMatch(
        /^2026-03-01 10:00 UTC \(events\) is being retried after AWS refused it \(try 1 of 5\): Missing permission s3:ListBucket \(ListObjectsV2/,
      );
      expect(status!.fix).toMatch(/Grant s3:ListBucket /);
    } finally {
      await engine.close();
    }
  });

  it('is failing, with the cause, when a manual export of an old hour failed', async () => {
    const real = failingAws(() => awsError('AccessDenied', 403, 'Access Denied'));
    const { engine, clock, connectionId } = await scheduledEngine(
      await newDir(),
      '2026-03-01T10:05:00Z',
      { aws: real, connection: { destination: s3, schedule: { accessTries: 1 } } },
    );
    try {
      await engine.scheduler.start();
      // Enabled, never checked, nothing exported yet: not "Healthy" before anything proved it.
      expect((await engine.call('schedule.status'))[0]).toMatchObject({
        state: 'not-verified',
        reason: 'Access to s3://acme-export/ was never checked, and no hour has been exported yet.',
      });
      // A month older than the catch-up window: the schedule would never look at it.
      const flight = engine.scheduler.exportNow(connectionId, '2026-02-01T00');
      await clock.advance(MIN);
      expect((await flight.done).map((j) => j.status)).toEqual(['failed']);
      const [status] = await engine.call('schedule.status');
      expect(status).toMatchObject({ state: 'failing' });
      expect(status!.reason).toMatch(/^2026-02-01 00:00 UTC \(events\) failed: Missing permission/);
      expect(status!.fix).toMatch(/Grant /);
    } finally {
      await engine.close();
    }
  });

  it('re-runs a job that a crash left running', async () => {
    const dir = await newDir();
    const first = await scheduledEngine(dir, '2026-03-01T10:05:00Z');
    const { connectionId } = first;
    // As a crash leaves it: a job recorded running, never finished.
    await first.engine.jobs.put(
      jobRecord({
        id: 'j_crashed',
        connectionId,
        hour: '2026-03-01T09',
        status: 'running',
        createdAt: '2026-03-01T10:00:00.000Z',
        updatedAt: '2026-03-01T10:00:00.000Z',
        startedAt: '2026-03-01T10:00:00.000Z',
        finishedAt: null,
        durationMs: null,
        counts: null,
        bytes: null,
      }),
    );
    await first.engine.close();

    const clock = new FakeClock('2026-03-01T10:06:00Z');
    const engine = await createEngine({
      dataDir: dir,
      transport: 'cli',
      role: 'test',
      timers: clock,
      workers: 1,
    });
    try {
      await engine.scheduler.start();
      await engine.scheduler.idle();
      const jobs = await engine.call('jobs.list', {
        connectionId,
        hourFrom: '2026-03-01T09',
        hourTo: '2026-03-01T09',
      });
      expect(jobs.items.map((j) => j.status).sort()).toEqual(['cancelled', 'succeeded']);
      const rerun = jobs.items.find((j) => j.status === 'succeeded')!;
      expect(rerun.notes.join(' ')).toMatch(/Re-runs job j_crashed/);
      expect(jobs.items.find((j) => j.id === 'j_crashed')!.notes.join(' ')).toMatch(/Interrupted/);
    } finally {
      await engine.close();
    }
  });

  it('disabling mid-run lets the running job finish and starts nothing more', async () => {
    const { engine, clock, connectionId } = await scheduledEngine(
      await newDir(),
      '2026-03-01T00:30:00Z',
    );
    try {
      engine.scheduler.setConcurrency(1);
      await engine.scheduler.start();
      clock.sleep(6 * HOUR); // 6 hours due at once, one at a time
      let disabled = false;
      const off = engine.subscribe((event) => {
        if (!disabled && event.type === 'job.updated' && event.job.status === 'running') {
          disabled = true;
          void engine.call('connections.update', { id: connectionId, enabled: false });
        }
      });
      await engine.scheduler.wake();
      await clock.advance(0);
      off();
      const jobs = await engine.call('jobs.list', { connectionId });
      expect(jobs.items).toHaveLength(1);
      expect(jobs.items[0]!.status).toBe('succeeded');
      expect((await engine.call('schedule.status'))[0]!.state).toBe('disabled');
      // Enabling again catches up at once.
      await engine.call('connections.update', { id: connectionId, enabled: true });
      await clock.advance(0);
      expect(await exportedHours(engine, connectionId)).toHaveLength(6);
    } finally {
      await engine.close();
    }
  });

  it('runs one job per connection, dataset and hour, and backfills never duplicate queued work', async () => {
    const { engine, clock, connectionId } = await scheduledEngine(
      await newDir(),
      '2026-03-01T00:30:00Z',
    );
    try {
      engine.scheduler.setConcurrency(1);
      await engine.scheduler.start();
      clock.sleep(3 * HOUR);
      await engine.scheduler.wake(); // hours 00–02 queued by the schedule
      const preview = await engine.call('backfills.preview', {
        connectionId,
        from: '2026-03-01T00',
        to: '2026-03-01T02',
      });
      expect(preview.inFlight).toBe(3);
      const backfill = await engine.call('backfills.start', {
        connectionId,
        from: '2026-03-01T00',
        to: '2026-03-01T02',
      });
      await clock.advance(0);
      const jobs = await engine.call('jobs.list', { connectionId });
      expect(jobs.items).toHaveLength(3);
      expect((await engine.call('backfills.get', { id: backfill.id })).status).toBe('succeeded');
      await expect(
        engine.call('backfills.start', {
          connectionId,
          from: '2026-03-01T03',
          to: '2026-03-01T03',
        }),
      ).rejects.toThrow(/has not ended yet/);
      await expect(
        engine.call('backfills.start', {
          connectionId,
          from: '2026-03-01T02',
          to: '2026-03-01T01',
        }),
      ).rejects.toThrow(/must start before it ends/);
    } finally {
      await engine.close();
    }
  });
});
