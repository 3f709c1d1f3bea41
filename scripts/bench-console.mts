/**
 * The console's first load (`npm run bench -- --only console`): from navigation to the Jobs
 * heading in a fresh Chromium context (nothing cached), median of 7, against a baseline in the
 * same run — the same page with JavaScript off (its HTML and CSS over the same server) — and
 * the budget of 1.5 s. Prints one JSON object.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { startServe } from '../test/support/ferry';

const RUNS = 7;
const BUDGET_MS = 1500;
const dir = await mkdtemp(join(tmpdir(), 'ferry-bench-console-'));
const server = await startServe(dir, [], { FERRY_DEMO: '1' });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  const load: number[] = [];
  const baseline: number[] = [];
  let firstBytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const t0 = performance.now();
    await page.goto(`${server.url}#/jobs`);
    await page.locator('#root[data-app-state="ready"]').waitFor();
    await page.getByRole('heading', { level: 1 }).waitFor();
    load.push(performance.now() - t0);
    firstBytes = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .reduce((a, e) => a + (e as unknown as { decodedBodySize: number }).decodedBodySize, 0),
    );
    await ctx.close();
    const bare = await browser.newContext({ javaScriptEnabled: false });
    const still = await bare.newPage();
    const t1 = performance.now();
    await still.goto(`${server.url}#/jobs`, { waitUntil: 'load' });
    baseline.push(performance.now() - t1);
    await bare.close();
  }
  const ms = Math.round(median(load));
  const base = Math.round(median(baseline));
  process.stdout.write(
    `${JSON.stringify({
      console_first_load_ms: ms,
      baseline_html_css_only_ms: base,
      ratio_to_baseline: Math.round((ms / base) * 10) / 10,
      budget_ms: BUDGET_MS,
      within_budget: ms < BUDGET_MS,
      kib_loaded_by_ready: Math.round(firstBytes / 1024),
    })}\n`,
  );
} finally {
  await browser.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
