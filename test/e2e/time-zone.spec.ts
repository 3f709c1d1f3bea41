import { expect, openConsole, test } from './fixtures';
import { exportDemoHour } from './steps';

test.use({ timezoneId: 'Asia/Kolkata' });

// One format for every time shown, in the zone the admin chose (remembered); export hours stay
// UTC, as the files are named.
test('times follow the zone chosen in Settings; hours stay UTC', async ({ page, demoConsole }) => {
  await openConsole(page, demoConsole.url);
  await exportDemoHour(page);
  const jobs = page.getByTestId('jobs-table');
  await jobs.getByRole('button', { name: 'Preferences' }).click();
  await page.getByRole('checkbox', { name: 'Updated' }).check();
  await page.getByRole('button', { name: 'Confirm' }).click();
  const row = jobs.getByRole('row').nth(1);
  // The hour (a link) and, by default, Updated in UTC.
  await expect(row).toContainText(/\d{4}-\d\d-\d\d \d\d:00/);
  await expect(row).toContainText(/\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);

  await page.getByRole('link', { name: 'Settings', exact: true }).first().click();
  await page.getByTestId('time-zone').getByRole('button', { name: "This computer's time" }).click();
  await page.reload();
  await expect(
    page.getByTestId('time-zone').getByRole('button', { name: "This computer's time" }),
  ).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('link', { name: 'Connections', exact: true }).first().click();
  await page.getByTestId('connections-table').getByRole('link', { name: 'demo-export' }).click();
  // Updated, in India's time; the hour itself still UTC.
  await expect(jobs.getByRole('row').nth(1)).toContainText(/\d{4}-\d\d-\d\d \d\d:\d\d UTC\+05:30/);
});
