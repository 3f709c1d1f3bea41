import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import zlib from 'node:zlib';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../electron/engine/aws/clients';
import type { Dataset } from '../../shared/model/fields';
import { EVENT_FIELDS } from '../../shared/model/export-format';
import { runBackfill } from '../support/engine';
import { event, expectNdjson, ndjson } from '../support/events';
import { listObjects, pendingUploads, startMoto, TEST_PROFILE, type Moto } from '../support/moto';
import {
  addFilesProject,
  engineWithS3Connection,
  openS3Engine,
  ORG,
  PROJECT,
} from '../support/s3-engine';
import { useTempDirs } from '../support/temp';

const newDir = useTempDirs();
const BUCKET = 'ferry-int-exports';
const HOUR = '2020-01-25T05';
let moto: Moto;
let s3: S3Client;
const savedEnv = { ...process.env };

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, moto.env);
  s3 = moto.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await moto?.stop();
});

const objects = (prefix: string) => listObjects(s3, BUCKET, prefix);

const openEngine = openS3Engine;
const addProject = addFilesProject;

/** An engine with one files project and one S3 connection to moto under `prefix`. */
const setup = async (
  prefix: string,
  sourceFolder: string,
  extra: Parameters<typeof engineWithS3Connection>[3] = {},
) =>
  engineWithS3Connection(
    { endpoint: moto.endpoint, bucket: BUCKET, dataDir: await newDir() },
    prefix,
    sourceFolder,
    { options: { partitionBytes: 60_000 }, ...extra },
  );

describe('exporting to S3 (moto_server)', () => {
  it('writes exact keys, parseable gzip NDJSON with every field, no duplicate ids, and counts that match the bucket', async () => {
    const source = await newDir();
    const events = Array.from({ length: 400 }, (_, n) => event(HOUR, n));
    await writeFile(
      join(source, 'hour.ndjson'),
      ndjson([...events, events[10]!, events[200]!, events[399]!, events[0]!]),
    );
    const { engine, connection } = await setup('exports/', source);
    try {
      const job = (await engine.exports.runHour(connection.id, HOUR, ['events'], 'manual'))[0]!;
      expect(job.status).toBe('succeeded');
      expect(job.counts).toMatchObject({
        eventsIn: 404,
        eventsOut: 400,
        duplicates: 4,
        badLines: 0,
      });

      const stored = await objects('exports/');
      expect(stored.length).toBeGreaterThanOrEqual(3);
      expect(stored.map((o) => o.key)).toEqual(
        stored.map((_, i) => `exports/${PROJECT}_2020-01-25_5#${i + 1}.json.gz`),
      );
      expect(job.objects.map((o) => o.key)).toEqual(stored.map((o) => o.key));

      const ids = new Set<unknown>();
      let lines = 0;
      for (const [i, object] of stored.entries()) {
        expect(createHash('sha256').update(object.body).digest('hex')).toBe(job.objects[i]!.sha256);
        expect(object.etag).toBe(job.objects[i]!.etag);
        const text = zlib.gunzipSync(object.body).toString('utf8');
        expectNdjson(text);
        for (const line of text.split('\n').filter(Boolean)) {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          for (const field of EVENT_FIELDS) expect(parsed).toHaveProperty(field);
          expect(ids.has(parsed.$insert_id)).toBe(false);
          ids.add(parsed.$insert_id);
          lines++;
        }
      }
      expect(lines).toBe(job.counts!.eventsOut);
      expect(job.objects.reduce((n, o) => n + o.events, 0)).toBe(lines);
    } finally {
      await engine.close();
    }
  });

  it('leaves no stale partition when an hour is re-exported smaller, and an overlapping backfill leaves identical objects', async () => {
    const source = await newDir();
    const full = ndjson(Array.from({ length: 400 }, (_, n) => event(HOUR, n)));
    await writeFile(join(source, 'hour.ndjson'), full);
    const { engine, connection } = await setup('rerun/', source);
    try {
      await engine.exports.runHour(connection.id, HOUR, ['events'], 'manual');
      const first = await objects('rerun/');
      expect(first.length).toBeGreaterThanOrEqual(3);

      await writeFile(
        join(source, 'hour.ndjson'),
        ndjson(Array.from({ length: 30 }, (_, n) => event(HOUR, n))),
      );
      const smaller = (await engine.exports.runHour(connection.id, HOUR, ['events'], 'manual'))[0]!;
      expect(smaller.removed).toHaveLength(first.length - 1);
      expect((await objects('rerun/')).map((o) => o.key)).toEqual([
        `rerun/${PROJECT}_2020-01-25_5#1.json.gz`,
      ]);

      await writeFile(join(source, 'hour.ndjson'), full);
      await engine.exports.runHour(connection.id, HOUR, ['events'], 'manual');
      const backfill = await runBackfill(engine, {
        connectionId: connection.id,
        from: '2020-01-25T04',
        to: '2020-01-25T06',
      });
      expect(backfill).toMatchObject({ status: 'succeeded', succeeded: 3, total: 3 });
      const after = await objects('rerun/');
      expect(after.map((o) => [o.key, createHash('sha256').update(o.body).digest('hex')])).toEqual(
        first.map((o) => [o.key, createHash('sha256').update(o.body).digest('hex')]),
      );

      // The console and the CLI ask the same API method.
      const range = { connectionId: connection.name, from: '2020-01-25T04', to: '2020-01-25T06' };
      const report = await engine.call('jobs.reconcile', range);
      expect(report).toMatchObject({ missing: [], extra: [], changed: [], matching: first.length });
      expect(report.connectionName).toBe(connection.name); // the CLI prints it, no second call
      expect(report.notExported).toEqual([]); // 04 and 06 were exported too: empty hours, no files

      // A deleted object, a rewritten one and a stray one are each named.
      const [gone, rewritten] = first.map((o) => o.key);
      await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: gone }));
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: rewritten, Body: 'not gzip' }));
      const stray = `rerun/${PROJECT}_2020-01-25_5#${first.length + 1}.json.gz`;
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: stray, Body: 'stray' }));
      const differences = await engine.call('jobs.reconcile', range);
      expect(differences.missing.map((i) => i.key)).toEqual([gone]);
      expect(differences.changed.map((i) => i.key)).toEqual([rewritten]);
      expect(differences.extra.map((i) => i.key)).toEqual([stray]);
      expect(differences.matching).toBe(first.length - 2);
    } finally {
      await engine.close();
    }
  });

  it('aborts a multipart upload that fails, leaving no parts behind, and records an error with a fix', async () => {
    const source = await newDir();
    // Enough incompressible data for a multipart upload of several 5 MiB parts.
    const big = Array.from({ length: 30_000 }, (_, n) =>
      event(HOUR, n, { blob: randomBytes(800).toString('hex') }),
    );
    await writeFile(join(source, 'hour.ndjson'), ndjson(big));
    const aws = createAwsClients();
    const failing = {
      s3: async (dest: Parameters<typeof aws.s3>[0]) => {
        const client = await aws.s3(dest);
        if (!client.middlewareStack.identify().some((m) => m.startsWith('fail-second-part')))
          client.middlewareStack.add(
            (next, context) => async (args) => {
              const input = args.input as { PartNumber?: number };
              if (context.commandName === 'UploadPartCommand' && input.PartNumber === 2)
                throw Object.assign(
                  new Error('We encountered an internal error. Please try again.'),
                  { name: 'InternalError', $metadata: { httpStatusCode: 500 } },
                );
              return next(args);
            },
            { step: 'initialize', name: 'fail-second-part' },
          );
        return client;
      },
      setup: aws.setup,
      reset: aws.reset,
    };
    const { engine, connection } = await setup('fails/', source, {
      aws: failing,
      attempts: 2,
      options: { gzipLevel: 1 },
    });
    try {
      const job = (await engine.exports.runHour(connection.id, HOUR, ['events'], 'manual'))[0]!;
      expect(job).toMatchObject({ status: 'failed', attempts: 2, error: { kind: 'transient' } });
      expect(job.error!.fix).toMatch(/retries/);
      expect(await pendingUploads(s3, BUCKET, 'fails/')).toBe(0);
      expect(await objects('fails/')).toEqual([]);
    } finally {
      await engine.close();
    }
  });

  it("sweeps uploads a killed run left under the connection's keys, and nobody else's", async () => {
    const source = await newDir();
    await writeFile(join(source, 'hour.ndjson'), ndjson([event(HOUR, 1)]));
    const { engine, connection } = await setup('sweep/', source);
    try {
      const leftover = await s3.send(
        new CreateMultipartUploadCommand({
          Bucket: BUCKET,
          Key: `sweep/${PROJECT}_2020-01-24_3#1.json.gz`,
        }),
      );
      const someoneElses = await s3.send(
        new CreateMultipartUploadCommand({
          Bucket: BUCKET,
          Key: 'sweep/999_2020-01-24_3#1.json.gz',
        }),
      );
      // Team mode: an hour in the queue is a worker's to write, its uploads not leftovers —
      // its event partitions and its merged-ID file alike.
      const workers = await Promise.all(
        [`sweep/${PROJECT}_2020-01-24_4#1.json.gz`, `sweep/-${ORG}_2020-01-24_4.json.gz`].map(
          (Key) => s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key })),
        ),
      );
      expect(leftover.UploadId && someoneElses.UploadId && workers[1]!.UploadId).toBeTruthy();
      // At start only uploads older than the process are swept; here everything is "older".
      const startedBefore = new Date(Date.now() + 60_000);
      const said = await engine.exports.sweepLeftovers({
        startedBefore,
        busyHours: (connectionId) =>
          Promise.resolve(connectionId === connection.id ? ['2020-01-24T04'] : []),
      });
      expect(said).toEqual([
        expect.stringMatching(
          /^Aborted 1 unfinished upload an interrupted run left in s3:\/\/.*\/sweep\//,
        ),
      ]);
      expect(await pendingUploads(s3, BUCKET, `sweep/${PROJECT}_2020-01-24_3#`)).toBe(0);
      expect(await pendingUploads(s3, BUCKET, `sweep/${PROJECT}_2020-01-24_4#`)).toBe(1);
      expect(await pendingUploads(s3, BUCKET, `sweep/-${ORG}_`)).toBe(1);
      expect(await pendingUploads(s3, BUCKET, 'sweep/999_')).toBe(1);
      // Nothing left: nothing said. Once the hour has ended, its uploads are leftovers too.
      expect(await engine.exports.sweepLeftovers({ startedBefore })).toEqual([
        expect.stringMatching(/^Aborted 2 unfinished uploads /),
      ]);
      expect(await engine.exports.sweepLeftovers({ startedBefore })).toEqual([]);
    } finally {
      await engine.close();
    }
  });

  it('writes a manifest listing exactly the hour’s objects, both datasets, every time (20 runs)', async () => {
    const source = await newDir();
    // Users seen with two amplitude_ids: the hour has merges as well as events.
    const events = Array.from({ length: 300 }, (_, n) =>
      event(HOUR, n, { user_id: `user-${n % 40}`, amplitude_id: 1000 + (n % 80) }),
    );
    await writeFile(join(source, 'hour.ndjson'), ndjson(events));
    const { engine, connection } = await setup('manifest/', source, {
      datasets: ['events', 'merged-ids'],
      options: { partitionBytes: 40_000, manifest: true },
    });
    try {
      const runs: Dataset[][] = [['events', 'merged-ids'], ['events'], ['merged-ids']];
      for (let run = 0; run < 20; run++) {
        const jobs = await engine.exports.runHour(
          connection.id,
          HOUR,
          runs[run % runs.length]!,
          'manual',
        );
        expect(jobs.every((j) => j.status === 'succeeded')).toBe(true);
        const stored = (await objects('manifest/')).filter((o) => !o.key.includes('_manifests/'));
        const [manifest] = (await objects('manifest/_manifests/')).map(
          (o) =>
            JSON.parse(o.body.toString()) as {
              objects: { key: string; sha256: string; dataset: string }[];
            },
        );
        expect(
          manifest!.objects.map((o) => [o.key, o.sha256, o.dataset]).sort(),
          `run ${run + 1}`,
        ).toEqual(
          stored
            .map((o) => [
              o.key,
              createHash('sha256').update(o.body).digest('hex'),
              o.key.includes('/-123_') ? 'merged-ids' : 'events',
            ])
            .sort(),
        );
        expect(new Set(manifest!.objects.map((o) => o.dataset))).toEqual(
          new Set(['events', 'merged-ids']),
        );
      }
    } finally {
      await engine.close();
    }
  });

  // An endpoint with a path is put before every bucket and key: `…/sub` sent the bucket's objects
  // to the bucket "sub", under "<bucket>/…" — not where Ferry says they are.
  it('refuses an endpoint with a path, and never writes through one saved before', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'sub' }));
    const source = await newDir();
    await writeFile(join(source, 'hour.ndjson'), ndjson([event(HOUR, 1), event(HOUR, 2)]));
    const dataDir = await newDir();
    let engine = await openEngine(dataDir);
    await addProject(engine, source);
    const destination = {
      type: 's3' as const,
      bucket: BUCKET,
      region: 'us-east-1',
      prefix: 'pathless/',
      profile: TEST_PROFILE,
      endpoint: `${moto.endpoint}/sub`,
      forcePathStyle: true,
    };
    await expect(
      engine.call('connections.create', { name: 'sub', projectId: PROJECT, destination }),
    ).rejects.toMatchObject({
      code: 'validation',
      field: 'destination.endpoint',
      message: `Enter the endpoint without a path, such as ${moto.endpoint}: the bucket and prefix have fields of their own, and a path here would put the files in another bucket, or under other names, than the connection shows`,
    });
    const saved = await engine.call('connections.create', {
      name: 'sub',
      projectId: PROJECT,
      destination: { ...destination, endpoint: moto.endpoint },
    });
    await engine.close();

    // A data folder saved before endpoints were checked: the path is in config.json.
    const config = join(dataDir, 'config.json');
    const text = await readFile(config, 'utf8');
    await writeFile(config, text.replace(`"${moto.endpoint}"`, `"${moto.endpoint}/sub"`));
    engine = await openEngine(dataDir);
    try {
      const job = (await engine.exports.runHour(saved.id, HOUR, ['events'], 'manual'))[0]!;
      expect(job).toMatchObject({
        status: 'failed',
        error: { kind: 'config', code: 'invalid-setting' },
      });
      expect(job.error!.message).toMatch(/^Enter the endpoint without a path/);
      expect(await listObjects(s3, 'sub', '')).toEqual([]);
      expect(await objects('pathless/')).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});
