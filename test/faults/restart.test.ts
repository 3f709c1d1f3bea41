import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../shared/model/jobs';
import type { ConnectionStatus } from '../../shared/model/schedule';
import { runFerry, startServe, type ServeProcess } from '../support/ferry';
import { startRefusingMoto } from '../support/moto';
import { useTempDirs } from '../support/temp';
import { waitFor, waitUntil } from '../support/wait';
import { callServe, ferryOk, terminate } from './support/harness';

/**
 * A connection AWS refuses (s3:PutObject missing), through stops and restarts between its tries:
 * what Ferry says — Failing, "try N of 4" — comes from the history on disk, so a restart, a
 * second process and a stopped server all say the same, and the retry budget counts across
 * restarts: the failure email goes out once, when it is spent.
 */
const BUCKET = 'refusing-restarts';
const HOUR = '2026-03-01T00';
const newDir = useTempDirs();
let aws: Awaited<ReturnType<typeof startRefusingMoto>>;
let smtp: SMTPServer;
let smtpPort: number;
const inbox: string[] = [];

beforeAll(async () => {
  aws = await startRefusingMoto(BUCKET);
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        inbox.push(raw);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
}, 60_000);
afterAll(async () => {
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  await aws?.stop();
});

/** A clock that starts at `start` and runs `scale` times faster (FERRY_CLOCK_*). */
const clock = (start: string, scale: number) => ({
  FERRY_CLOCK_START: start,
  FERRY_CLOCK_SCALE: String(scale),
});

/** Poll the server's status of its one connection until `match` holds (a state, not a time). */
async function statusUntil(
  server: ServeProcess,
  match: (s: ConnectionStatus) => boolean,
): Promise<ConnectionStatus> {
  return waitFor('the connection status the test expects', async () => {
    const [status] = await callServe<ConnectionStatus[]>(server, 'schedule.status');
    return status && match(status) ? status : undefined;
  });
}

async function jobsOf(server: ServeProcess): Promise<Job[]> {
  return (await callServe<{ items: Job[] }>(server, 'jobs.list', { limit: 50 })).items;
}

describe('a refused connection across restarts', () => {
  it('kill -9 between tries: still Failing, same try count, after the restart; one email when the budget is spent', async () => {
    const dataDir = await newDir();
    const env = { ...aws.env, FERRY_DATA_DIR: dataDir };
    // Set up on a clock that stands at 00:59:30 (the schedule covers hour 00 from then on).
    const setup = { ...env, ...clock('2026-03-01T00:59:30Z', 0.001) };
    await ferryOk(
      ['org', 'add', '--id', '123', '--name', 'Acme', '--admin-email', 'data@acme.example'],
      setup,
    );
    await ferryOk(
      ['project', 'add', '--id', '187520', '--org', '123', '--name', 'Web', '--source', 'demo'],
      setup,
    );
    await ferryOk(
      ['connection', 'add', '--name', 'refused', '--project', '187520', '--bucket', BUCKET]
        .concat(['--region', 'us-east-1', '--profile', 'noput', '--endpoint', aws.moto.endpoint])
        .concat(['--path-style', '--enable', '--settle-minutes', '0', '--access-tries', '4']),
      setup,
    );

    // 10 minutes a second: hour 00 is due at once, and refused; tries 4 and 8 minutes apart.
    let server = await startServe(dataDir, [], { ...env, ...clock('2026-03-01T00:59:50Z', 600) });
    await callServe(server, 'settings.update', {
      smtp: {
        host: '127.0.0.1',
        port: smtpPort,
        allowUnencrypted: true,
        from: 'ferry@acme.example',
      },
    });
    const before = await statusUntil(server, (s) => /\(try 2 of 4\)/.test(s.reason ?? ''));
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server.child.once('exit', resolve));
    expect(before).toMatchObject({ state: 'failing', cause: 's3:PutObject' });

    // Another process, while no server runs: the same words, from the history.
    const status = await runFerry(['--json', 'status'], setup);
    expect(status.code).toBe(1);
    const [told] = JSON.parse(status.stdout) as ConnectionStatus[];
    expect(told).toMatchObject({ state: 'failing', reason: before.reason, fix: before.fix });

    // A new server, its clock where the old one stopped (2 minutes a second now): the hour
    // waits out the rest of its pause as try 2 of 4, then goes on counting — not from 1.
    const jobs = await runFerry(['--json', 'jobs', 'refused'], setup);
    const waiting = (JSON.parse(jobs.stdout) as { items: Job[] }).items[0]!;
    expect(waiting).toMatchObject({
      status: 'queued',
      attempts: 2,
      error: { code: 's3:PutObject' },
    });
    server = await startServe(dataDir, [], { ...env, ...clock(waiting.updatedAt, 120) });
    try {
      const [after] = await callServe<ConnectionStatus[]>(server, 'schedule.status');
      expect(after).toMatchObject({ state: 'failing', reason: before.reason });
      const failed = await statusUntil(server, (s) => s.stopped);
      expect(failed.reason).toMatch(
        /^2026-03-01 00:00 UTC \(events\) failed: Missing permission s3:PutObject/,
      );
      const history = (await jobsOf(server)).filter((j) => j.hour === HOUR);
      expect(history.map((j) => [j.status, j.attempts])).toEqual([
        ['failed', 4],
        ['cancelled', 2],
      ]);
      await waitUntil('the failure email', () => inbox.length > 0); // sent after the stop is recorded
      expect(inbox).toHaveLength(1);
    } finally {
      await terminate(server);
    }
    // Another start: the budget was spent and said once; nothing is sent again.
    server = await startServe(dataDir, [], { ...env, ...clock('2026-03-01T02:30:00Z', 1) });
    try {
      await statusUntil(server, (s) => s.stopped);
    } finally {
      await terminate(server);
    }
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatch(/Subject: .*refused/);
  });

  it('a graceful stop keeps a refused connection Failing: the server says so as it stops, and after', async () => {
    const dataDir = await newDir();
    const env = { ...aws.env, FERRY_DATA_DIR: dataDir };
    const setup = { ...env, ...clock('2026-03-01T00:59:30Z', 0.001) };
    await ferryOk(['org', 'add', '--id', '123', '--name', 'Acme'], setup);
    await ferryOk(
      ['project', 'add', '--id', '187520', '--org', '123', '--name', 'Web', '--source', 'demo'],
      setup,
    );
    await ferryOk(
      ['connection', 'add', '--name', 'refused', '--project', '187520', '--bucket', BUCKET]
        .concat(['--region', 'us-east-1', '--profile', 'noput', '--endpoint', aws.moto.endpoint])
        .concat(['--path-style', '--enable', '--settle-minutes', '0']),
      setup,
    );
    const server = await startServe(dataDir, [], { ...env, ...clock('2026-03-01T00:59:50Z', 60) });
    const before = await statusUntil(server, (s) => /\(try 1 of 5\)/.test(s.reason ?? ''));
    expect(await terminate(server)).toBe(0);
    // What the server pushed last (the open tab sees it) and logged: Failing, not Healthy.
    const lines = server
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type?: string; status?: ConnectionStatus });
    const last = lines.filter((l) => l.type === 'schedule.status').at(-1);
    expect(last?.status).toMatchObject({ state: 'failing', reason: before.reason });
    const status = await runFerry(['--json', 'status'], setup);
    expect(JSON.parse(status.stdout)[0]).toMatchObject({ state: 'failing', reason: before.reason });
  });
});
