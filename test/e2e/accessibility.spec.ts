import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, openConsole, test } from './fixtures';

/** Every violation axe finds, at any impact level, with the nodes that have them. */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  return result.violations.map(
    (v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

test('axe finds no violation, at any impact level, on the console pages', async ({
  page,
  demoConsole: server,
}) => {
  // No half-faded message mid-animation measured for contrast: the motion an admin can turn off.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await openConsole(page, server.url);
  const pages: [string, () => Promise<void>][] = [
    [
      'Connections',
      async () => {
        await expect(page.getByTestId('connections-table')).toContainText('demo-export');
      },
    ],
    [
      'Connection detail',
      async () => {
        await page
          .getByTestId('connections-table')
          .getByRole('link', { name: 'demo-export' })
          .click();
        await expect(page.getByRole('heading', { level: 1, name: 'demo-export' })).toBeVisible();
      },
    ],
    [
      'Jobs',
      async () => {
        await page.getByRole('link', { name: 'Jobs', exact: true }).first().click();
        await expect(page.getByRole('heading', { level: 1, name: /^Jobs/ })).toBeVisible();
      },
    ],
    [
      'Setup wizard',
      async () => {
        await page.goto(`${server.url.split('#')[0]}#/connections/new`);
        await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      },
    ],
    [
      'Backups',
      async () => {
        await page.getByRole('link', { name: 'Policy backups', exact: true }).click();
        await expect(
          page.getByRole('heading', { level: 1, name: /^Policy backups/ }),
        ).toBeVisible();
      },
    ],
    [
      'Not found',
      async () => {
        await page.goto(`${server.url.split('#')[0]}#/no-such-page`);
        await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
      },
    ],
    [
      'Settings',
      async () => {
        await page.getByRole('link', { name: 'Settings', exact: true }).first().click();
        await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
      },
    ],
  ];
  const found: string[] = [];
  for (const [name, open] of pages) {
    await open();
    for (const v of await violations(page)) found.push(`${name}: ${v}`);
  }
  expect(found).toEqual([]);
});
