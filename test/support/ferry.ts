import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** The built `ferry` command (bundled by the test global setup / npm run build). */
export const FERRY_BIN = resolve('out/cli/main.js');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `ferry <args>` to completion. */
export function runFerry(
  args: string[],
  env: Record<string, string> = {},
  bin = FERRY_BIN,
): Promise<RunResult> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, FERRY_DEBUG: '', FERRY_DEMO: '0', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

export interface ServeProcess {
  url: string;
  port: number;
  child: ChildProcess;
  stderr(): string;
  /** Everything it printed so far (with --json: one JSON object a line). */
  stdout(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<number | null>;
}

/** Start `ferry serve --json` on a data dir and wait for the line with its URL. */
export function startServe(
  dataDir: string,
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<ServeProcess> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [FERRY_BIN, '--data-dir', dataDir, '--json', 'serve', ...extra],
      {
        env: { ...process.env, FERRY_DEBUG: '', FERRY_DEMO: '0', ...env },
      },
    );
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ferry serve did not start in 15 s: ${stderr}`));
    }, 15_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ferry serve exited with ${code}: ${stderr}`));
    });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      const { url, port } = JSON.parse(line) as { url: string; port: number };
      resolvePromise({
        url,
        port,
        child,
        stderr: () => stderr,
        stdout: () => stdout,
        stop: () =>
          new Promise((stopped) => {
            if (child.exitCode !== null) return stopped(child.exitCode);
            const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.removeAllListeners('exit');
            child.once('exit', (code) => {
              clearTimeout(kill);
              stopped(code);
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/** Call the API of a running `ferry serve` as the console does; throws the API's error. */
export async function callServe<T = unknown>(
  server: ServeProcess,
  method: string,
  input: unknown = {},
): Promise<T> {
  const url = new URL(server.url);
  const token = url.searchParams.get('token')!;
  const answer = await fetch(`${url.origin}/api/${method}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await answer.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.value as T;
}
