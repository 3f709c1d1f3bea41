import { expect, openConsole, test } from './fixtures';

test('each page has its own title, its heading takes the focus, and a skip link leads there', async ({
  page,
  demoConsole: server,
}) => {
  await openConsole(page, server.url);
  await expect(page).toHaveTitle('Connections — Ferry');

  await page.getByRole('link', { name: 'Jobs', exact: true }).first().click();
  await expect(page).toHaveTitle('Jobs — Ferry');
  await expect(page.getByRole('heading', { level: 1, name: /^Jobs/ })).toBeFocused();

  // What was said about one page does not follow to the next, and is not said twice.
  await page.getByRole('button', { name: 'Retry failed' }).click();
  await page.getByRole('button', { name: 'Retry failed' }).click();
  await expect(page.getByText('No failed hours to retry')).toHaveCount(1);
  await page.getByRole('link', { name: 'Connections', exact: true }).first().click();
  await expect(page.getByText('No failed hours to retry')).toHaveCount(0);
  await page.getByTestId('connections-table').getByRole('link', { name: 'demo-export' }).click();
  await expect(page).toHaveTitle('demo-export — Ferry');
  await expect(page.getByRole('heading', { level: 1, name: 'demo-export' })).toBeFocused();

  // A fresh page leaves the focus alone: Tab, Tab, Enter reaches the navigation.
  await page.reload();
  await expect(page.locator('#root')).toHaveAttribute('data-app-state', 'ready');
  await expect(page.getByRole('heading', { level: 1, name: 'demo-export' })).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to main content' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to navigation' })).toBeFocused();
  await page.keyboard.press('Enter');
  const sideNav = page
    .getByRole('navigation')
    .filter({ has: page.getByRole('link', { name: 'Jobs' }) });
  await expect(sideNav.getByRole('link').first()).toBeFocused();

  // The skip link is the first stop of Tab (before the top navigation), shown when it has the
  // focus; it leads past the navigation to the heading.
  await expect(page.locator('a').first()).toHaveText('Skip to main content');
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  await skip.focus();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'demo-export' })).toBeFocused();
  await expect(page).toHaveURL(/#\/connections\/cn_/);
});

test('the side navigation marks one place: Settings, also when reached by its Version link', async ({
  page,
  demoConsole: server,
}) => {
  await openConsole(page, server.url);
  const nav = page
    .getByRole('navigation')
    .filter({ has: page.getByRole('link', { name: 'Jobs' }) });
  for (const link of ['Settings', /^Version /]) {
    await nav.getByRole('link', { name: link }).click();
    await expect(page).toHaveTitle('Settings — Ferry');
    await expect(nav.locator('[aria-current="page"]')).toHaveCount(1);
    await expect(nav.locator('[aria-current="page"]')).toHaveText('Settings');
  }
});

test('the connections filters say which one matched nothing, and how to show all', async ({
  page,
  demoConsole,
}) => {
  await openConsole(page, `${demoConsole.url}#/connections`);
  const table = page.getByTestId('connections-table');
  // Text that matches no connection: not "No connections yet" and its Create button.
  await page.getByRole('searchbox', { name: 'Find connections' }).fill('nothing like it');
  await expect(table).toContainText('No connection matches this filter.');
  await expect(table).not.toContainText('No connections yet');
  await page.getByRole('searchbox', { name: 'Find connections' }).fill('');
  await expect(table.getByRole('link', { name: 'demo-export' })).toBeVisible();
  // A status no connection has.
  await page.goto(`${demoConsole.url.split('?')[0]}#/connections?state=failing`);
  await expect(table).toContainText('No connection is failing');
  await table.getByRole('button', { name: 'Show all connections' }).click();
  await expect(table.getByRole('link', { name: 'demo-export' })).toBeVisible();
});

test('the jobs filters have one "Clear filters", and it clears them all', async ({
  page,
  demoConsole,
}) => {
  await openConsole(page, `${demoConsole.url}#/jobs`);
  // It filters by properties only: words that match none of their values say so.
  const box = page.getByTestId('jobs-filter').locator('input');
  await expect(box).toHaveAttribute('placeholder', 'Filter jobs by status, data or connection');
  await box.fill('xyz');
  await expect(page.getByText('No status, data or connection matches these words.')).toBeVisible();
  await page.getByTestId('jobs-filter').locator('input').fill('Status = Failed');
  await page.getByRole('option', { name: 'Status = Failed', exact: true }).click();
  await expect(page.getByTestId('jobs-filter')).toContainText('Status = Failed');
  // Cloudscape's own beside the token cleared the token only, and had the same name.
  const clear = page.getByRole('button', { name: 'Clear filters' });
  await expect(clear).toHaveCount(1);
  await clear.click();
  await expect(page.getByTestId('jobs-filter')).not.toContainText('Status = Failed');
  await expect(clear).toHaveCount(0);
});
