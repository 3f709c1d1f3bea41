import type { Page } from '@playwright/test';
import { runFerry, startServe, type ServeProcess } from '../support/ferry';
import { freePort } from '../support/moto';
import { connectionAction } from './steps';
import { expect, openConsole, test } from './fixtures';

/** A data dir with the demo connection and one exported hour: something to keep showing. */
async function exportedDemo(dataDir: string): Promise<void> {
  const env = { FERRY_DATA_DIR: dataDir, FERRY_DEMO: '1' };
  const hour = new Date(Date.now() - 2 * 3_600_000).toISOString().slice(0, 13);
  const exported = await runFerry(['export', 'demo-export', '--hour', hour], env);
  expect(exported.code, exported.stderr).toBe(0);
}

/** SIGKILL: the server vanishes as in a crash, with no goodbye to the page. */
async function crash(server: ServeProcess): Promise<void> {
  server.child.removeAllListeners('exit');
  const gone = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGKILL');
  await gone;
}

async function expectJobsShown(page: Page): Promise<void> {
  await expect(page.getByTestId('jobs-table')).toContainText('demo-export');
  await expect(page.getByTestId('jobs-table')).not.toContainText('No export jobs yet');
}

const TOKEN = 'e2e-fixed-token-0123456789abcdefghijklmnop';

test('the server killed with the page open: a banner, the last data greyed, back by itself', async ({
  page,
  dataDir,
}) => {
  await exportedDemo(dataDir);
  const port = String(await freePort());
  const env = { FERRY_SERVE_TOKEN: TOKEN };
  let server = await startServe(dataDir, ['--port', port], env);
  try {
    await openConsole(page, `${server.url}#/jobs`);
    await expectJobsShown(page);
    await expect(page.getByTestId('disconnected-banner')).toHaveCount(0);
    // Every page's code is here before the server goes (each page is its own chunk).
    await expect(page.locator('#root')).toHaveAttribute('data-pages', 'loaded');

    await crash(server);
    await expect(page.getByTestId('disconnected-banner')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('disconnected-banner')).toContainText(
      /as of \d{4}-\d\d-\d\d \d\d:\d\d UTC/,
    );
    await expect(page.getByTestId('stale-content')).toBeVisible();
    await expectJobsShown(page);
    // Pages opened meanwhile show what was read last, not "no data".
    await page.getByRole('link', { name: 'Connections', exact: true }).first().click();
    await expect(page.getByTestId('stale-content')).toContainText('demo-export');
    await page.getByRole('link', { name: 'Jobs', exact: true }).first().click();
    await expectJobsShown(page);
    await page.screenshot({ path: test.info().outputPath('disconnected.png') });
    // An action tried meanwhile says Ferry is not reachable…
    await page.getByRole('link', { name: 'Connections', exact: true }).first().click();
    await page.getByTestId('stale-content').getByRole('link', { name: 'demo-export' }).click();
    await connectionAction(page, 'Delete connection…');
    await page.getByTestId('confirm-delete-typed').locator('input').fill('demo-export');
    await page.getByTestId('confirm-delete').click();
    const dialog = page.getByRole('dialog', { name: 'Delete demo-export?' });
    await expect(dialog).toContainText('Ferry is not reachable');

    server = await startServe(dataDir, ['--port', port], env);
    await expect(page.getByTestId('disconnected-banner')).toHaveCount(0, { timeout: 20_000 });
    await expect(page.getByTestId('stale-content')).toHaveCount(0);
    // …and stops saying it once Ferry answers again; nothing was deleted.
    await expect(dialog).not.toContainText('Ferry is not reachable');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('link', { name: 'Jobs', exact: true }).first().click();
    await expectJobsShown(page);
  } finally {
    await server.stop();
  }
});

test('a restart with a new token sends the open tab to the access-link page, not a raw error', async ({
  page,
  dataDir,
}) => {
  await exportedDemo(dataDir);
  const port = String(await freePort());
  let server = await startServe(dataDir, ['--port', port]);
  try {
    await openConsole(page, `${server.url}#/jobs`);
    await expectJobsShown(page);
    await crash(server);
    await expect(page.getByTestId('disconnected-banner')).toBeVisible({ timeout: 20_000 });
    server = await startServe(dataDir, ['--port', port]);
    await expect(page.getByTestId('needs-token')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByText('token refused')).toHaveCount(0);
  } finally {
    await server.stop();
  }
});
