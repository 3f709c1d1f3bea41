import { readdir } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../shared/model/jobs';
import { DEFAULT_SOCKET_LIMITS } from '../../electron/server/socket-guard';
import { runFerry, startServe } from '../support/ferry';
import { useTempDirs } from '../support/temp';
import { callServe, demoProject, ferryOk, terminate } from './support/harness';

const newDir = useTempDirs();
const IDLE = 2_000;

/** Open file descriptors of a process (Linux /proc). */
async function fds(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

/** A TCP connection to the server that sends nothing; resolves once connected. */
function idleSocket(port: number, closed: Set<Socket>): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', () => undefined);
    socket.on('close', () => closed.add(socket));
  });
}

/**
 * Any local user can open sockets to Ferry's console port. 2,000 held open without a token must
 * neither exhaust the server's file descriptors nor keep a caller with the token, or an export,
 * from being served; and each is closed once its time to send headers is over.
 */
describe('idle sockets without the token', () => {
  it('2,000 of them: capped, timed out, and exports and calls with the token go on', async () => {
    const dataDir = await newDir();
    const out = await newDir();
    const env = { FERRY_DATA_DIR: dataDir };
    await demoProject(env, 200);
    await ferryOk(
      ['connection', 'add', '--name', 'local', '--project', '187520', '--folder', out],
      env,
    );
    const server = await startServe(dataDir, ['--no-schedule'], env);
    const pid = server.child.pid!;
    const closed = new Set<Socket>();
    const sockets: Socket[] = [];
    try {
      const before = await fds(pid);
      for (let i = 0; i < IDLE; i += 100)
        sockets.push(
          ...(await Promise.all(
            Array.from({ length: 100 }, () => idleSocket(server.port, closed)),
          )),
        );

      // Calls with the token and an export (through the same server) are served meanwhile.
      for (let i = 0; i < 5; i++)
        expect(await callServe<{ items: Job[] }>(server, 'jobs.list', { limit: 5 })).toHaveProperty(
          'items',
        );
      const exported = await runFerry(['export', 'local', '--hour', '2026-01-01T00'], env);
      expect(exported.code, exported.stdout + exported.stderr).toBe(0);
      // The server holds no more than its cap of connections, whatever the flood.
      const cap = DEFAULT_SOCKET_LIMITS.maxSockets;
      expect(await fds(pid)).toBeLessThan(before + cap + 64);
      expect(closed.size).toBeGreaterThanOrEqual(IDLE - cap);

      // Those it kept are closed once their few seconds to send a request head are over.
      while (closed.size < IDLE) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await callServe(server, 'schedule.status')).toBeInstanceOf(Array);
    } finally {
      for (const socket of sockets) socket.destroy();
      await terminate(server);
    }
  }, 60_000);
});
