import { expect, openConsole, test } from './fixtures';
import { exportDemoHour, tableOverflow } from './steps';

// Tables designed for a laptop at 1024 px and a desktop at 1400 px with the help panel open:
// every column in view, no sideways scrolling (no word broken inside: whole-words.spec.ts).
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
    // The chart under Jobs: a value axis label broken over two lines runs out of the chart at
    // its top (the stored-size axis's did, "409.6 / KiB").
    const ticks = page.locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value');
    await expect(ticks.first()).toBeVisible();
    const broken: (string | null)[] = [];
    for (const label of await ticks.all())
      if ((await label.locator('tspan').count()) > 1) broken.push(await label.textContent());
    expect(broken, `axis labels at ${width}`).toEqual([]);
  });
}
