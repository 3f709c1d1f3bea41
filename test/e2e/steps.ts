import type { Locator, Page } from '@playwright/test';
import { startAmplitudeServer } from '../support/amplitude-server';
import { runFerry, startServe, type ServeProcess } from '../support/ferry';
import { expect, fill } from './fixtures';

/**
 * A connection `name` of an Amplitude project whose Export API never answers (a stand-in on
 * 127.0.0.1): its hours run until cancelled, however fast the machine. Its `ferry serve` started.
 */
export async function neverAnsweringConnection(
  dataDir: string,
  name: string,
  serveArgs: string[] = [],
): Promise<{ server: ServeProcess; requests(): number; close(): Promise<void> }> {
  const amplitude = await startAmplitudeServer([{ hang: true }]);
  const env = { FERRY_DATA_DIR: dataDir, AMP_SECRET: 'secret-1' };
  const cli = async (...args: string[]) => expect((await runFerry(args, env)).code).toBe(0);
  await cli('org', 'add', '--id', '1', '--name', 'Acme');
  await cli(
    ...['project', 'add', '--id', '7', '--org', '1', '--name', 'Web', '--source', 'amplitude'],
    ...['--api-key', 'key-1', '--amplitude-endpoint', amplitude.url],
    ...['--secret-key-env', 'AMP_SECRET'],
  );
  await cli('connection', 'add', '--name', name, '--project', '7', '--folder', `${dataDir}/out`);
  const server = await startServe(dataDir, serveArgs, { AMP_SECRET: 'secret-1' });
  return {
    server,
    requests: () => amplitude.requests.length,
    async close() {
      await server.stop();
      await amplitude.close();
    },
  };
}

/**
 * What a new admin does first, through the UI: organization → project → connection, meeting
 * a field error for a bad bucket name on the way. Shared by the browser and desktop runs.
 */
export async function createOrgProjectConnection(page: Page): Promise<void> {
  await expect(page.getByTestId('empty-connections')).toContainText('Welcome to Ferry');
  await page.getByTestId('start-create-org').click();
  await fill(page, 'org-id', '123456');
  await fill(page, 'org-name', 'Acme Inc.');
  await fill(page, 'org-admin-email', 'data-team@acme.example');
  await page.getByTestId('save-org').click();

  await expect(page.getByRole('heading', { name: 'Add project' })).toBeVisible();
  await fill(page, 'project-id', '187520');
  await fill(page, 'project-name', 'Web app');
  // Where its events come from is asked, not assumed.
  await page.getByTestId('save-project').click();
  await expect(page.getByText('Choose where the events come from')).toBeVisible();
  await page.getByText('Demo data', { exact: true }).click();
  await page.getByTestId('save-project').click();

  // The S3 setup wizard; its AWS steps are optional, so a connection can be saved first.
  await fill(page, 'wizard-name', 'prod-events');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  // No profile is assumed: the admin names the one to use.
  await page.getByTestId('wizard-profile').locator('input').fill('default');
  await fill(page, 'wizard-bucket', 'Acme_Exports');
  await fill(page, 'wizard-prefix', 'amplitude');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByTestId('wizard-field-bucket')).toContainText(
    'Bucket names use lowercase letters only',
  );

  await fill(page, 'wizard-bucket', 'acme-exports');
  await page.getByRole('button', { name: 'Skip to Start exporting' }).click();
  await page.getByRole('checkbox', { name: 'Start hourly exports immediately' }).uncheck(); // not verified yet: save it disabled
  await page.getByRole('button', { name: 'Create connection' }).click();
  await expect(page.getByRole('heading', { name: 'prod-events' })).toBeVisible();
  await expect(page.getByText('s3://acme-exports/amplitude/').first()).toBeVisible();
}

/** The connection is on the home list. */
export async function expectConnectionListed(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Connections' }).first().click();
  const table = page.getByTestId('connections-table');
  await expect(table.getByRole('link', { name: 'prod-events' })).toBeVisible();
  await expect(table).toContainText('Web app (187520)');
  await expect(table).toContainText('s3://acme-exports/amplitude/');
  // A destination may wrap after a / or : only, never inside a word; its text is unchanged.
  const where = table.getByRole('cell', { name: 's3://acme-exports/amplitude/' });
  await expect(where.locator('wbr')).toHaveCount(4);
}

/** On the demo connection's page, export the last hour now and wait until its job succeeded. */
export async function exportDemoHour(page: Page): Promise<Locator> {
  await page.getByTestId('connections-table').getByRole('link', { name: 'demo-export' }).click();
  await page.getByTestId('export-hour').first().click();
  await page.getByTestId('start-export').click();
  const link = page.locator('[data-testid^="job-"][data-testid$="-events"]');
  const row = page.getByTestId('jobs-table').getByRole('row').filter({ has: link });
  await expect(row).toContainText('Succeeded', { timeout: 30_000 });
  // The message that announced it says how it went, instead of "Exporting…" ever after.
  await expect(
    page.getByText(/^Exported \d{4}-\d\d-\d\d \d\d:00 UTC for "demo-export"\.$/),
  ).toBeVisible();
  await expect(page.getByText(/^Exporting /)).toHaveCount(0);
  return link;
}

/** Pick an item of the connection page's Actions menu ("Delete connection…"). */
export async function connectionAction(page: Page, item: string): Promise<void> {
  await page.getByTestId('connection-actions').getByRole('button', { name: 'Actions' }).click();
  await page.getByRole('menuitem', { name: item }).click();
}

/** How far a table reaches past its own box (0: it fits, nothing hidden to the right). */
export function tableOverflow(page: Page, testId: string): Promise<number> {
  return page
    .getByTestId(testId)
    .locator('table')
    .first()
    .evaluate((table) => {
      // Browser elements (this file is typed for Node, without the DOM's names).
      const box = table as unknown as {
        scrollWidth: number;
        parentElement: { clientWidth: number };
      };
      return box.scrollWidth - box.parentElement.clientWidth;
    });
}

/**
 * Words `area` shows broken over two lines inside them ("Disab|led"), each as its text. A name
 * may wrap after a `-`, `/`, `:`, `.` or `_`: the pieces between those are the words.
 */
export function brokenWordsIn(area: Locator): Promise<string[]> {
  return area.evaluate((root) => {
    // Browser objects (this file is typed for Node, without the DOM's names).
    type Text = { textContent: string | null };
    type Range = {
      setStart(node: Text, offset: number): void;
      setEnd(node: Text, offset: number): void;
      getClientRects(): { length: number };
    };
    type Doc = {
      createTreeWalker(root: unknown, show: number): { nextNode(): Text | null };
      createRange(): Range;
    };
    const doc = (root as unknown as { ownerDocument: Doc }).ownerDocument;
    const SHOW_TEXT = 4;
    const walker = doc.createTreeWalker(root, SHOW_TEXT);
    const broken: string[] = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode())
      for (const word of (node.textContent ?? '').matchAll(/[^\s\-/:._]+/g)) {
        const range = doc.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        // One box per line the word is drawn on (none where it is hidden).
        if (range.getClientRects().length > 1) broken.push(word[0]);
      }
    return broken;
  });
}
