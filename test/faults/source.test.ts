import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backfill, Job } from '../../shared/model/jobs';
import { plural } from '../../shared/format';
import { startAmplitudeServer, type Reply } from '../support/amplitude-server';
import { event, ndjson } from '../support/events';
import { FERRY_BIN, runFerry } from '../support/ferry';
import { useTempDirs } from '../support/temp';
import { expectHistoryMatches, ferryOk, folderHour, jobsOfHour } from './support/harness';

const newDir = useTempDirs();
const HOUR = '2020-01-25T05';
let closeServer: (() => Promise<void>) | null = null;
afterEach(async () => {
  await closeServer?.();
  closeServer = null;
});

/** Five files of 100 events each in the hour's zip: five or six partitions at 120 KiB. */
const fiveFiles = (hour: string): Record<string, string> =>
  Object.fromEntries(
    [1, 2, 3, 4, 5].map((f) => [
      `187520/187520_${hour.slice(0, 10)}_${Number(hour.slice(11))}#${f}.json.gz`,
      ndjson(Array.from({ length: 100 }, (_, n) => event(hour, f * 1000 + n))),
    ]),
  );
const good = (hour = HOUR): Reply => ({ zip: fiveFiles(hour) });

/**
 * An Amplitude project behind the stand-in server, exported to a folder. Commands run on a
 * clock 3,600 times faster, so a retry's 30 s wait takes a moment — the order and outcome of
 * each try are the same as on a real clock.
 */
async function setup(replies: Reply[]) {
  const server = await startAmplitudeServer(replies);
  closeServer = server.close;
  const dataDir = await newDir();
  const out = await newDir();
  const env = {
    FERRY_DATA_DIR: dataDir,
    FERRY_CLOCK_START: '2026-02-10T00:00:00Z',
    FERRY_CLOCK_SCALE: '3600',
    AMP_SECRET: 'secret-1',
  };
  await ferryOk(['org', 'add', '--id', '123', '--name', 'Acme'], env);
  await ferryOk(
    ['project', 'add', '--id', '187520', '--org', '123', '--name', 'Web', '--source', 'amplitude']
      .concat(['--api-key', 'key-1', '--amplitude-endpoint', server.url])
      .concat(['--secret-key-env', 'AMP_SECRET']),
    env,
  );
  await ferryOk(
    ['connection', 'add', '--name', 'amp', '--project', '187520', '--folder', out].concat([
      '--partition-size',
      '120KiB',
      '--settle-minutes',
      '0',
    ]),
    env,
  );
  // Each command starts its fast clock an hour after the one before, as successive runs would.
  let runs = 0;
  const later = () => ({
    ...env,
    FERRY_CLOCK_START: new Date(
      Date.parse(env.FERRY_CLOCK_START) + ++runs * 3_600_000,
    ).toISOString(),
  });
  return {
    server,
    env,
    dataDir,
    out,
    later,
    exportHour: (hour = HOUR, ...flags: string[]) =>
      runFerry(['export', 'amp', '--hour', hour, ...flags], later()),
    latest: async (hour = HOUR) => (await jobsOfHour(env, 'amp', hour))[0]!,
  };
}

describe('faults at the source', () => {
  it('a damaged file after partition 3 of 5 leaves the earlier export of the hour as it was', async () => {
    const t = await setup([good()]);
    expect((await t.exportHour()).code).toBe(0);
    const before = await folderHour(t.out);
    expect(Object.keys(before.objects).length).toBeGreaterThanOrEqual(5);

    const damagedName = Object.keys(fiveFiles(HOUR))[3]!;
    t.server.setReplies([{ zip: fiveFiles(HOUR), damage: damagedName }]);
    const failed = await t.exportHour();
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`damaged part: the file ${damagedName}`);
    expect(failed.stdout).toMatch(/fix: Ferry downloads a damaged hour once more/);
    // Downloaded once more (a download can be damaged on the way), then given up.
    expect(t.server.requests).toHaveLength(3);
    expect(await t.latest()).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { kind: 'source', code: 'corrupt' },
    });

    const after = await folderHour(t.out);
    expect(after).toEqual(before);
    expect(after.temps).toEqual([]);
    const succeeded = (await jobsOfHour(t.env, 'amp', HOUR)).filter(
      (j) => j.status === 'succeeded',
    );
    expectHistoryMatches(succeeded, after.objects, '', after.lines);
  });

  it('a 404 from a mistyped endpoint, or an empty answer, never empties an exported hour', async () => {
    const t = await setup([good()]);
    expect((await t.exportHour()).code).toBe(0);
    const before = await folderHour(t.out);

    await ferryOk(
      ['project', 'update', '187520', '--amplitude-endpoint', `${t.server.url}/typo`],
      t.env,
    );
    const typo = await t.exportHour();
    expect(typo.code).toBe(1);
    expect(typo.stdout).toMatch(
      /answered HTTP 404 for 2020-01-25 05:00 UTC without saying the hour has no data/,
    );
    expect(typo.stdout).toMatch(/fix: Check the project's Amplitude endpoint/);
    expect(await folderHour(t.out)).toEqual(before);

    // Amplitude's own "no data" answer for an hour that was exported with events: refused too.
    await ferryOk(['project', 'update', '187520', '--amplitude-endpoint', t.server.url], t.env);
    t.server.setReplies([{ status: 404, body: 'Raw data files were not found.' }]);
    const empty = await t.exportHour();
    expect(empty.code).toBe(1);
    expect(empty.stdout).toContain(
      `The source has nothing for 2020-01-25 05:00 UTC (events), but an earlier export of this hour wrote ${plural(Object.keys(before.objects).length, 'file')}`,
    );
    expect(await t.latest()).toMatchObject({ status: 'failed', error: { code: 'empty-answer' } });
    expect(await folderHour(t.out)).toEqual(before);

    // …while an hour never exported is simply empty, said in a note.
    const fresh = await t.exportHour('2020-01-25T06');
    expect(fresh.code).toBe(0);
    expect(await t.latest('2020-01-25T06')).toMatchObject({
      status: 'succeeded',
      objects: [],
      notes: ['The source has no events for this hour, so no file was written.'],
    });
  });

  it("another project's keys, or an answer that is not a zip, fail the hour and change nothing", async () => {
    const t = await setup([good()]);
    expect((await t.exportHour()).code).toBe(0);
    const before = await folderHour(t.out);

    // Keys pasted from another Amplitude project: its events name it as `app`.
    const theirs = (n: number) => ({ ...event(HOUR, n), app: 424242 });
    t.server.setReplies([
      { zip: { '424242/424242_2020-01-25_5#0.json.gz': ndjson([theirs(1), theirs(2)]) } },
    ]);
    const wrong = await t.exportHour();
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain(
      'Amplitude answered 2020-01-25 05:00 UTC with events of project 424242, not 187520',
    );
    expect(await t.latest()).toMatchObject({ status: 'failed', error: { code: 'wrong-project' } });
    expect(await folderHour(t.out)).toEqual(before);
    // …and on a fresh hour nothing is written either (not "succeeded" with their events).
    const fresh = await t.exportHour('2020-01-25T06');
    expect(fresh.code).toBe(1);
    expect(await t.latest('2020-01-25T06')).toMatchObject({
      status: 'failed',
      error: { code: 'wrong-project' },
    });
    expect(await folderHour(t.out)).toEqual(before);

    // A sign-in page answered with 200: said as that, and the hour is kept as it was.
    t.server.setReplies([
      { status: 200, contentType: 'text/html', body: '<html><h1>Sign in to the proxy</h1></html>' },
    ]);
    const portal = await t.exportHour();
    expect(portal.code).toBe(1);
    expect(portal.stdout).toContain('is not a zip of events; it begins: "Sign in to the proxy"');
    expect(await t.latest()).toMatchObject({ status: 'failed', error: { code: 'not-a-zip' } });
    expect(await folderHour(t.out)).toEqual(before);
  });

  it('an answer holding only other hours is not an empty hour: refused, nothing written', async () => {
    // A proxy or cache answering for the next hour: 500 events, none of 05:00.
    const t = await setup([{ zip: fiveFiles('2020-01-25T06') }]);
    const fresh = await t.exportHour();
    expect(fresh.code).toBe(1);
    expect(fresh.stdout).toContain(
      "The source's answer for 2020-01-25 05:00 UTC (events) holds 500 records, none of that hour",
    );
    expect(await t.latest()).toMatchObject({
      status: 'failed',
      error: { code: 'other-hours-answer' },
      objects: [],
    });
    expect((await folderHour(t.out)).objects).toEqual({});

    // Mostly the hour's own, two of the next: the hour is exported, and the two are said.
    const next = '2020-01-25T06';
    t.server.setReplies([
      {
        zip: {
          ...fiveFiles(HOUR),
          '187520/187520_2020-01-25_5#9.json.gz': ndjson([event(next, 1), event(next, 2)]),
        },
      },
    ]);
    expect((await t.exportHour()).code).toBe(0);
    expect(await t.latest()).toMatchObject({
      status: 'succeeded',
      counts: { eventsIn: 500, eventsOut: 500 },
      notes: [
        '2 events in the answer have a server_upload_time outside this hour and were left out: Ferry exports each event in the hour of its server_upload_time.',
      ],
    });
  });

  it('a download a kill -9 left (raw events) is removed by the next download', async () => {
    const t = await setup([{ zip: fiveFiles(HOUR), stall: 1_000 }]);
    const cache = join(t.dataDir, 'cache');
    const downloads = async () =>
      (await readdir(cache).catch(() => [] as string[])).filter((n) => n.startsWith('amplitude-'));
    const child = spawn(process.execPath, [FERRY_BIN, 'export', 'amp', '--hour', HOUR], {
      env: { ...process.env, FERRY_DEBUG: '', FERRY_DEMO: '0', ...t.later() },
      stdio: 'ignore',
    });
    const exited = new Promise((done) => child.once('exit', done));
    // Held mid-download by the stalling answer: the zip so far is on disk.
    while ((await downloads()).length === 0) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    const left = await downloads();
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(new RegExp(`^amplitude-${HOUR}\\.${child.pid}@`));

    t.server.setReplies([good()]);
    const next = await t.exportHour();
    expect(next.code, next.stdout).toBe(0);
    expect(await downloads()).toEqual([]);
  });

  it('an answer with unreadable lines never shrinks an exported hour, events or merged IDs', async () => {
    // Users seen with several Amplitude IDs: the hour has merged IDs too.
    const events = (hour: string, drop = 0) =>
      Array.from({ length: 500 - drop }, (_, n) =>
        event(hour, n, { amplitude_id: 1000 + (n % 11) }),
      );
    const entry = `187520/187520_2020-01-25_5#1.json.gz`;
    const t = await setup([{ zip: { [entry]: ndjson(events(HOUR)) } }]);
    await ferryOk(['connection', 'update', 'amp', '--datasets', 'both'], t.env);
    expect((await t.exportHour()).code).toBe(0);
    const before = await folderHour(t.out);
    expect(Object.keys(before.objects)).toContain('-123_2020-01-25_5.json.gz');
    expect(Object.keys(before.objects).length).toBeGreaterThan(5);

    // Every line bad JSON or without server_upload_time: nothing proves the hour is empty.
    const { server_upload_time: _, ...hourless } = event(HOUR, 1);
    t.server.setReplies([
      { zip: { [entry]: `{"event_type":"x",\nnot json\n${JSON.stringify(hourless)}\n` } },
    ]);
    const unreadable = await t.exportHour();
    expect(unreadable.code).toBe(1);
    expect(unreadable.stdout).toMatch(/has no readable line: 3 bad lines/);
    const jobs = await jobsOfHour(t.env, 'amp', HOUR);
    expect(
      jobs
        .slice(0, 2)
        .map((j) => [j.dataset, j.status, j.error?.code])
        .sort(),
    ).toEqual([
      ['events', 'failed', 'unreadable-answer'],
      ['merged-ids', 'failed', 'unreadable-answer'],
    ]);
    expect(await folderHour(t.out)).toEqual(before);

    // 20 events fewer and two bad lines: not the source's word that the hour shrank.
    t.server.setReplies([{ zip: { [entry]: `${ndjson(events(HOUR, 20))}not json\n{"a":\n` } }]);
    const partly = await t.exportHour();
    expect(partly.code).toBe(1);
    expect(partly.stdout).toMatch(/would replace an export of 500 with 480/);
    expect(await t.latest()).toMatchObject({
      status: 'failed',
      error: { kind: 'source', code: 'shrink-unproven' },
    });
    expect(await folderHour(t.out)).toEqual(before);

    // Every event there and one bad line: nothing shrinks, so the hour is exported (same bytes).
    t.server.setReplies([{ zip: { [entry]: `${ndjson(events(HOUR))}not json\n` } }]);
    const whole = await t.exportHour();
    expect(whole.code, whole.stdout).toBe(0);
    expect(await folderHour(t.out)).toEqual(before);

    // An hour never exported whose answer is all bad lines is not "exported, no data".
    t.server.setReplies([{ zip: { '187520/x.json.gz': 'not json\n' } }]);
    const fresh = await t.exportHour('2020-01-25T06');
    expect(fresh.code).toBe(1);
    expect(await t.latest('2020-01-25T06')).toMatchObject({
      status: 'failed',
      error: { code: 'unreadable-answer' },
    });
  });

  it('ferry export: 0 on success, 1 for a permanent failure, 0 when a retry recovers, 1 when none does', async () => {
    const t = await setup([good()]);
    expect((await t.exportHour()).code).toBe(0);

    t.server.setReplies([{ status: 400, body: 'Raw data response exceeds 4GB size limit' }]);
    const tooLarge = await t.exportHour('2020-01-25T07');
    expect(tooLarge.code).toBe(1);
    expect(tooLarge.stdout).toMatch(/over the Export API's 4 GB limit/);
    expect(tooLarge.stdout).toMatch(/Amazon S3 export/);
    expect(t.server.requests).toHaveLength(2); // not retried

    t.server.setReplies([{ status: 504, body: 'Gateway Timeout' }, good('2020-01-25T08')]);
    const recovers = await t.exportHour('2020-01-25T08');
    expect(recovers.code, recovers.stdout).toBe(0);
    expect(recovers.stdout).toMatch(
      /2020-01-25T08 events try 1 failed; retrying in \d+ s: Amplitude's export API answered HTTP 504 \(gateway timeout\)/,
    );
    expect(recovers.stdout).toMatch(/1 of 1 job succeeded/);
    expect(await t.latest('2020-01-25T08')).toMatchObject({ status: 'succeeded', attempts: 2 });

    t.server.setReplies([{ status: 504, body: 'Gateway Timeout' }]);
    const never = await t.exportHour('2020-01-25T09');
    expect(never.code).toBe(1);
    const gaveUp = await t.latest('2020-01-25T09');
    expect(gaveUp).toMatchObject({
      status: 'failed',
      error: { kind: 'transient', code: 'http-504' },
    });
    // Retried while the hour's budget lasted; how many times depends on how long each try took
    // (on this fast clock a slow machine spends the budget sooner), so: at least once, and one
    // "retrying in" line per retry.
    expect(gaveUp.attempts).toBeGreaterThanOrEqual(2);
    expect((never.stdout.match(/retrying in/g) ?? []).length).toBe(gaveUp.attempts - 1);

    t.server.setReplies([{ zip: fiveFiles('2020-01-25T10'), truncate: 200 }]);
    const truncated = await t.exportHour('2020-01-25T10');
    expect(truncated.code).toBe(1);
    expect(truncated.stdout).toMatch(/damaged part: the downloaded zip/);
    expect(await t.latest('2020-01-25T10')).toMatchObject({ status: 'failed', attempts: 2 });
    expect((await folderHour(t.out)).temps).toEqual([]);
  });

  it('both datasets of an hour come from one download', async () => {
    const t = await setup([good()]);
    await ferryOk(['connection', 'update', 'amp', '--datasets', 'both'], t.env);
    const both = await t.exportHour();
    expect(both.code, both.stdout).toBe(0);
    expect(both.stdout).toMatch(/2 of 2 jobs succeeded/);
    expect(t.server.requests).toHaveLength(1);
  });

  it('ferry backfill: one engine with the console — listed, exit 0 when all succeed, 1 when one fails', async () => {
    const t = await setup([good('2020-01-25T05'), good('2020-01-25T06')]);
    const ok = await runFerry(
      ['backfill', 'amp', '--from', '2020-01-25T05', '--to', '2020-01-25T06', '--concurrency', '1'],
      t.later(),
    );
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/2 of 2 jobs succeeded/);

    t.server.setReplies([
      good('2020-01-25T07'),
      { status: 401, body: 'Invalid API key' },
      good('2020-01-25T09'),
    ]);
    const one = await runFerry(
      [
        '--json',
        'backfill',
        'amp',
        '--from',
        '2020-01-25T07',
        '--to',
        '2020-01-25T09',
        '--concurrency',
        '1',
      ],
      t.env,
    );
    expect(one.code).toBe(1);
    const summary = JSON.parse(one.stdout) as { backfill: Backfill; problems: Job[] };
    expect(summary.backfill).toMatchObject({ status: 'failed', total: 3, succeeded: 2, failed: 1 });

    // Both are the console's backfills: listed, with their outcome.
    const listed = await runFerry(['--json', 'backfills', 'amp'], t.env);
    const backfills = JSON.parse(listed.stdout) as Backfill[];
    expect(backfills.map((b) => [b.from, b.to, b.status])).toEqual([
      ['2020-01-25T07', '2020-01-25T09', 'failed'],
      ['2020-01-25T05', '2020-01-25T06', 'succeeded'],
    ]);
  });
});
