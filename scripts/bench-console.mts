/**
 * The console's first load (`npm run bench -- --only console`): from navigation of
 * #/connections to its table in a fresh Chromium context (nothing cached), median of 7, against a
 * baseline in the same run — the same page with JavaScript off (its HTML and CSS over the same
 * server). Counted up to that moment: the requests made and the bytes they moved over the wire
 * (compressed where the server compressed). The bar: ≤ 700 KiB, ≤ 30 requests, ≤ 3× the baseline.
 * Prints one JSON object.
 *
 * Both sides are timed alike, by the page's own clock from the start of its navigation: the
 * console to the moment its table has a row (a mutation observer, then the frame that shows it),
 * the baseline to its load event. Each load starts in a settled browser: the last context's
 * renderer is gone and the new one is up (`SETTLE_MS`), so neither side pays for the other's.
 * Playwright's own polling (20, 50, 100 ms apart) is not what is timed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { startServe } from '../test/support/ferry';

const RUNS = 7;
const SETTLE_MS = 1000;
const BAR = { kib: 700, requests: 30, ratio: 3 };
const dir = await mkdtemp(join(tmpdir(), 'ferry-bench-console-'));
const server = await startServe(dir, [], { FERRY_DEMO: '1' });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const settle = () => new Promise((done) => setTimeout(done, SETTLE_MS));
// Run in the page before its own scripts: notes when the table first has a row (and the app says
// it is ready), then when the next frame has been drawn. A string: tsx would wrap a function.
const WATCH_FOR_ROW = `(() => {
  const seen = () => {
    if (window.__ferryRowAt !== undefined) return;
    if (!document.querySelector('#root[data-app-state="ready"]')) return;
    if (!document.querySelector('table tbody tr')) return;
    window.__ferryRowAt = performance.now();
    requestAnimationFrame(() => setTimeout(() => { window.__ferryShownAt = performance.now(); }));
  };
  new MutationObserver(seen).observe(document, { subtree: true, childList: true, attributes: true });
})()`;
try {
  const load: number[] = [];
  const baseline: number[] = [];
  let wire = { bytes: 0, requests: 0, decoded: 0 };
  for (let i = 0; i < RUNS; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await ctx.addInitScript({ content: WATCH_FOR_ROW });
    const page = await ctx.newPage();
    await settle();
    await page.goto(`${server.url}#/connections`);
    await page.locator('#root[data-app-state="ready"]').waitFor();
    await page.getByRole('heading', { level: 1, name: 'Connections' }).waitFor();
    await page.getByRole('table').getByRole('row').nth(1).waitFor();
    const shownAt = await page.waitForFunction(
      () => (globalThis as { __ferryShownAt?: number }).__ferryShownAt,
    );
    load.push((await shownAt.jsonValue())!);
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
    await settle();
    await still.goto(`${server.url}#/connections`, { waitUntil: 'load' });
    const loaded = await still.evaluate(() => {
      type Navigation = { loadEventEnd: number };
      const timing = performance as unknown as { getEntriesByType(type: string): Navigation[] };
      return timing.getEntriesByType('navigation')[0]!.loadEventEnd;
    });
    baseline.push(loaded);
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
