import { describe, expect, it } from 'vitest';
import type { Job } from '../../shared/model/jobs';
import { callServe, runFerry, startServe } from '../support/ferry';
import { useTempDirs } from '../support/temp';

const newDir = useTempDirs();

/** One sample of a metric in Prometheus's text format, by its labels (null: not there). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = Object.fromEntries(
      [...(match[3] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(match[4]);
  }
  return null;
}

describe('GET /metrics', () => {
  it('says what the console says, for Prometheus, with the token only', async () => {
    const dataDir = await newDir();
    const env = { FERRY_DATA_DIR: dataDir };
    const ferry = (...args: string[]) => runFerry(args, env);
    await ferry('org', 'add', '--id', '1', '--name', 'Acme');
    await ferry('project', 'add', '--id', '8', '--org', '1', '--name', 'Demo', '--source', 'demo');
    const added = await ferry(
      ...['connection', 'add', '--name', 'local', '--project', '8', '--folder', await newDir()],
    );
    expect(added.code, added.stderr).toBe(0);
    const serve = await startServe(dataDir, ['--no-schedule']);
    try {
      const url = new URL(serve.url);
      const token = url.searchParams.get('token')!;
      const scrape = async (auth = true) =>
        fetch(new URL('/metrics', url.origin), {
          headers: auth ? { Authorization: `Bearer ${token}` } : {},
        });
      expect((await scrape(false)).status).toBe(401);

      await callServe(serve, 'jobs.exportHour', { connectionId: 'local', hour: '2026-01-01T05' });
      let done: Job | undefined;
      await expect
        .poll(async () => {
          const page = await callServe<{ items: Job[] }>(serve, 'jobs.list', {});
          done = page.items.find((j) => j.status === 'succeeded');
          return done?.status;
        })
        .toBe('succeeded');
      // The job is recorded succeeded just before its run gives its place in the queue back: a
      // scrape in between counts it running still (seen under load). Wait for the run to end.
      await expect
        .poll(async () =>
          sample(await (await scrape()).text(), 'ferry_queue_exports', { state: 'running' }),
        )
        .toBe(0);

      const answer = await scrape();
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await answer.text();
      const [connection] = await callServe<{ id: string }[]>(serve, 'connections.list', {});
      const at = { connection: connection!.id, name: 'local' };
      expect(sample(text, 'ferry_jobs', { status: 'succeeded' })).toBe(1);
      expect(sample(text, 'ferry_jobs', { status: 'failed' })).toBe(0);
      expect(sample(text, 'ferry_exported_events_total')).toBe(done!.counts!.eventsOut);
      expect(sample(text, 'ferry_exported_bytes_total')).toBe(done!.bytes!.compressed);
      expect(sample(text, 'ferry_jobs_finished_total', { status: 'succeeded' })).toBe(1);
      const [status] = await callServe<{ state: string; pendingHours: number }[]>(
        serve,
        'schedule.status',
      );
      expect(sample(text, 'ferry_connection_state', { ...at, state: status!.state })).toBe(1);
      expect(sample(text, 'ferry_connection_pending_hours', at)).toBe(status!.pendingHours);
      // 2026-01-01T05 is the newest hour exported; every hour since has ended.
      const ended = Math.floor(Date.now() / 3_600_000) - 1;
      const lag = sample(text, 'ferry_connection_hour_lag_hours', at)!;
      expect(
        Math.abs(lag - (ended - Date.parse('2026-01-01T05:00:00Z') / 3_600_000)),
      ).toBeLessThanOrEqual(1);
      expect(sample(text, 'ferry_queue_exports', { state: 'running' })).toBe(0);
    } finally {
      await serve.stop();
    }
  });
});
