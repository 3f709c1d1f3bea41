import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryFileOfMarker, queryMarkerPrefix } from '../../shared/model/query-format';
import { runFerry, startServe } from '../support/ferry';
import { listObjects, startMoto, type Moto } from '../support/moto';
import { useTempDirs } from '../support/temp';
import { callServe, demoProject, faultyAndClean, ferryOk, jobsOfHour } from './support/harness';
import { startS3Gate, type S3Gate } from './support/s3-gate';

const newDir = useTempDirs();
const BUCKET = 'ferry-faults-query-copy';
const PROJECT = 187520;
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

/** The query copy under `prefix`: its files (key → ETag) and the files the hour's markers name. */
async function copyOf(prefix: string, hour: string) {
  const files: Record<string, string> = {};
  const indexed: string[] = [];
  for (const o of await listObjects(s3, BUCKET, `${prefix}_query/`)) {
    if (o.key.startsWith(queryMarkerPrefix(prefix, PROJECT, hour))) {
      const file = queryFileOfMarker(o.key, prefix, PROJECT, hour);
      expect(file, o.key).not.toBeNull();
      expect(o.body.length).toBe(0);
      indexed.push(file!.slice(prefix.length));
    } else files[o.key.slice(prefix.length)] = o.etag;
  }
  return { files, indexed: indexed.sort() };
}

describe('the query copy under kill -9', () => {
  it('killed while the hour is made visible: every visible file has its marker, and the next start leaves exactly the new copy', async () => {
    const dataDir = await newDir();
    const env = { ...moto.env, FERRY_DATA_DIR: dataDir };
    await demoProject(env, 40_000);
    await faultyAndClean(env, { moto, gate: gate.endpoint, bucket: BUCKET, tag: 'kill' }, [
      ...['--gzip-level', '1', '--query-copy'],
      ...['--partition-size', String(24 * 1024 * 1024)],
    ]);
    // Midnight: events of its first seconds happened the day before, so the copy has two files.
    const hour = '2026-02-01T00';
    await ferryOk(['export', 'clean', '--hour', hour], env);
    const clean = await copyOf('kill/clean/', hour);
    expect(Object.keys(clean.files).length).toBeGreaterThan(1);
    expect(clean.indexed).toEqual(Object.keys(clean.files));

    // 40,000 events of ~1.5 KB: three partitions of 24 MiB, then the copy's two files (by date).
    // Killed after the partitions and the first file of the copy became visible.
    const server = await startServe(dataDir, ['--no-schedule'], moto.env);
    const held = gate.holdCompletesAfter(4);
    await callServe(server, 'jobs.exportHour', { connectionId: 'faulty', hour });
    await held;
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server.child.once('exit', resolve));
    gate.release();

    const killed = await copyOf('kill/faulty/', hour);
    expect(Object.keys(killed.files)).toHaveLength(1);
    expect(killed.indexed).toEqual(expect.arrayContaining(Object.keys(killed.files)));
    expect(await readdir(join(dataDir, 'commits'))).toHaveLength(1);

    const next = await runFerry(['run', '--once'], env);
    expect(next.code, next.stderr).toBe(0);
    const finished = await copyOf('kill/faulty/', hour);
    expect(finished.files).toEqual(clean.files);
    expect(finished.indexed).toEqual(Object.keys(clean.files));
    const [job] = await jobsOfHour(env, 'faulty', hour);
    expect(job).toMatchObject({ status: 'succeeded' });
  });

  it("killed between a merged-ID hour's JSON file and its copy: the next start shows both, as a clean export does", async () => {
    const dataDir = await newDir();
    const env = { ...moto.env, FERRY_DATA_DIR: dataDir };
    await demoProject(env, 40_000);
    await faultyAndClean(env, { moto, gate: gate.endpoint, bucket: BUCKET, tag: 'merged' }, [
      ...['--datasets', 'merged-ids', '--query-copy'],
    ]);
    const hour = '2026-02-01T05';
    const objects = async (prefix: string) =>
      Object.fromEntries(
        (await listObjects(s3, BUCKET, prefix)).map((o) => [o.key.slice(prefix.length), o.etag]),
      );
    await ferryOk(['export', 'clean', '--hour', hour], env);
    const clean = await objects('merged/clean/');
    // The hour's merges as JSON and as their Parquet copy.
    expect(Object.keys(clean).sort()).toEqual([
      '-1_2026-02-01_5.json.gz',
      '_query/merged_ids/merge_date=2026-02-01/-1_2026-02-01_5.parquet',
    ]);

    // Killed with one of the two visible.
    const server = await startServe(dataDir, ['--no-schedule'], moto.env);
    const held = gate.holdCompletesAfter(1);
    await callServe(server, 'jobs.exportHour', { connectionId: 'faulty', hour });
    await held;
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server.child.once('exit', resolve));
    gate.release();
    expect(Object.keys(await objects('merged/faulty/'))).toHaveLength(1);
    expect(await readdir(join(dataDir, 'commits'))).toHaveLength(1);

    const next = await runFerry(['run', '--once'], env);
    expect(next.code, next.stderr).toBe(0);
    expect(await objects('merged/faulty/')).toEqual(clean);
    const [job] = await jobsOfHour(env, 'faulty', hour);
    expect(job).toMatchObject({ status: 'succeeded', dataset: 'merged-ids' });
  });
});
