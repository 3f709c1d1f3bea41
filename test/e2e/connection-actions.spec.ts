import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expect, openConsole, test } from './fixtures';
import { connectionAction } from './steps';

// Destructive actions live in the Actions menu, behind a confirmation that names what follows;
// the one nothing undoes asks for the name typed.
test('disabling hourly export asks first and says what happens to the hours meanwhile', async ({
  page,
  demoConsole,
}) => {
  await openConsole(page, demoConsole.url);
  await page.getByTestId('connections-table').getByRole('link', { name: 'demo-export' }).click();
  await page.getByTestId('toggle-enabled').click();
  // Enabled: the main action is gone from the header; turning it off is in the menu.
  await expect(page.getByTestId('toggle-enabled')).toHaveCount(0);
  await connectionAction(page, 'Disable hourly export…');
  const dialog = page.getByRole('dialog', { name: 'Disable hourly export of demo-export?' });
  await expect(dialog).toContainText('catches up the last 24 hours');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('toggle-enabled')).toHaveCount(0);

  await connectionAction(page, 'Disable hourly export…');
  await page.getByTestId('confirm-disable').click();
  await expect(page.getByTestId('toggle-enabled')).toHaveText('Enable hourly export');

  // Delete: the name typed first; a wrong name keeps the button off.
  await connectionAction(page, 'Delete connection…');
  const confirm = page.getByTestId('confirm-delete');
  await expect(confirm).toBeDisabled();
  await page.getByTestId('confirm-delete-typed').locator('input').fill('demo');
  await expect(confirm).toBeDisabled();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'demo-export' })).toBeVisible();
});

// The folder a connection writes to is checked before it is enabled, as S3 access is: here
// its disk "not mounted" (the folder gone).
test('enabling a folder connection checks the folder first, and enables nothing unasked', async ({
  page,
  dataDir,
  demoConsole,
}) => {
  const folder = join(dataDir, 'demo-export');
  await rm(folder, { recursive: true, force: true });
  await openConsole(page, demoConsole.url);
  await page.getByTestId('connections-table').getByRole('link', { name: 'demo-export' }).click();
  await page.getByTestId('toggle-enabled').click();
  const dialog = page.getByRole('dialog', { name: 'The folder check failed' });
  await expect(dialog.getByTestId('enable-check')).toContainText(
    `Find the folder: There is no folder ${folder}`,
  );
  await expect(dialog.getByTestId('enable-check')).toContainText('mount it');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('toggle-enabled')).toHaveText('Enable hourly export');
  await expect(stat(folder)).rejects.toMatchObject({ code: 'ENOENT' });

  // The disk back: the check passes and the connection is enabled at once.
  await mkdir(folder);
  await page.getByTestId('toggle-enabled').click();
  await expect(page.getByTestId('toggle-enabled')).toHaveCount(0);
  await expect(page.getByRole('dialog')).toHaveCount(0);
});

// A folder connection's folder can be checked at any time, as `ferry verify` does.
test('Check folder… runs the folder check and runs it again on request', async ({
  page,
  dataDir,
  demoConsole,
}) => {
  const folder = join(dataDir, 'demo-export');
  await openConsole(page, demoConsole.url);
  await page.getByTestId('connections-table').getByRole('link', { name: 'demo-export' }).click();
  await connectionAction(page, 'Check folder…');
  const dialog = page.getByRole('dialog', { name: 'Check the folder of demo-export' });
  await expect(dialog.getByTestId('folder-probe-folder')).toHaveText(
    `Find the folder: ${folder} is there`,
  );
  await expect(dialog.getByTestId('folder-probe-put')).toContainText('Wrote, flushed and removed');
  await expect(dialog.getByTestId('folder-probe-space')).toContainText('free on its disk');
  await expect(dialog).toContainText('The folder works');
  // Nothing among the exported files.
  expect((await readdir(folder)).filter((name) => !name.startsWith('.'))).toEqual([]);

  await rm(folder, { recursive: true });
  await dialog.getByTestId('destination-check-again').click();
  await expect(dialog.getByTestId('folder-probe-folder')).toHaveText(
    `Find the folder: There is no folder ${folder} on ${hostname()}.`,
  );
  await expect(dialog).toContainText('The folder is not ready');
  await expect(dialog).toContainText('mount it');
  await dialog.getByTestId('destination-check-close').click();
  await expect(dialog).toBeHidden();
});
