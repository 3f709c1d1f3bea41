import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, openConsole, test } from './fixtures';

/** Violations a person meets: critical and serious, with the nodes that have them. */
async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'critical' || v.impact === 'serious')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}

test('axe finds no critical or serious violation on the console pages', async ({
  page,
  demoConsole: server,
}) => {
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
    for (const v of await seriousViolations(page)) found.push(`${name}: ${v}`);
  }
  expect(found).toEqual([]);
});
