import type { Response } from '@playwright/test';
import { expect, openConsole, test } from './fixtures';

// The console's first load carries the shell and the page it opens on, compressed; the other
// pages' code comes afterwards, when the browser is idle (issue: "a light first load").
test('the first load sends compressed assets and only the page it opens on', async ({
  page,
  demoConsole,
}) => {
  const assets: Response[] = [];
  const calls: string[] = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/assets/')) assets.push(r);
  });
  page.on('request', (r) => {
    if (r.method() === 'POST') calls.push(new URL(r.url()).pathname);
  });
  await openConsole(page, `${demoConsole.url}#/connections`);
  await expect(page.getByRole('table').getByRole('row').nth(1)).toBeVisible();
  // The first data (app info and six lists) came in one request, not seven.
  expect(calls).toEqual(['/api/batch']);
  const firstLoad = assets.map((r) => new URL(r.url()).pathname);
  const scripts = (of: Response[]) => of.filter((r) => r.url().endsWith('.js'));
  const firstScripts = scripts(assets);
  expect(firstLoad.some((p) => /\/ConnectionsPage-[\w-]+\.js$/.test(p))).toBe(true);
  // Neither another page's code nor the chart library came with it (the chart's code names its
  // CSS classes "recharts-…"; code shared by several pages is in chunks named "shared~…").
  for (const other of ['JobsPage', 'SettingsPage', 'MigrationPage'])
    expect(
      firstLoad.filter((p) => p.includes(`/${other}-`)),
      other,
    ).toEqual([]);
  // What the first load needs besides the page's chunk, styles too, is named in the page itself:
  // fetched with it, not once a script has run.
  const html = await (await page.request.get(demoConsole.url)).text();
  for (const path of firstLoad.filter((p) => /\.(js|css)$/.test(p) && !p.includes('Page-')))
    expect(html, path).toContain(`="${path}"`);
  const hasChart = async (r: Response) => (await r.text()).includes('recharts-');
  for (const r of firstScripts) expect(await hasChart(r), r.url()).toBe(false);
  for (const response of assets.filter((r) => /\.(js|css)$/.test(r.url()))) {
    const headers = await response.allHeaders();
    // The build compresses what is over 1 KiB; smaller files go as they are.
    if (Number(headers['content-length']) >= 1024)
      expect(headers['content-encoding'], response.url()).toMatch(/^(br|gzip)$/);
    expect(headers['cache-control'], response.url()).toContain('immutable');
  }
  // Once idle, the rest follows: a page opened while Ferry is unreachable still has its code.
  await expect(page.locator('#root')).toHaveAttribute('data-pages', 'loaded', { timeout: 15_000 });
  expect(assets.some((r) => /\/JobsPage-[\w-]+\.js$/.test(r.url()))).toBe(true);
  // …the chart with it: what the check above looks for is there to be found.
  expect(await Promise.all(scripts(assets).map(hasChart))).toContain(true);
});

// The console draws once its first data is here (not the shell, then again with the page); where
// that data is slow to come, it says so meanwhile.
test('a slow first answer shows "Opening Ferry…" until it comes', async ({ page, demoConsole }) => {
  let release!: () => void;
  const held = new Promise<void>((done) => (release = done));
  // The first calls go together in one request (renderer/api/batching.ts).
  await page.route('**/api/batch', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`${demoConsole.url}#/connections`);
  await expect(page.getByText('Opening Ferry…')).toBeVisible();
  await expect(page.locator('#root')).toHaveAttribute('data-app-state', 'loading');
  release();
  await expect(page.locator('#root')).toHaveAttribute('data-app-state', 'ready');
  await expect(page.getByRole('table').getByRole('row').nth(1)).toBeVisible();
});
