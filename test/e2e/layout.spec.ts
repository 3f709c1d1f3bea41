import { expect, openConsole, test } from './fixtures';
import { exportDemoHour, tableOverflow } from './steps';

// Tables designed for a laptop at 1024 px and a desktop at 1400 px with the help panel open:
// every column in view, no sideways scrolling, and no word broken inside.
for (const [width, height] of [
  [1024, 700],
  [1400, 900],
] as const) {
  test(`Connections and Jobs fit at ${width} px with the help panel open`, async ({
    page,
    demoConsole,
  }) => {
    await page.setViewportSize({ width, height });
    await openConsole(page, demoConsole.url);
    await exportDemoHour(page);
    for (const [path, table] of [
      ['#/connections', 'connections-table'],
      ['#/jobs', 'jobs-table'],
    ] as const) {
      await page.goto(`${demoConsole.url}${path}`);
      await expect(page.getByTestId(table).getByRole('row').nth(1)).toBeVisible();
      await page.getByRole('button', { name: 'Open help panel' }).click();
      await expect(page.getByRole('button', { name: 'Close help panel' })).toBeVisible();
      expect(await tableOverflow(page, table), `${path} at ${width}`).toBeLessThanOrEqual(0);
      await page.getByRole('button', { name: 'Close help panel' }).click();
    }
  });
}
