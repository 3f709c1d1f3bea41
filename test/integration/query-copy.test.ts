import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import {
  queryEventObjectKey,
  queryMarkerPrefix,
  queryMergedIdsObjectKey,
} from '../../shared/model/query-format';
import { event, ndjson } from '../support/events';
import { listObjects, pendingUploads } from '../support/moto';
import {
  addFilesProject,
  engineWithS3Connection,
  openS3Engine,
  ORG,
  PROJECT,
} from '../support/s3-engine';
import { useTempDirs } from '../support/temp';
import { useMotoBucket } from '../support/moto-bucket';

const newDir = useTempDirs();
const BUCKET = 'ferry-query-copy';
const HOUR = '2020-01-25T05';
const aws = useMotoBucket(BUCKET);

const sha = (body: Buffer) => createHash('sha256').update(body).digest('hex');

/** An engine with a files project reading `source` and an S3 connection with the query copy. */
const setup = async (prefix: string, source: string, kmsKeyArn: string | null = null) =>
  engineWithS3Connection(
    { endpoint: aws.moto.endpoint, bucket: BUCKET, dataDir: await newDir() },
    prefix,
    source,
    {
      options: { queryCopy: true },
      encryption: kmsKeyArn ? { sse: 'aws:kms', kmsKeyArn } : {},
    },
  );

/** The copy's rows as DuckDB reads the objects under `prefix_query/events/`. */
async function readCopy(prefix: string): Promise<Record<string, unknown>[]> {
  const dir = await newDir();
  for (const o of await listObjects(aws.s3, BUCKET, `${prefix}_query/events/`)) {
    const file = join(dir, o.key.slice(prefix.length));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, o.body);
  }
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    const reader = await db.runAndReadAll(
      `SELECT insert_id, event_date::VARCHAR AS day
         FROM read_parquet('${dir}/_query/events/*/*.parquet', hive_partitioning = true)`,
    );
    return reader.getRowObjectsJS();
  } finally {
    db.closeSync();
  }
}

const hourEvents = (late: boolean) => [
  ...Array.from({ length: 200 }, (_, n) => event(HOUR, n)),
  ...(late ? [event(HOUR, 500, { event_time: '2020-01-20 08:00:00.000000' })] : []),
];

describe('the query copy in S3 (moto_server)', () => {
  it('commits the copy with the hour, encrypted with the connection’s key, and rewrites it byte for byte', async () => {
    const source = await newDir();
    await writeFile(join(source, 'hour.ndjson'), ndjson(hourEvents(true)));
    const key = await aws.moto.kms().send(new CreateKeyCommand({}));
    const { engine, connection } = await setup('q/', source, key.KeyMetadata!.Arn!);
    try {
      const [job] = await engine.exports.runHour(connection.id, HOUR, ['events'], 'manual');
      expect(job).toMatchObject({ status: 'succeeded' });
      expect(job!.notes).toContain('Query copy: 2 Parquet files in 2 event dates.');
      const copy = await listObjects(aws.s3, BUCKET, 'q/_query/');
      expect(copy.map((o) => o.key)).toEqual([
        `q/_query/events/event_date=2020-01-20/${PROJECT}_2020-01-25_5#1.parquet`,
        `q/_query/events/event_date=2020-01-25/${PROJECT}_2020-01-25_5#1.parquet`,
        `${queryMarkerPrefix('q/', PROJECT, HOUR)}2020-01-20#1`,
        `${queryMarkerPrefix('q/', PROJECT, HOUR)}2020-01-25#1`,
      ]);
      expect(queryMarkerPrefix('q/', PROJECT, HOUR)).toBe(
        `q/_query/uploads/${PROJECT}_2020-01-25_5/`,
      );
      for (const o of copy) {
        const head = await aws.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: o.key }));
        expect(head.ServerSideEncryption, o.key).toBe('aws:kms');
        expect(head.SSEKMSKeyId, o.key).toBe(key.KeyMetadata!.Arn);
      }
      expect(copy.slice(2).map((o) => o.body.length)).toEqual([0, 0]);
      const rows = await readCopy('q/');
      expect(rows).toHaveLength(201);
      expect(rows.filter((r) => r.day === '2020-01-20').map((r) => r.insert_id)).toEqual([
        `ins-${HOUR}-500`,
      ]);

      await engine.exports.runHour(connection.id, HOUR, ['events'], 'manual');
      const again = await listObjects(aws.s3, BUCKET, 'q/_query/');
      expect(again.map((o) => [o.key, sha(o.body)])).toEqual(copy.map((o) => [o.key, sha(o.body)]));
    } finally {
      await engine.close();
    }
  });

  it('removes the earlier copy’s file of a date the hour no longer has, and its marker', async () => {
    const source = await newDir();
    await writeFile(join(source, 'hour.ndjson'), ndjson(hourEvents(true)));
    const { engine, connection } = await setup('stale/', source);
    try {
      await engine.exports.runHour(connection.id, HOUR, ['events'], 'manual');
      await writeFile(join(source, 'hour.ndjson'), ndjson(hourEvents(false)));
      const [job] = await engine.exports.runHour(connection.id, HOUR, ['events'], 'manual');
      expect(job!.notes).toContain(
        'Removed 1 query-copy file of an earlier export of this hour that this one no longer has.',
      );
      const copy = await listObjects(aws.s3, BUCKET, 'stale/_query/');
      expect(copy.map((o) => o.key)).toEqual([
        `stale/_query/events/event_date=2020-01-25/${PROJECT}_2020-01-25_5#1.parquet`,
        `${queryMarkerPrefix('stale/', PROJECT, HOUR)}2020-01-25#1`,
      ]);
      expect(await readCopy('stale/')).toHaveLength(200);
    } finally {
      await engine.close();
    }
  });

  it('aborts uploads of the copy a killed run left: the hour’s own at its export, the rest at start, nobody else’s', async () => {
    const source = await newDir();
    await writeFile(join(source, 'hour.ndjson'), ndjson(hourEvents(false)));
    const { engine, connection } = await setup('sweep/', source);
    const upload = async (projectId: number, hour: string, date = '2020-01-20') =>
      (
        await aws.s3.send(
          new CreateMultipartUploadCommand({
            Bucket: BUCKET,
            Key: queryEventObjectKey('sweep/', projectId, date, hour, 3),
          }),
        )
      ).UploadId;
    const pending = () => pendingUploads(aws.s3, BUCKET, 'sweep/_query/events/');
    try {
      await upload(PROJECT, HOUR);
      await upload(PROJECT, '2020-01-24T03');
      await upload(PROJECT, '2020-01-24T04', '2020-01-21');
      await upload(999, '2020-01-24T03');
      expect(await pending()).toBe(4);
      // Exporting the hour removes what an earlier run of that hour left, in any date.
      await engine.exports.runHour(connection.id, HOUR, ['events'], 'manual');
      expect(await pending()).toBe(3);

      // At start: every leftover of this project's copy but a worker's busy hour; never
      // another project's.
      const startedBefore = new Date(Date.now() + 60_000);
      const said = await engine.exports.sweepLeftovers({
        startedBefore,
        busyHours: () => Promise.resolve(['2020-01-24T04']),
      });
      expect(said).toEqual([expect.stringMatching(/^Aborted 1 unfinished upload /)]);
      expect(await pending()).toBe(2);
      expect(await engine.exports.sweepLeftovers({ startedBefore })).toEqual([
        expect.stringMatching(/^Aborted 1 unfinished upload /),
      ]);
      expect(
        await pendingUploads(aws.s3, BUCKET, 'sweep/_query/events/event_date=2020-01-20/999_'),
      ).toBe(1);
      expect(await pending()).toBe(1);
    } finally {
      await engine.close();
    }
  });

  it('lists the copy in the job, the manifest and reconcile, which finds a copy file gone or changed', async () => {
    const source = await newDir();
    await writeFile(join(source, 'hour.ndjson'), ndjson(hourEvents(true)));
    const { engine, connection } = await engineWithS3Connection(
      { endpoint: aws.moto.endpoint, bucket: BUCKET, dataDir: await newDir() },
      'rec/',
      source,
      { options: { queryCopy: true, manifest: true } },
    );
    try {
      const [job] = await engine.exports.runHour(connection.id, HOUR, ['events'], 'manual');
      const copy = (await listObjects(aws.s3, BUCKET, 'rec/_query/events/')).map((o) => o.key);
      expect(job!.queryObjects.map((o) => o.key)).toEqual(copy);
      expect(job!.queryObjects.map((o) => o.events)).toEqual([1, 200]);
      expect(job!.queryObjects.every((o) => o.etag)).toBe(true);
      const [manifest] = await listObjects(aws.s3, BUCKET, 'rec/_manifests/');
      const listed = JSON.parse(manifest!.body.toString()) as {
        objects: { key: string }[];
        queryCopy: { key: string; events: number; sha256: string }[];
      };
      expect(listed.objects).toHaveLength(1);
      expect(listed.queryCopy.map((o) => [o.key, o.events, o.sha256])).toEqual(
        job!.queryObjects.map((o) => [o.key, o.events, o.sha256]),
      );

      const range = { connectionId: connection.id, from: HOUR, to: HOUR };
      expect(await engine.call('jobs.reconcile', range)).toMatchObject({
        matching: 3,
        missing: [],
        extra: [],
        changed: [],
      });
      await aws.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: copy[0]! }));
      await aws.s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: copy[1]!, Body: 'not parquet' }),
      );
      const report = await engine.call('jobs.reconcile', range);
      expect(report.matching).toBe(1);
      expect(report.missing.map((m) => m.key)).toEqual([copy[0]]);
      expect(report.changed.map((m) => [m.key, m.reason])).toEqual([
        [copy[1], expect.stringMatching(/^query copy: size is 11 bytes/)],
      ]);
    } finally {
      await engine.close();
    }
  });

  it('copies the merged Amplitude IDs: equal to the JSON file, rewritten in place, deleted with the hour’s merges', async () => {
    const source = await newDir();
    // user-1 under two Amplitude IDs: one merge, derived from the hour's events.
    const merging = [
      ...hourEvents(false),
      event(HOUR, 600, { user_id: 'user-1', amplitude_id: 9_007_199_254_740_000 }),
    ];
    await writeFile(join(source, 'hour.ndjson'), ndjson(merging));
    const { engine, connection } = await engineWithS3Connection(
      { endpoint: aws.moto.endpoint, bucket: BUCKET, dataDir: await newDir() },
      'mid/',
      source,
      { options: { queryCopy: true, manifest: true }, datasets: ['events', 'merged-ids'] },
    );
    const copyKey = queryMergedIdsObjectKey('mid/', ORG, HOUR);
    const both = ['events', 'merged-ids'] as const;
    try {
      const jobs = await engine.exports.runHour(connection.id, HOUR, [...both], 'manual');
      const merged = jobs.find((j) => j.dataset === 'merged-ids')!;
      expect(copyKey).toBe(
        `mid/_query/merged_ids/merge_date=2020-01-25/-${ORG}_2020-01-25_5.parquet`,
      );
      expect(merged.queryObjects.map((o) => [o.key, o.events])).toEqual([[copyKey, 1]]);
      expect(merged.notes).toContain('Query copy: 1 Parquet file.');
      const [json] = await listObjects(aws.s3, BUCKET, `mid/-${ORG}_`);
      const lines = gunzipSync(json!.body).toString().trim().split('\n');
      const [copy] = await listObjects(aws.s3, BUCKET, 'mid/_query/merged_ids/');
      expect(copy!.key).toBe(copyKey);
      const dir = await newDir();
      await writeFile(join(dir, 'm.parquet'), copy!.body);
      const db = await (await DuckDBInstance.create(':memory:')).connect();
      try {
        const rows = (
          await db.runAndReadAll(
            `SELECT scope, epoch_ms(merge_time) AS merge_time,
                    epoch_ms(merge_server_time) AS merge_server_time, amplitude_id,
                    merged_amplitude_id, upload_hour::VARCHAR AS upload_hour
               FROM read_parquet('${dir}/m.parquet')`,
          )
        ).getRowObjectsJS();
        expect(rows.map(({ upload_hour, ...r }) => (void upload_hour, r))).toEqual(
          lines.map((l) => {
            const m = JSON.parse(l) as Record<string, number>;
            return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, BigInt(v)]));
          }),
        );
        expect(rows[0]!.merged_amplitude_id).toBe(9_007_199_254_740_000n);
        expect(rows[0]!.upload_hour).toBe('2020-01-25 05:00:00+00');
      } finally {
        db.closeSync();
      }
      const [manifest] = await listObjects(aws.s3, BUCKET, 'mid/_manifests/');
      const listed = JSON.parse(manifest!.body.toString()) as { queryCopy: { key: string }[] };
      expect(listed.queryCopy.map((o) => o.key)).toContain(copyKey);
      const range = { connectionId: connection.id, from: HOUR, to: HOUR };
      expect(await engine.call('jobs.reconcile', range)).toMatchObject({
        matching: 4,
        missing: [],
        extra: [],
        changed: [],
      });

      await engine.exports.runHour(connection.id, HOUR, ['merged-ids'], 'manual');
      const [again] = await listObjects(aws.s3, BUCKET, 'mid/_query/merged_ids/');
      expect(sha(again!.body)).toBe(sha(copy!.body));

      await writeFile(join(source, 'hour.ndjson'), ndjson(hourEvents(false)));
      const [none] = await engine.exports.runHour(connection.id, HOUR, ['merged-ids'], 'manual');
      expect(none).toMatchObject({ status: 'succeeded', queryObjects: [] });
      expect(await listObjects(aws.s3, BUCKET, 'mid/_query/merged_ids/')).toEqual([]);
      expect(await listObjects(aws.s3, BUCKET, `mid/-${ORG}_`)).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});

describe('the query copy in a folder', () => {
  it('removes temp files a killed run left, the copy’s too: the hour’s own at its export, the rest at start, nobody else’s', async () => {
    const source = await newDir();
    await writeFile(join(source, 'hour.ndjson'), ndjson(hourEvents(false)));
    const out = await newDir();
    const engine = await openS3Engine(await newDir());
    await addFilesProject(engine, source);
    const connection = await engine.call('connections.create', {
      name: 'to-folder',
      projectId: PROJECT,
      destination: { type: 'folder', path: out },
      options: { queryCopy: true },
    });
    // What killed runs left (an older version's temp names: `<8 hex>-<name>`, always ours), in
    // the `.ferry-partial/` beside where each file was going.
    const leave = async (key: string) => {
      const temps = join(out, dirname(key), '.ferry-partial');
      await mkdir(temps, { recursive: true });
      await writeFile(join(temps, `0badc0de-${key.split('/').pop()}`), 'half a file');
    };
    const copy = (date: string, name: string) => `_query/events/event_date=${date}/${name}`;
    const marker = (hour: string, name: string) => `_query/uploads/${hour}/${name}`;
    await leave(copy('2020-01-20', `${PROJECT}_2020-01-25_5#3.parquet`)); // the hour run below
    await leave(copy('2020-01-20', `${PROJECT}_2020-01-24_3#1.parquet`));
    await leave(marker(`${PROJECT}_2020-01-24_3`, '2020-01-20#1'));
    await leave(`_manifests/${PROJECT}_2020-01-24_3.json`);
    await leave(`${PROJECT}_2020-01-24_3#1.json.gz`);
    await leave(`-${ORG}_2020-01-24_3.json.gz`);
    // A worker's busy hour, and another project's files.
    await leave(copy('2020-01-21', `${PROJECT}_2020-01-24_4#1.parquet`));
    await leave(marker(`${PROJECT}_2020-01-24_4`, '2020-01-21#1'));
    await leave(copy('2020-01-21', `999_2020-01-24_3#1.parquet`));
    await leave(marker('999_2020-01-24_3', '2020-01-21#1'));
    await leave(`_manifests/999_2020-01-24_3.json`);
    const left = async () =>
      (await readdir(out, { recursive: true }))
        .filter((path) => path.includes('.ferry-partial/'))
        .sort();
    const others = [
      `_manifests/.ferry-partial/0badc0de-999_2020-01-24_3.json`,
      `_query/events/event_date=2020-01-21/.ferry-partial/0badc0de-999_2020-01-24_3#1.parquet`,
      `_query/uploads/999_2020-01-24_3/.ferry-partial/0badc0de-2020-01-21#1`,
    ];
    try {
      const [job] = await engine.exports.runHour(connection.id, HOUR, ['events'], 'manual');
      expect(job!.notes).toContain('Cleaned up 1 unfinished file of an interrupted earlier run.');
      expect(await left()).toHaveLength(10);

      const said = await engine.exports.sweepLeftovers({
        busyHours: () => Promise.resolve(['2020-01-24T04']),
      });
      expect(said).toEqual([expect.stringMatching(/^Removed 5 unfinished files /)]);
      expect(await left()).toEqual(
        [
          ...others,
          `_query/events/event_date=2020-01-21/.ferry-partial/0badc0de-${PROJECT}_2020-01-24_4#1.parquet`,
          `_query/uploads/${PROJECT}_2020-01-24_4/.ferry-partial/0badc0de-2020-01-21#1`,
        ].sort(),
      );
      expect(await engine.exports.sweepLeftovers()).toEqual([
        expect.stringMatching(/^Removed 2 unfinished files /),
      ]);
      expect(await left()).toEqual(others.sort());
    } finally {
      await engine.close();
    }
  });
});
