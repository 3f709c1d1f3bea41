import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { event, ndjson } from '../support/events';
import { FERRY_BIN, runFerry } from '../support/ferry';
import {
  listObjects,
  pendingUploads,
  startMoto,
  type Moto,
  motoBucketFlags,
} from '../support/moto';
import { useTempDirs } from '../support/temp';

const newDir = useTempDirs();
const BUCKET = 'ferry-int-kill';
const HOUR = '2020-01-25T05';
let moto: Moto;
let s3: S3Client;

beforeAll(async () => {
  moto = await startMoto();
  s3 = moto.s3();
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 60_000);
afterAll(() => moto?.stop());

/** Relative key → sha256 of every object under a prefix. */
async function snapshot(prefix: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const o of await listObjects(s3, BUCKET, prefix))
    out[o.key.slice(prefix.length)] = createHash('sha256').update(o.body).digest('hex');
  return out;
}

const pending = (prefix: string) => pendingUploads(s3, BUCKET, prefix);

describe('a killed export', () => {
  it('leaves the bucket exactly as a clean run would once the hour is exported again', async () => {
    const source = await newDir();
    // About 24 MiB of gzip: several 5 MiB multipart parts, so the kill lands mid-upload.
    await writeFile(
      join(source, 'hour.ndjson'),
      ndjson(
        Array.from({ length: 30_000 }, (_, n) =>
          event(HOUR, n, { blob: randomBytes(800).toString('hex') }),
        ),
      ),
    );
    const dataDir = await newDir();
    const env = { ...moto.env, FERRY_DATA_DIR: dataDir };
    const ferry = async (...args: string[]) => {
      const result = await runFerry(args, env);
      expect(result.stderr, args.join(' ')).toBe('');
      expect(result.code, args.join(' ')).toBe(0);
      return result;
    };
    await ferry('org', 'add', '--id', '123', '--name', 'Acme');
    await ferry(
      'project',
      'add',
      '--id',
      '187520',
      '--org',
      '123',
      '--name',
      'Web',
      '--source',
      'files',
      '--source-path',
      source,
    );
    for (const [name, prefix] of [
      ['killed', 'killed/'],
      ['clean', 'clean/'],
    ] as const)
      await ferry(
        'connection',
        'add',
        '--name',
        name,
        '--project',
        '187520',
        ...motoBucketFlags(moto, BUCKET, prefix!),
        '--gzip-level',
        '1',
      );

    // Start the export and kill -9 it as soon as a multipart upload is under way.
    const child = spawn(process.execPath, [FERRY_BIN, 'export', 'killed', '--hour', HOUR], {
      env: { ...process.env, ...env, FERRY_DEMO: '0' },
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    let sawUpload = false;
    for (let i = 0; i < 3000 && child.exitCode === null; i++) {
      if ((await pending('killed/')) > 0) {
        sawUpload = true;
        child.kill('SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await exited;
    expect(sawUpload).toBe(true);
    expect(await pending('killed/')).toBeGreaterThan(0);

    // Run it again: it takes over the dead process's lock, cleans up, and finishes.
    const rerun = await ferry('export', 'killed', '--hour', HOUR);
    expect(rerun.stdout).toMatch(/1 of 1 job succeeded/);
    await ferry('export', 'clean', '--hour', HOUR);

    const killed = await snapshot('killed/');
    expect(Object.keys(killed).length).toBeGreaterThan(0);
    expect(killed).toEqual(await snapshot('clean/'));
    expect(await pending('killed/')).toBe(0);
  });
});
