// The job-history part of `npm run bench` (run by scripts/bench.mjs through tsx; prints one JSON
// object). `--jobs N` (BENCH_JOBS) jobs: 10 connections × 2 datasets × N/20 hours, 2% failed.
//   - opening the store with its index, against the baseline measured in the same run: the open
//     without an index (every month parsed, as every start did before the index);
//   - a job status write (JobsStore.put), against the same write done the way a plain lowdb month
//     shard does it (rewrite the whole month);
//   - the first history page from the store (and, as the baseline, scanning and sorting every job
//     of the newest months);
//   - the history view in Chromium (`ferry serve` + the built console): from the click on "Jobs"
//     to the first page (25 rows) on screen, and from a status filter change to the filtered
//     rows; the server's RSS after the first page and after 10 random filtered pages;
//   - 200 concurrent `jobs.list` calls (limit 50) while a one-hour export of the bench fixture
//     (BENCH_FIXTURE_DIR, the NDJSON of bench.mjs) runs in the same server: their p95, the API's
//     longest wait (a cheap call every 10 ms), and the export's MB/s against the same export
//     without the calls.
import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { startServe, waitForHour } from './bench-serve.mjs';
import { createEngine } from '../electron/engine';
import { JobsStore } from '../electron/engine/store/jobs-store';
import type { Job } from '../shared/model/jobs';
import { makeJob } from './bench-jobs';
import { now, round, stats } from './bench-stats';

const JOBS = Number(process.env.BENCH_JOBS ?? 100_000);
const CONNECTIONS = 10;
const FIXTURE_DIR = process.env.BENCH_FIXTURE_DIR ?? null;
const FIXTURE_HOUR = '2020-01-25T17';
/** The project of bench.mjs's fixture file (`187520_<hour>.ndjson`). */
const FIXTURE_PROJECT = 187520;
/** The history's projects: 187600, 187601, … */
const FIRST_PROJECT = 187600;
const ROOT = resolve(process.env.BENCH_DIR ?? join(tmpdir(), 'ferry-bench'), 'history');
const log = (...m: unknown[]) => process.stderr.write(`[bench history] ${m.join(' ')}\n`);

async function seed(dataDir: string): Promise<{ connectionIds: string[]; newest: Job[] }> {
  await rm(dataDir, { recursive: true, force: true });
  const engine = await createEngine({ dataDir, transport: 'cli', role: 'bench', seedDemo: false });
  const connectionIds: string[] = [];
  await engine.call('orgs.create', { id: 1, name: 'Bench' });
  for (let c = 0; c < CONNECTIONS; c++) {
    const projectId = FIRST_PROJECT + c;
    await engine.call('projects.create', { id: projectId, orgId: 1, name: `Project ${c}` });
    const conn = await engine.call('connections.create', {
      name: `bench-${c}`,
      projectId,
      destination: { type: 'folder', path: join(dataDir, `out-${c}`) },
      datasets: ['events', 'merged-ids'],
    });
    connectionIds.push(conn.id);
  }
  if (FIXTURE_DIR) {
    // The export that runs while the API is called: the bench fixture, to a folder.
    await engine.call('projects.create', {
      id: FIXTURE_PROJECT,
      orgId: 1,
      name: 'Fixture',
      source: { type: 'files', path: FIXTURE_DIR },
    });
    await engine.call('connections.create', {
      name: 'bench-export',
      projectId: FIXTURE_PROJECT,
      destination: { type: 'folder', path: join(dataDir, 'out-export') },
      datasets: ['events'],
    });
  }
  await engine.close();
  // History as Ferry leaves it after a clean close: one snapshot per month of hours, written a
  // month at a time (a million jobs do not fit in memory as objects at once).
  const perHour = CONNECTIONS * 2;
  const hours = Math.ceil(JOBS / perHour);
  const lastHour = Math.floor(Date.parse('2026-11-26T10:00:00Z') / 3_600_000);
  await mkdir(join(dataDir, 'jobs'), { recursive: true });
  let made = 0;
  let month: string | null = null;
  let jobs: Job[] = [];
  let newest: Job[] | null = null;
  const flush = async () => {
    if (!month) return;
    newest ??= jobs;
    await writeFile(
      join(dataDir, 'jobs', `${month}.json`),
      JSON.stringify({ schemaVersion: 1, jobs }),
    );
  };
  for (let i = 0; i < hours && made < JOBS; i++)
    for (let n = 0; n < perHour && made < JOBS; n++, made++) {
      const c = Math.floor(n / 2);
      const job = makeJob(connectionIds[c]!, FIRST_PROJECT + c, lastHour - i, n + i);
      const m = job.hour.slice(0, 7);
      if (m !== month) {
        await flush();
        month = m;
        jobs = [];
      }
      jobs.push(job);
    }
  await flush();
  return { connectionIds, newest: newest ?? [] };
}

/** The JavaScript heap and the typed arrays' buffers (where the index's columns and ids are). */
const heapMB = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return round((heapUsed + arrayBuffers) / 1_048_576);
};

async function storeFigures(dataDir: string, targets: Job[]) {
  // Baseline: an open without the index reads every month (what every start did before it).
  await rm(join(dataDir, 'jobs', 'index.bin'), { force: true });
  let peakHeap = 0;
  // Opened and closed in a function of its own: unreachable when the heap is measured below.
  const fullScanOpenMs = await (async () => {
    const t = now();
    const rebuilt = await JobsStore.open(dataDir, () => {}, false, undefined, {
      onProgress: () => {
        const { heapUsed, arrayBuffers } = process.memoryUsage();
        peakHeap = Math.max(peakHeap, heapUsed + arrayBuffers);
      },
    });
    const ms = now() - t;
    await rebuilt.close();
    return ms;
  })();
  const heapBefore = heapMB();

  const t = now();
  const store = await JobsStore.open(dataDir, () => {});
  const openMs = now() - t;
  const heapAfterOpen = heapMB();

  // Status writes of jobs of the newest month, as the scheduler makes them (running → done),
  // 2,500 of them so the journal's rotation and background fold are part of the sample.
  const writes: number[] = [];
  // Each job goes to running and back to how it ended, so the history the later figures read
  // keeps its failed hours (at small sizes every job of the month is written).
  for (let i = 0; i < 2500; i++) {
    const job = targets[Math.floor(i / 2) % targets.length]!;
    const t = now();
    await store.put({
      ...job,
      status: i % 2 ? job.status : 'running',
      attempts: job.attempts + 1,
    });
    writes.push(now() - t);
  }

  // Baseline: the same write the way a lowdb month shard does it — find, replace, rewrite the
  // whole month atomically (temp file + rename).
  const baselineDir = join(ROOT, 'baseline');
  await mkdir(baselineDir, { recursive: true });
  const shard = structuredClone(targets);
  const newest = targets[0]!.hour.slice(0, 7);
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
  // Baseline: the newest month's jobs in memory, filtered and sorted per request.
  const scans: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = now();
    shard
      .filter((j) => j.connectionId === conn && j.status === 'failed')
      .sort((a, b) =>
        a.hour === b.hour ? b.createdAt.localeCompare(a.createdAt) : b.hour.localeCompare(a.hour),
      )
      .slice(0, 50);
    scans.push(now() - t);
  }
  const size = store.size;
  await store.close();
  return {
    jobs: size,
    openMs: round(openMs),
    baselineFullScanOpenMs: round(fullScanOpenMs),
    heapAfterOpenMB: round(heapAfterOpen - heapBefore),
    baselineFullScanPeakHeapMB: round(peakHeap / 1_048_576),
    statusWriteMs: stats(writes),
    baselineMonthRewriteMs: stats(baseline),
    firstPageMs: stats(pages),
    filteredPageMs: stats(filtered),
    baselineScanSortOneMonthMs: stats(scans),
  };
}

interface Serve {
  server: ChildProcess;
  url: string;
  call: <T = unknown>(method: string, input?: unknown) => Promise<T>;
  /** The same call, its answer only received (not parsed): a load generator that stays light. */
  callRaw: (method: string, input?: unknown) => Promise<void>;
  rssMB: () => Promise<number>;
}

async function serve(dataDir: string): Promise<Serve> {
  const { server, url, call } = await startServe({
    env: { ...process.env, FERRY_DEMO: '0', FERRY_DATA_DIR: dataDir },
  });
  const origin = new URL(url).origin;
  const token = new URL(url).searchParams.get('token');
  const rssMB = async () => {
    const status = await readFile(`/proc/${server.pid}/status`, 'utf8').catch(() => '');
    return round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024);
  };
  const callRaw = async (method: string, input: unknown = {}): Promise<void> => {
    const answer = await fetch(`${origin}/api/${method}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(input),
    });
    await answer.arrayBuffer();
    if (answer.status !== 200) throw new Error(`${method}: HTTP ${answer.status}`);
  };
  return { server, url, call, callRaw, rssMB };
}

async function chromiumFigures({ url, call, rssMB }: Serve, connectionIds: string[]) {
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
    const firstPageDriver: number[] = [];
    let rssAfterFirstPage = 0;
    // Timed in the page, as a person sees it: from the pointer going down on the link (or
    // option) to the first frame after the rows are in the table. The driver's own round trips
    // (Playwright's checks before a click, its polling) are left out; they are reported apart.
    const arm = (ready: string) =>
      page.evaluate(`(() => {
        window.__from = 0;
        window.__to = 0;
        document.addEventListener('pointerdown', () => (window.__from = performance.now()), {
          capture: true,
          once: true,
        });
        const check = () => {
          if (window.__from && !window.__to && (${ready}))
            requestAnimationFrame(() => (window.__to = performance.now()));
          else if (!window.__to) requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      })()`);
    const measured = async (what: string) => {
      // Polled from here: the console's CSP (no eval) refuses waitForFunction's string.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const ms = Number(await page.evaluate('window.__to ? window.__to - window.__from : 0'));
        if (ms > 0) return ms;
        await new Promise((r) => setTimeout(r, 20));
      }
      const shot = join(ROOT, 'stuck.png');
      await page.screenshot({ path: shot });
      throw new Error(`the history view never showed ${what} within 60 s (screenshot: ${shot})`);
    };
    for (let i = 0; i < 7; i++) {
      await page.getByRole('link', { name: 'Connections' }).first().click();
      await page.waitForSelector('[data-testid="connections-table"]');
      // A person's next click comes after the page they are on has settled.
      await new Promise((r) => setTimeout(r, 300));
      await arm(`document.querySelectorAll('[data-testid="jobs-table"] tbody tr').length >= 25`);
      const t = now();
      await page.getByRole('link', { name: 'Jobs', exact: true }).click();
      firstPage.push(await measured('the first page of jobs'));
      await rows.nth(24).waitFor();
      firstPageDriver.push(now() - t);
      if (i === 0) rssAfterFirstPage = await rssMB();
      // A filter change: only failed jobs.
      const before = await rows.first().textContent();
      // The property filter, as a person uses it: "Status = Failed", picked from the list.
      await page.getByTestId('jobs-filter').locator('input').fill('Status = Failed');
      const option = page.getByRole('option', { name: 'Status = Failed', exact: true });
      await option.waitFor();
      await arm(
        `(() => {
          const rows = [...document.querySelectorAll('[data-testid="jobs-table"] tbody tr')];
          return rows.length > 0 && rows[0].textContent !== ${JSON.stringify(before)} &&
            rows.every((r) => r.textContent.toLowerCase().includes('failed'));
        })()`,
      );
      await option.click();
      filter.push(await measured('only failed jobs after the filter'));
      await page.keyboard.press('Escape');
      // Every round starts from the whole history again.
      await page.getByTestId('clear-filters').click();
    }
    // Ten random filtered pages anywhere in history (each may need a cold month).
    let seed = 7;
    const random = (n: number) => (((seed = (seed * 48271) % 2147483647) % n) + n) % n;
    const randomPages: number[] = [];
    for (let i = 0; i < 10; i++) {
      const connectionId = connectionIds[random(connectionIds.length)]!;
      const total = (await call<{ total: number }>('jobs.list', { connectionId, limit: 1 })).total;
      const t = now();
      await call('jobs.list', {
        connectionId,
        status: i % 2 ? ['succeeded'] : ['succeeded', 'failed'],
        offset: random(Math.max(1, total - 25)),
        limit: 25,
      });
      randomPages.push(now() - t);
    }
    const rssAfterRandomPages = await rssMB();
    // The first round warms the browser's cache of the bundle; report the rest.
    return {
      serveRssAfterFirstPageMB: rssAfterFirstPage,
      serveRssAfterRandomPagesMB: rssAfterRandomPages,
      firstPageMs: stats(firstPage.slice(1)),
      statusFilterMs: stats(filter.slice(1)),
      firstPageWithDriverMs: stats(firstPageDriver.slice(1)),
      randomFilteredPageMs: stats(randomPages),
      note: 'in the page: pointer down on "Jobs" → first frame with 25 rows (the default page); pointer down on the "Status = Failed" option → first frame with only failed rows. WithDriver: the same first page timed from Playwright (its click checks and polling included)',
    };
  } finally {
    await browser.close();
  }
}

/**
 * Export the fixture hour through the server and wait for it: MB/s of its NDJSON input.
 * Meanwhile, with `load`:
 *   - 'bursts': 200 concurrent jobs.list calls (limit 50) at once, a burst every second — 200
 *     calls a second, far more than consoles make;
 *   - 'sustained': 200 calls kept in flight the whole time (the worst case: this process's own
 *     requests then take a good part of the 2 cores);
 * (answers are received in full but not parsed: this process shares the two cores with the
 * export, and parsing 12 MB of JSON a second would measure the bench, not Ferry), and always a
 * cheap call every 10 ms, which shows the longest the server's event loop kept an
 * answer waiting (alone: the longest the export held the main thread).
 */
async function exportFigures(
  { call, callRaw }: Serve,
  connectionIds: string[],
  load: 'none' | 'bursts' | 'sustained',
  hour = FIXTURE_HOUR,
) {
  const latencies: number[] = [];
  const probes: number[] = [];
  let running = true;
  const loaders: Promise<void>[] = [];
  let n = 0;
  const queries = [
    () => ({ limit: 50 }),
    () => ({ limit: 50, connectionId: connectionIds[n % connectionIds.length] }),
    () => ({ limit: 50, status: ['failed'] }),
    () => ({ limit: 50, offset: 50 * (n % 5), connectionId: connectionIds[n % 3] }),
  ];
  const one = async () => {
    const q = queries[n++ % queries.length]!();
    const t = now();
    await callRaw('jobs.list', q);
    latencies.push(now() - t);
  };
  if (load === 'sustained')
    for (let k = 0; k < 200; k++)
      loaders.push(
        (async () => {
          while (running) await one();
        })(),
      );
  if (load === 'bursts')
    loaders.push(
      (async () => {
        while (running) {
          const t = now();
          await Promise.all(Array.from({ length: 200 }, one));
          await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (now() - t))));
        }
      })(),
    );
  if (hour === FIXTURE_HOUR)
    loaders.push(
      (async () => {
        while (running) {
          const t = now();
          await call('app.info');
          probes.push(now() - t);
          await new Promise((r) => setTimeout(r, 10));
        }
      })(),
    );
  const { id: exportId } = await call<{ id: string }>('connections.get', { id: 'bench-export' });
  const started = await call<{ started: { dataset: string }[] }>('jobs.exportHour', {
    connectionId: exportId,
    hour,
  });
  if (started.started.length === 0) throw new Error('the export did not start');
  const job = await waitForHour<Job>(call, exportId, hour, 250);
  running = false;
  await Promise.all(loaders);
  if (hour !== FIXTURE_HOUR) return null; // the warm-up
  if (job.status !== 'succeeded')
    throw new Error(`the export ${job.status}: ${job.error?.message}`);
  return {
    exportMBs: round(job.bytes!.raw / 1e6 / (job.durationMs! / 1000)),
    exportSeconds: round(job.durationMs! / 1000),
    ...(load !== 'none' ? { listCalls: stats(latencies) } : {}),
    apiWaitMs: stats(probes),
  };
}

const dataDir = join(ROOT, 'data');
log(`seeding ${JOBS.toLocaleString()} jobs in ${dataDir}`);
const { connectionIds, newest } = await seed(dataDir);
log('store: open, status writes and first pages');
const store = await storeFigures(dataDir, newest);
const served = await serve(dataDir);
let browser: Awaited<ReturnType<typeof chromiumFigures>>;
let quiet: Awaited<ReturnType<typeof exportFigures>> | null = null;
let bursts: Awaited<ReturnType<typeof exportFigures>> | null = null;
let sustained: Awaited<ReturnType<typeof exportFigures>> | null = null;
try {
  log('Chromium: the history view');
  browser = await chromiumFigures(served, connectionIds);
  if (FIXTURE_DIR) {
    // The files source indexes its folder on its first export (as in steady state, before).
    log('export: indexing the fixture folder');
    await exportFigures(served, connectionIds, 'none', '2020-01-01T00');
    log('export without API calls (the baseline)');
    quiet = await exportFigures(served, connectionIds, 'none');
    log('export with bursts of 200 concurrent jobs.list calls');
    bursts = await exportFigures(served, connectionIds, 'bursts');
    log('export with 200 jobs.list calls kept in flight');
    sustained = await exportFigures(served, connectionIds, 'sustained');
  }
} finally {
  served.server.kill('SIGTERM');
}
const vsQuiet = (r: typeof bursts) =>
  r && quiet
    ? {
        ...r,
        baselineExportMBs: quiet.exportMBs,
        exportSpeed_vs_quiet: round(r.exportMBs / quiet.exportMBs),
      }
    : 'no fixture (BENCH_FIXTURE_DIR): run through npm run bench';
const result = {
  store,
  chromium: browser,
  duringExport: { alone: quiet, bursts: vsQuiet(bursts), sustained: vsQuiet(sustained) },
  ratios: {
    open_vs_fullScanOpen: round(store.openMs / store.baselineFullScanOpenMs),
    statusWrite_vs_monthRewrite: round(store.statusWriteMs.p50 / store.baselineMonthRewriteMs.p50),
  },
  targets: {
    openUnder1s: store.openMs < 1000,
    serveRssUnder300MB:
      browser.serveRssAfterFirstPageMB < 300 && browser.serveRssAfterRandomPagesMB < 300,
    firstPageUnder200msInChromium: browser.firstPageMs.p95 < 200,
    statusFilterUnder250msInChromium: browser.statusFilterMs.p95 < 250,
    statusWriteUnder10ms: store.statusWriteMs.p95 < 10,
    listUnder500msDuringExport: bursts ? bursts.listCalls!.p95 < 500 : null,
    exportWithin10Percent: bursts && quiet ? bursts.exportMBs >= 0.9 * quiet.exportMBs : null,
  },
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
