// The job-history part of `npm run bench` (run by scripts/bench.mjs through tsx; prints one JSON
// object): a data dir with 100,000 jobs, then
//   - a job status write (JobsStore.put) — and, as the baseline measured in the same run, the
//     same write done the way a plain lowdb month shard does it (rewrite the whole month);
//   - the first history page from the store (and, as the baseline, scanning and sorting every job);
//   - the history view in Chromium (`ferry serve` + the built console): from the click on
//     "Jobs" to the first page (25 rows, the default page size) on screen, and from a status filter change to the filtered rows.
import { spawn } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { createEngine } from '../electron/engine';
import { JobsStore } from '../electron/engine/store/jobs-store';
import type { Job } from '../shared/model/entities';

const JOBS = Number(process.env.BENCH_JOBS ?? 100_000);
const CONNECTIONS = 4;
const ROOT = resolve(process.env.BENCH_DIR ?? join(tmpdir(), 'ferry-bench'), 'history');
const log = (...m: unknown[]) => process.stderr.write(`[bench history] ${m.join(' ')}\n`);
const round = (n: number) => Math.round(n * 100) / 100;
const now = () => Number(process.hrtime.bigint()) / 1e6;

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { n: s.length, p50: round(at(0.5)), p95: round(at(0.95)), max: round(s.at(-1)!) };
}

/** A realistic finished job: two partitions with checksums, counts, bytes. */
function makeJob(connectionId: string, projectId: number, hourIndex: number, n: number): Job {
  const hour = new Date(hourIndex * 3_600_000).toISOString().slice(0, 13);
  const date = hour.slice(0, 10);
  const h = Number(hour.slice(11));
  const at = new Date((hourIndex + 1) * 3_600_000 + 5 * 60_000).toISOString();
  const failed = n % 50 === 0;
  return {
    id: `j_${(hourIndex * 8 + n).toString(36).padStart(9, '0')}_${n.toString(16).padStart(8, '0')}`,
    connectionId,
    dataset: n % 2 ? 'merged-ids' : 'events',
    hour,
    trigger: n % 10 === 0 ? 'backfill' : 'scheduled',
    status: failed ? 'failed' : 'succeeded',
    attempts: failed ? 5 : 1,
    createdAt: at,
    updatedAt: at,
    startedAt: at,
    finishedAt: at,
    durationMs: 42_000,
    counts: { eventsIn: 120_000, eventsOut: 119_400, duplicates: 600, filtered: 0, badLines: 0 },
    bytes: { raw: 190_000_000, compressed: 21_000_000 },
    objects: failed
      ? []
      : [1, 2].map((p) => ({
          key: `amplitude/${projectId}_${date}_${h}#${p}.json.gz`,
          bytes: 10_500_000,
          rawBytes: 95_000_000,
          events: 59_700,
          sha256: 'ab'.repeat(32),
          etag: `"${'cd'.repeat(16)}-3"`,
        })),
    removed: [],
    notes: [],
    error: failed
      ? {
          kind: 'access',
          code: 's3:PutObject',
          message: 'Missing permission s3:PutObject (PutObject was refused: Access Denied)',
          fix: 'Grant s3:PutObject to the export role.',
        }
      : null,
    retryAt: null,
    cancelledBy: null,
  };
}

async function seed(
  dataDir: string,
): Promise<{ connectionIds: string[]; months: Map<string, Job[]> }> {
  await rm(dataDir, { recursive: true, force: true });
  const engine = await createEngine({ dataDir, transport: 'cli', role: 'bench', seedDemo: false });
  const connectionIds: string[] = [];
  await engine.call('orgs.create', { id: 1, name: 'Bench' });
  for (let c = 0; c < CONNECTIONS; c++) {
    const projectId = 187520 + c;
    await engine.call('projects.create', { id: projectId, orgId: 1, name: `Project ${c}` });
    const conn = await engine.call('connections.create', {
      name: `bench-${c}`,
      projectId,
      destination: { type: 'folder', path: join(dataDir, `out-${c}`) },
      datasets: ['events', 'merged-ids'],
    });
    connectionIds.push(conn.id);
  }
  await engine.close();
  // History as Ferry leaves it after a clean close: one snapshot per month of hours.
  const months = new Map<string, Job[]>();
  const perHour = CONNECTIONS * 2;
  const hours = Math.ceil(JOBS / perHour);
  const lastHour = Math.floor(Date.parse('2026-11-26T10:00:00Z') / 3_600_000);
  let made = 0;
  for (let i = 0; i < hours && made < JOBS; i++)
    for (let n = 0; n < perHour && made < JOBS; n++, made++) {
      const c = Math.floor(n / 2);
      const job = makeJob(connectionIds[c]!, 187520 + c, lastHour - i, n + i);
      const month = job.hour.slice(0, 7);
      (months.get(month) ?? months.set(month, []).get(month)!).push(job);
    }
  await mkdir(join(dataDir, 'jobs'), { recursive: true });
  for (const [month, jobs] of months)
    await writeFile(
      join(dataDir, 'jobs', `${month}.json`),
      JSON.stringify({ schemaVersion: 1, jobs }),
    );
  return { connectionIds, months };
}

async function storeFigures(dataDir: string, months: Map<string, Job[]>) {
  const opened = now();
  const store = await JobsStore.open(dataDir, () => {});
  const openMs = now() - opened;
  const heapMB = process.memoryUsage().heapUsed / 1_048_576;

  // Status writes of jobs of the newest month, as the scheduler makes them (running → done),
  // 2,500 of them so the journal's rotation and background fold are part of the sample.
  const newest = [...months.keys()].sort().at(-1)!;
  const targets = months.get(newest)!;
  const writes: number[] = [];
  for (let i = 0; i < 2500; i++) {
    const job = targets[i % targets.length]!;
    const t = now();
    await store.put({
      ...job,
      status: i % 2 ? 'succeeded' : 'running',
      attempts: job.attempts + 1,
    });
    writes.push(now() - t);
  }

  // Baseline: the same write the way a lowdb month shard does it — find, replace, rewrite the
  // whole month atomically (temp file + rename).
  const baselineDir = join(ROOT, 'baseline');
  await mkdir(baselineDir, { recursive: true });
  const shard = structuredClone(targets);
  const baseline: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = now();
    const at = shard.findIndex((j) => j.id === targets[i % targets.length]!.id);
    shard[at] = { ...shard[at]!, status: 'running' };
    const file = join(baselineDir, `${newest}.json`);
    await writeFile(`${file}.tmp`, JSON.stringify({ schemaVersion: 1, jobs: shard }));
    await rename(`${file}.tmp`, file);
    baseline.push(now() - t);
  }

  // First pages: newest first, and filtered to one connection's failed jobs.
  const pages: number[] = [];
  const filtered: number[] = [];
  const conn = targets[0]!.connectionId;
  for (let i = 0; i < 20; i++) {
    let t = now();
    await store.list({ limit: 50 });
    pages.push(now() - t);
    t = now();
    await store.list({ connectionId: conn, status: ['failed'], limit: 50 });
    filtered.push(now() - t);
  }
  // Baseline: every job in memory, filtered and sorted per request (a plain JSON store's list).
  const all = [...months.values()].flat();
  const scans: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = now();
    all
      .filter((j) => j.connectionId === conn && j.status === 'failed')
      .sort((a, b) =>
        a.hour === b.hour ? b.createdAt.localeCompare(a.createdAt) : b.hour.localeCompare(a.hour),
      )
      .slice(0, 50);
    scans.push(now() - t);
  }
  await store.close();
  return {
    jobs: JOBS,
    months: months.size,
    openMs: round(openMs),
    heapMB: round(heapMB),
    statusWriteMs: stats(writes),
    baselineMonthRewriteMs: stats(baseline),
    firstPageMs: stats(pages),
    filteredPageMs: stats(filtered),
    baselineScanSortMs: stats(scans),
  };
}

async function chromiumFigures(dataDir: string) {
  const server = spawn(
    process.execPath,
    [resolve('out/cli/main.js'), '--data-dir', dataDir, '--json', 'serve', '--no-schedule'],
    { env: { ...process.env, FERRY_DEMO: '0' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((done, fail) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) done((JSON.parse(line) as { url: string }).url);
    });
    server.on('exit', (code) => fail(new Error(`ferry serve exited with ${code}`)));
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.waitForSelector('#root[data-app-state="ready"]');
    const rows = page.locator('[data-testid="jobs-table"] tbody tr');
    const firstPage: number[] = [];
    const filter: number[] = [];
    for (let i = 0; i < 7; i++) {
      await page.getByRole('link', { name: 'Connections' }).first().click();
      await page.waitForSelector('[data-testid="connections-table"]');
      const t = now();
      await page.getByRole('link', { name: 'Jobs', exact: true }).click();
      await rows.nth(24).waitFor();
      firstPage.push(now() - t);
      // A filter change: only failed jobs.
      const before = await rows.first().textContent();
      await page.getByTestId('filter-status').click();
      const option = page.getByRole('option', { name: 'failed' });
      await option.waitFor();
      const t2 = now();
      await option.click();
      // Every row shown is a failed job, and the first row changed (evaluated in the page).
      await page.waitForFunction(
        `(() => {
          const rows = [...document.querySelectorAll('[data-testid="jobs-table"] tbody tr')];
          return rows.length > 0 && rows[0].textContent !== ${JSON.stringify(before)} &&
            rows.every((r) => r.textContent.includes('failed'));
        })()`,
      );
      filter.push(now() - t2);
      await page.keyboard.press('Escape');
    }
    // The serving process's memory with 100,000 jobs: peak and now (Linux /proc).
    const status = await readFile(`/proc/${server.pid}/status`, 'utf8').catch(() => '');
    const kb = (field: string) =>
      Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
    // The first round warms the browser's cache of the bundle; report the rest.
    return {
      servePeakRssMB: round(kb('VmHWM') / 1024),
      serveRssMB: round(kb('VmRSS') / 1024),
      firstPageMs: stats(firstPage.slice(1)),
      statusFilterMs: stats(filter.slice(1)),
      note: 'click on Jobs → 25 rows (the default page) rendered; status filter click → filtered rows rendered (from the click on the option)',
    };
  } finally {
    await browser.close();
    server.kill('SIGTERM');
  }
}

const dataDir = join(ROOT, 'data');
log(`seeding ${JOBS.toLocaleString()} jobs in ${dataDir}`);
const { months } = await seed(dataDir);
log('store: status writes and first pages');
const store = await storeFigures(dataDir, months);
log('Chromium: the history view');
const browser = await chromiumFigures(dataDir);
const result = {
  store,
  chromium: browser,
  ratios: {
    statusWrite_vs_monthRewrite: round(store.statusWriteMs.p50 / store.baselineMonthRewriteMs.p50),
    filteredPage_vs_scanSort: round(store.filteredPageMs.p50 / store.baselineScanSortMs.p50),
  },
  targets: {
    statusWriteUnder20ms: store.statusWriteMs.p95 < 20,
    firstPageUnder300msInChromium: browser.firstPageMs.p95 < 300,
  },
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
