import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../shared/model/jobs';
import { startAmplitudeServer, type Reply } from '../support/amplitude-server';
import { event, ndjson } from '../support/events';
import { runFerry } from '../support/ferry';
import { motoBucketFlags, startMoto, type Moto } from '../support/moto';
import { useTempDirs } from '../support/temp';
import { ferryOk, jobsOfHour, s3Hour, spawnFerry } from './support/harness';
import { startS3Gate, type S3Gate } from './support/s3-gate';

/**
 * Random faults, many times over: an Amplitude project exported to S3 through a gate, with a
 * random answer (good in two sizes, every line bad, "no data", a 500) and a random fault (Ctrl-C,
 * SIGTERM or SIGKILL at a random part or completion, a refused completion or deletion) on one of
 * three hours, so most runs replace an earlier export. After each, the next start recovers what
 * is left; then the hour must be exactly its previous export or a clean export of the answer —
 * the previous one when the answer may not replace it — and the history's latest successful job
 * must list exactly what is there. The seed is printed; FERRY_FAULT_SEED=<seed> replays a run.
 */
const ITERATIONS = Number(process.env.FERRY_FAULT_ITERATIONS ?? 50);
const SEED = Number(process.env.FERRY_FAULT_SEED ?? Date.now() % 2 ** 31);
const BUCKET = 'ferry-random-faults';
const HOURS = ['2020-01-25T05', '2020-01-25T06', '2020-01-25T07'];

const newDir = useTempDirs();
let moto: Moto;
let gate: S3Gate;
let s3: S3Client;
let amplitude: Awaited<ReturnType<typeof startAmplitudeServer>>;

beforeAll(async () => {
  moto = await startMoto();
  s3 = moto.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  gate = await startS3Gate(moto.endpoint);
  amplitude = await startAmplitudeServer([{ status: 500, body: 'not set' }]);
}, 60_000);
afterAll(async () => {
  await amplitude?.close();
  await gate?.close();
  await moto?.stop();
});

/** A small, fast, seeded random generator (mulberry32). */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!,
  };
}

interface Answer {
  name: string;
  reply: Reply;
  /** Whether this answer may replace an exported hour (else the hour must stay as it was). */
  replaces: boolean;
}

function answers(hour: string): Answer[] {
  const entry = `187520/187520_${hour.slice(0, 10)}_${Number(hour.slice(11))}#1.json.gz`;
  const events = (count: number, salt: number) =>
    ndjson(
      Array.from({ length: count }, (_, n) =>
        event(hour, n, { amplitude_id: 1000 + ((n * salt) % 13) }),
      ),
    );
  return [
    { name: 'good (900 events)', reply: { zip: { [entry]: events(900, 1) } }, replaces: true },
    { name: 'good (300 events)', reply: { zip: { [entry]: events(300, 3) } }, replaces: true },
    { name: 'every line bad', reply: { zip: { [entry]: 'not json\n{"a":\n' } }, replaces: false },
    {
      name: 'no data (404)',
      reply: { status: 404, body: 'Raw data files were not found.' },
      replaces: false,
    },
    { name: 'a 500', reply: { status: 500, body: 'Internal' }, replaces: false },
  ];
}

const FAULTS = [
  'none',
  'ctrl-c at a part',
  'sigterm at a part',
  'sigkill at a part',
  'sigkill at a completion',
  'completion refused (500)',
  'completion refused (403)',
  'deletion refused (500)',
] as const;
type Fault = (typeof FAULTS)[number];

describe('random faults', () => {
  it(`${ITERATIONS} exports with a random answer and a random fault each leave every hour whole, as the history says`, async () => {
    console.log(`random faults: seed ${SEED} (replay with FERRY_FAULT_SEED=${SEED})`);
    const rnd = random(SEED);
    const dataDir = await newDir();
    const env = {
      ...moto.env,
      FERRY_DATA_DIR: dataDir,
      AMP_SECRET: 'secret-1',
      // Waits between tries (of a 500, of a refused commit step) take an hour a second.
      FERRY_CLOCK_START: '2026-02-10T00:00:00Z',
      FERRY_CLOCK_SCALE: '3600',
    };
    // Each command starts its fast clock a day after the one before (none runs for 24 s).
    let runs = 0;
    const later = () => ({
      ...env,
      FERRY_CLOCK_START: new Date(
        Date.parse(env.FERRY_CLOCK_START) + ++runs * 86_400_000,
      ).toISOString(),
    });
    await ferryOk(['org', 'add', '--id', '123', '--name', 'Acme'], later());
    await ferryOk(
      ['project', 'add', '--id', '187520', '--org', '123', '--name', 'Web', '--source']
        .concat(['amplitude', '--api-key', 'key-1', '--amplitude-endpoint', amplitude.url])
        .concat(['--secret-key-env', 'AMP_SECRET']),
      later(),
    );
    const flags = (name: string, endpoint: string) => {
      const f = motoBucketFlags(moto, BUCKET, `${name}/`);
      f[f.indexOf('--endpoint') + 1] = endpoint;
      return ['connection', 'add', '--name', name, '--project', '187520', ...f].concat([
        '--partition-size',
        '48KiB',
        '--gzip-level',
        '1',
        '--datasets',
        'both',
      ]);
    };
    await ferryOk(flags('faulty', gate.endpoint), later());

    for (let i = 0; i < ITERATIONS; i++) {
      const hour = rnd.pick(HOURS);
      const answer = rnd.pick(answers(hour));
      const fault: Fault = rnd.pick(FAULTS);
      const at = rnd.int(4);
      const what = `seed ${SEED}, iteration ${i}: ${hour}, ${answer.name}, ${fault} (${at})`;
      const ofHour = (key: string) =>
        key
          .replace(/^_manifests\//, '')
          .includes(`_${hour.slice(0, 10)}_${Number(hour.slice(11))}`);
      const previous = await s3Hour(s3, BUCKET, 'faulty/', ofHour);
      amplitude.setReplies([answer.reply]);

      await exportWithFault(later(), hour, fault, at);
      gate.release();
      gate.allow('complete');
      gate.allow('delete');
      // The next start finishes or re-runs what the fault left (a commit, a stopped run).
      const recovered = await runFerry(['run', '--once'], later());
      expect([0, 1], `${what}\n${recovered.stdout}${recovered.stderr}`).toContain(recovered.code);

      const got = await s3Hour(s3, BUCKET, 'faulty/', ofHour);
      expect(got.pending, what).toBe(0);
      // A clean export of the same answer, from scratch, beside it.
      const ref = `ref${i}`;
      await ferryOk(flags(ref, moto.endpoint), later());
      await runFerry(['export', ref, '--hour', hour], later());
      const clean = await s3Hour(s3, BUCKET, `${ref}/`, ofHour);
      const allowed = answer.replaces ? [previous.objects, clean.objects] : [previous.objects];
      expect(allowed, what).toContainEqual(got.objects);

      // The history says which: the latest successful job of each dataset lists what is there.
      const jobs = await jobsOfHour(env, 'faulty', hour);
      const latest = new Map<string, Job>();
      for (const job of jobs)
        if (job.status === 'succeeded' && !latest.has(job.dataset)) latest.set(job.dataset, job);
      const recorded: Record<string, string> = {};
      let events = 0;
      for (const job of latest.values()) {
        for (const o of job.objects) recorded[o.key.slice('faulty/'.length)] = o.sha256;
        if (job.dataset === 'events') events += job.counts?.eventsOut ?? 0;
      }
      const data = Object.fromEntries(
        Object.entries(got.objects).filter(([key]) => !key.startsWith('_manifests/')),
      );
      expect(recorded, what).toEqual(data);
      const eventLines = await s3Hour(
        s3,
        BUCKET,
        'faulty/',
        (k) => ofHour(k) && !k.startsWith('-'),
      );
      expect(eventLines.lines, what).toBe(events);
      expect(
        jobs.filter((j) => j.status === 'running' || j.status === 'queued'),
        what,
      ).toEqual([]);
    }
  }, 1_200_000);
});

/** `ferry export` of the hour with the fault applied at the `at`-th part or completion. */
async function exportWithFault(
  env: Record<string, string>,
  hour: string,
  fault: Fault,
  at: number,
): Promise<void> {
  if (fault.startsWith('completion refused'))
    gate.refuse(
      'complete',
      fault.endsWith('(403)') ? 403 : 500,
      fault.endsWith('(403)') ? 'AccessDenied' : 'InternalError',
      at,
    );
  if (fault === 'deletion refused (500)') gate.refuse('delete', 500, 'InternalError');
  const held = fault.endsWith('at a part')
    ? gate.holdPartsAfter(at)
    : fault === 'sigkill at a completion'
      ? gate.holdCompletesAfter(at)
      : null;
  const running = spawnFerry(['export', 'faulty', '--hour', hour], env);
  if (!held) {
    await running.exited;
    return;
  }
  // The export reached the point (it holds there), or ended before it: either is a run.
  const reached = await Promise.race([held.then(() => true), running.exited.then(() => false)]);
  if (reached) {
    const signal = fault.startsWith('ctrl-c')
      ? 'SIGINT'
      : fault.startsWith('sigterm')
        ? 'SIGTERM'
        : 'SIGKILL';
    running.child.kill(signal);
    // A stop lets running parts finish: release them so it can.
    if (signal !== 'SIGKILL') gate.release();
  }
  await running.exited;
}
