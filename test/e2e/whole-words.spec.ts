import { expect, openConsole, test } from './fixtures';
import { brokenWordsIn, exportDemoHour } from './steps';

// No word broken inside it anywhere ("Disab|led"), on each page an admin meets first, at a
// laptop's 1024 px and a desktop's 1400 px, with the help panel open (the narrowest content).
for (const [width, height] of [
  [1024, 700],
  [1400, 900],
] as const) {
  test(`no word is broken inside at ${width} px`, async ({ page, demoConsole }) => {
    await page.setViewportSize({ width, height });
    await openConsole(page, demoConsole.url);
    await exportDemoHour(page);
    const base = demoConsole.url.split('#')[0]!;
    const pages: [string, string][] = [
      ['#/connections', 'Connections'],
      ['#/connections/new', 'Choose data'],
      ['#/jobs', 'Jobs'],
      ['#/organizations', 'Organizations'],
      ['#/backups', 'Policy backups'],
      ['#/settings', 'Settings'],
    ];
    const found: string[] = [];
    for (const [path, heading] of pages) {
      await page.goto(`${base}${path}`);
      await expect(
        page.getByRole('heading', { level: 1, name: new RegExp(`^${heading}`) }),
      ).toBeVisible();
      await page.getByRole('button', { name: 'Open help panel' }).click();
      await expect(page.getByRole('button', { name: 'Close help panel' })).toBeVisible();
      for (const word of await brokenWordsIn(page.locator('#main-content')))
        found.push(`${path}: ${word}`);
    }
    // The connection's own page, reached as an admin does.
    await page.goto(`${base}#/connections`);
    await page.getByTestId('connections-table').getByRole('link', { name: 'demo-export' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'demo-export' })).toBeVisible();
    for (const word of await brokenWordsIn(page.locator('#main-content')))
      found.push(`connection page: ${word}`);
    expect(found).toEqual([]);
  });
}
