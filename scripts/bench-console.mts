/**
 * The console's first load (`npm run bench -- --only console`): from navigation of
 * #/connections to its table in a fresh Chromium context (nothing cached), median of 7, against a
 * baseline in the same run — the same page with JavaScript off (its HTML and CSS over the same
 * server). Counted up to that moment: the requests made and the bytes they moved over the wire
 * (compressed where the server compressed). The bar: ≤ 700 KiB, ≤ 30 requests, ≤ 3× the baseline.
 * Prints one JSON object.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { startServe } from '../test/support/ferry';

const RUNS = 7;
const BAR = { kib: 700, requests: 30, ratio: 3 };
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
  let wire = { bytes: 0, requests: 0, decoded: 0 };
  for (let i = 0; i < RUNS; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    const t0 = performance.now();
    await page.goto(`${server.url}#/connections`);
    await page.locator('#root[data-app-state="ready"]').waitFor();
    await page.getByRole('heading', { level: 1, name: 'Connections' }).waitFor();
    await page.getByRole('table').getByRole('row').nth(1).waitFor();
    load.push(performance.now() - t0);
    wire = await page.evaluate(() => {
      // Browser timing entries (this file is typed for Node, where they have other names).
      type Entry = { transferSize: number; decodedBodySize: number };
      const timing = performance as unknown as { getEntriesByType(type: string): Entry[] };
      const entries = [
        ...timing.getEntriesByType('navigation'),
        ...timing.getEntriesByType('resource'),
      ];
      return {
        requests: entries.length,
        bytes: entries.reduce((a, e) => a + e.transferSize, 0),
        decoded: entries.reduce((a, e) => a + e.decodedBodySize, 0),
      };
    });
    await ctx.close();
    const bare = await browser.newContext({ javaScriptEnabled: false });
    const still = await bare.newPage();
    const t1 = performance.now();
    await still.goto(`${server.url}#/connections`, { waitUntil: 'load' });
    baseline.push(performance.now() - t1);
    await bare.close();
  }
  const ms = Math.round(median(load));
  const base = Math.round(median(baseline));
  const kib = Math.round(wire.bytes / 1024);
  const ratio = Math.round((ms / base) * 10) / 10;
  process.stdout.write(
    `${JSON.stringify({
      console_first_load_ms: ms,
      baseline_html_css_only_ms: base,
      ratio_to_baseline: ratio,
      kib_transferred: kib,
      kib_decoded: Math.round(wire.decoded / 1024),
      requests: wire.requests,
      bar: BAR,
      within_bar: kib <= BAR.kib && wire.requests <= BAR.requests && ratio <= BAR.ratio,
    })}\n`,
  );
} finally {
  await browser.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
