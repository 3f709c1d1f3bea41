// `ferry serve` for the bench scripts: started as the console's host, its URL read from its
// `--json` first line, and a `call(method, input)` over its HTTP API as the console makes it.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const FERRY = resolve('out/cli/main.js');

/**
 * @param {{ env: NodeJS.ProcessEnv, nodeArgs?: string[], stderr?: 'inherit' | 'ignore' }} options
 * @returns {Promise<{ server: import('node:child_process').ChildProcess, url: string,
 *   call: (method: string, input?: unknown) => Promise<any> }>}
 */
export async function startServe({ env, nodeArgs = [], stderr = 'inherit' }) {
  const server = spawn(process.execPath, [...nodeArgs, FERRY, '--json', 'serve', '--no-schedule'], {
    env,
    stdio: ['ignore', 'pipe', stderr],
  });
  const { url } = await new Promise((done, fail) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) done(JSON.parse(line));
    });
    server.once('exit', (code) => fail(new Error(`ferry serve exited with ${code}`)));
  });
  const origin = new URL(url).origin;
  const token = new URL(url).searchParams.get('token');
  const call = async (method, input = {}) => {
    const answer = await fetch(`${origin}/api/${method}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(input),
    });
    const body = await answer.json();
    if (!body.ok) throw new Error(`${method}: ${body.error.message}`);
    return body.value;
  };
  return { server, url, call };
}

/**
 * Poll until the job of `hour` of a connection has ended (not queued, not running); its record.
 * @param {(method: string, input?: unknown) => Promise<any>} call
 */
export async function waitForHour(call, connectionId, hour, pollMs) {
  for (;;) {
    await new Promise((r) => setTimeout(r, pollMs));
    const page = await call('jobs.list', { connectionId, hourFrom: hour, hourTo: hour, limit: 1 });
    const job = page.items[0];
    if (job && job.status !== 'queued' && job.status !== 'running') return job;
  }
}
