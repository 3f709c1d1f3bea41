import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import zlib from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import type { Job } from '../../../shared/model/jobs';
import { FERRY_BIN, runFerry, type ServeProcess } from '../../support/ferry';

export { callServe } from '../../support/ferry';
import { listObjects, motoBucketFlags, pendingUploads, type Moto } from '../../support/moto';

/** A running `ferry` command whose output a test can wait on. */
export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout or stderr matches (rejects if the process exits first). */
  waitFor(pattern: RegExp): Promise<void>;
  exited: Promise<number | null>;
}

/** Start `ferry <args>` and keep it running. */
export function spawnFerry(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, [FERRY_BIN, ...args], {
    env: { ...process.env, FERRY_DEBUG: '', FERRY_DEMO: '0', ...env },
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve(): void; reject(e: Error): void }[] = [];
  const check = () => {
    for (const w of [...waiters])
      if (w.pattern.test(stdout) || w.pattern.test(stderr)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
  };
  child.stdout!.on('data', (d: Buffer) => ((stdout += d.toString()), check()));
  child.stderr!.on('data', (d: Buffer) => ((stderr += d.toString()), check()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      for (const w of waiters.splice(0))
        w.reject(
          new Error(
            `ferry ${args.join(' ')} exited (${code ?? signal}) before ${w.pattern}:\n${stdout}\n${stderr}`,
          ),
        );
      resolve(code);
    }),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ pattern, resolve, reject });
        check();
      }),
  };
}

/** Run `ferry` and insist it succeeds quietly. */
export async function ferryOk(args: string[], env: Record<string, string>) {
  const result = await runFerry(args, env);
  expect(result.stderr, args.join(' ')).toBe('');
  expect(result.code, `${args.join(' ')}\n${result.stdout}`).toBe(0);
  return result;
}

/**
 * Two connections of demo project 187520 to `bucket`: `faulty` through the gate
 * (`<tag>/faulty/`) and `clean` straight to moto (`<tag>/clean/`), whose export of an hour is
 * the reference the faulty one must equal. `flags` go to both.
 */
export async function faultyAndClean(
  env: Record<string, string>,
  to: { moto: Moto; gate: string; bucket: string; tag: string },
  flags: string[] = [],
) {
  for (const [name, endpoint] of [
    ['faulty', to.gate],
    ['clean', to.moto.endpoint],
  ] as const) {
    const target = motoBucketFlags(to.moto, to.bucket, `${to.tag}/${name}/`);
    target[target.indexOf('--endpoint') + 1] = endpoint;
    await ferryOk(
      ['connection', 'add', '--name', name, '--project', '187520', ...target, ...flags],
      env,
    );
  }
}

/** Organization 1 with demo project 187520 of `eventsPerHour` events, on a data folder. */
export async function demoProject(env: Record<string, string>, eventsPerHour: number) {
  await ferryOk(['org', 'add', '--id', '1', '--name', 'Acme'], env);
  await ferryOk(
    ['project', 'add', '--id', '187520', '--org', '1', '--name', 'Web'].concat([
      '--source',
      'demo',
      '--events-per-hour',
      String(eventsPerHour),
    ]),
    env,
  );
}

/** Relative key → sha256 of every object under an S3 prefix (whose relative key `keep`s). */
export async function s3Hour(
  s3: S3Client,
  bucket: string,
  prefix: string,
  keep: (key: string) => boolean = () => true,
) {
  const objects: Record<string, string> = {};
  let lines = 0;
  for (const o of await listObjects(s3, bucket, prefix)) {
    // Ferry's claim on the destination is not part of any hour.
    if (o.key.startsWith(`${prefix}_ferry-owner_`) || !keep(o.key.slice(prefix.length))) continue;
    objects[o.key.slice(prefix.length)] = sha256(o.body);
    if (o.key.endsWith('.json.gz')) lines += countLines(o.body);
  }
  return { objects, lines, pending: await pendingUploads(s3, bucket, prefix) };
}

/** The temp files of a folder export's unfinished objects (in its `.ferry-partial/`). */
export async function folderTemps(dir: string): Promise<string[]> {
  return (await readdir(join(dir, '.ferry-partial')).catch(() => [] as string[])).sort();
}

/** File name → sha256 of every file in a folder export, and the temp files left there. */
export async function folderHour(dir: string) {
  const objects: Record<string, string> = {};
  const temps = await folderTemps(dir);
  let lines = 0;
  for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
    if (name === '.ferry-partial') continue; // the temp files, listed above
    if (name.startsWith('_ferry-owner_')) continue; // Ferry's claim on the destination
    const body = await readFile(join(dir, name));
    objects[name] = sha256(body);
    if (name.endsWith('.json.gz')) lines += countLines(body);
  }
  return { objects, lines, temps };
}

/** Every job of a connection's hour, newest first, as `ferry jobs --json` lists them. */
export async function jobsOfHour(
  env: Record<string, string>,
  connection: string,
  hour: string,
): Promise<Job[]> {
  const listed = await runFerry(
    ['--json', 'jobs', connection, '--from', hour, '--to', hour, '--limit', '1000'],
    env,
  );
  expect(listed.code, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as { items: Job[] }).items;
}

/**
 * The history agrees with the destination: the latest job of each dataset of the hour
 * succeeded and lists exactly the objects there (keys and checksums), and its counts are the
 * lines those objects hold. `objects` are keys relative to the connection's prefix.
 */
export function expectHistoryMatches(
  jobs: Job[],
  objects: Record<string, string>,
  prefix: string,
  lines: number,
): void {
  const latest = new Map<string, Job>();
  for (const job of jobs) if (!latest.has(job.dataset)) latest.set(job.dataset, job);
  const recorded: Record<string, string> = {};
  let events = 0;
  for (const job of latest.values()) {
    expect(job.status, `${job.dataset}: ${JSON.stringify(job.error ?? job.notes)}`).toBe(
      'succeeded',
    );
    for (const o of job.objects) recorded[o.key.slice(prefix.length)] = o.sha256;
    events += job.counts?.eventsOut ?? 0;
  }
  const data = Object.fromEntries(
    Object.entries(objects).filter(([key]) => !key.startsWith('_manifests/')),
  );
  expect(recorded).toEqual(data);
  expect(events).toBe(lines);
}

function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

function countLines(gz: Buffer): number {
  const text = zlib.gunzipSync(gz).toString('utf8');
  return text.length === 0 ? 0 : text.split('\n').length - 1;
}

/** Resident memory of a process in MiB (Linux /proc). */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** SIGTERM a running server and wait for it to exit, however long its grace period is. */
export function terminate(server: ServeProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve(server.child.exitCode);
    server.child.removeAllListeners('exit');
    server.child.once('exit', (code) => resolve(code));
    server.child.kill('SIGTERM');
  });
}

/**
 * An hour is in the bucket exactly once: under `faulty/` as a clean export writes it under
 * `clean/` (exported now, with `env`), no upload left pending, and as the history records it
 * (and `ferry reconcile` agrees). Only this hour's objects (partitions, merged IDs, manifest).
 */
export async function expectHourExactlyOnce(
  s3: S3Client,
  bucket: string,
  tag: string,
  hour: string,
  env: Record<string, string>,
): Promise<void> {
  const faulty = `${tag}/faulty/`;
  const [date, h] = [hour.slice(0, 10), Number(hour.slice(11))];
  const ofHour = (key: string) => key.replace(/^_manifests\//, '').includes(`_${date}_${h}`);
  const got = await s3Hour(s3, bucket, faulty, ofHour);
  await ferryOk(['export', 'clean', '--hour', hour], env);
  const clean = await s3Hour(s3, bucket, `${tag}/clean/`, ofHour);
  expect(got.pending).toBe(0);
  expect(Object.keys(got.objects).length).toBeGreaterThan(0);
  expect(got.objects).toEqual(clean.objects);
  expectHistoryMatches(await jobsOfHour(env, 'faulty', hour), got.objects, faulty, got.lines);
  const reconciled = await runFerry(['reconcile', 'faulty', '--from', hour, '--to', hour], env);
  expect(reconciled.code, reconciled.stdout).toBe(0);
}
