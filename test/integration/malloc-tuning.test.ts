import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { callServe, startServe } from '../support/ferry';
import { useTempDirs } from '../support/temp';

const newDir = useTempDirs();

/** The environment a running process was started with (Linux). */
async function environOf(pid: number): Promise<Record<string, string>> {
  const raw = await readFile(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(
    raw
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

describe.runIf(process.platform === 'linux')('ferry serve under glibc', () => {
  it('runs with malloc tuned, as the very process it was started as', async () => {
    const server = await startServe(await newDir(), ['--no-schedule']);
    try {
      // Started again in place: the pid the caller holds is the serve's (signals reach it).
      expect((await environOf(server.child.pid!)).MALLOC_MMAP_THRESHOLD_).toBe('1048576');
      await expect(callServe(server, 'app.info')).resolves.toBeTruthy();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
