import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { Page } from '@playwright/test';
import { runFerry, startServe } from '../support/ferry';
import { listObjects, motoBucketFlags, startMoto, type Moto } from '../support/moto';
import { expect, openConsole, test } from './fixtures';
import { neverAnsweringConnection } from './steps';

const BUCKET = 'backfill-exports';
let moto: Moto;
test.beforeAll(async () => {
  moto = await startMoto();
  await moto.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
});
test.afterAll(() => moto?.stop());

/**
 * Pick a UTC hour in the backfill form: the date, then the hour of the day — by keyboard, as a
 * pointer click on an option of a list still opening can land on its neighbour (seen under load).
 */
async function pickHour(page: Page, field: 'from' | 'to', date: string, hour: string) {
  await page.getByTestId(`backfill-${field}-date`).locator('input').fill(date);
  const select = page.getByTestId(`backfill-${field}-hour`);
  await expect(async () => {
    await select.locator('button').first().focus();
    await page.keyboard.press('Enter'); // opens the list
    await expect(page.getByRole('listbox')).toBeVisible({ timeout: 2_000 });
    await page.keyboard.press('Home');
    for (let i = 0; i < Number(hour); i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect(select).toContainText(`${hour}:00–${hour}:59 UTC`, { timeout: 2_000 });
  }).toPass();
}

/** Backfill a range through the modal, check what its preview says, and wait for it to finish. */
async function backfill(page: Page, from: string, to: string, says: string[]): Promise<void> {
  await page.getByTestId('open-backfill').click();
  const modal = page.getByTestId('backfill-modal');
  await pickHour(page, 'from', '2026/03/01', from);
  await pickHour(page, 'to', '2026/03/01', to);
  const preview = modal.getByTestId('backfill-preview');
  for (const text of says) await expect(preview).toContainText(text);
  await modal.getByTestId('start-backfill').click();
  await expect(modal.locator('[data-backfill-status="succeeded"]')).toBeVisible({
    timeout: 30_000,
  });
}

test('backfill 6 hours through the console, filter the history to them, and overlap without duplicates', async ({
  page,
  dataDir,
}) => {
  const env = { ...moto.env, FERRY_DATA_DIR: dataDir };
  const cli = async (...args: string[]) => expect((await runFerry(args, env)).code).toBe(0);
  await cli('org', 'add', '--id', '1', '--name', 'Acme');
  await cli('project', 'add', '--id', '187520', '--org', '1', '--name', 'Web', '--source', 'demo');
  await cli(
    'connection',
    'add',
    '--name',
    'history',
    '--project',
    '187520',
    ...motoBucketFlags(moto, BUCKET, 'amplitude/'),
  );
  const server = await startServe(dataDir, [], moto.env);
  try {
    await openConsole(page, server.url);
    await page.getByTestId('connections-table').getByRole('link', { name: 'history' }).click();

    // 1. Six hours, none exported before; watch it complete.
    await backfill(page, '05', '10', [
      '6 hours × 1 dataset = 6 jobs',
      'None of these hours was exported before',
    ]);
    await expect(page.getByTestId('backfill-modal')).toContainText('6 of 6 exported');
    // Per-hour progress: one cell per hour, each exported.
    const cells = page.getByTestId('backfill-hours').locator('[data-status]');
    await expect(cells).toHaveCount(6);
    await expect(
      page.getByTestId('backfill-hours').locator('[data-status="succeeded"]'),
    ).toHaveCount(6);

    // 2. The history, filtered to exactly those hours.
    await page.getByTestId('show-backfill-history').click();
    const table = page.getByTestId('jobs-table');
    // One hour filter: the date-range picker, showing the range as ISO hours (UTC).
    const picker = page.getByTestId('filter-range');
    await expect(picker).toContainText('2026-03-01T05:00:00');
    await expect(picker).toContainText('2026-03-01T10:59:59');
    await expect(page.getByTestId('filter-from')).toHaveCount(0);
    await expect(table.getByRole('heading')).toContainText('(6)');
    const rows = table.locator('tbody tr');
    await expect(rows).toHaveCount(6);
    for (const h of ['05', '06', '07', '08', '09', '10'])
      await expect(rows.filter({ hasText: `2026-03-01 ${h}:00` })).toContainText('Succeeded');
    // Picking "the last 24 hours" there moves the range: none of these hours is in it.
    await picker.getByRole('button').first().click();
    await page.getByText('Relative mode', { exact: true }).click();
    await page.getByText(/Last 24 hours/i).click();
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(picker).not.toContainText('2026-03-01T05');
    await expect(table).toContainText('No matching jobs');
    await page.getByTestId('clear-filters').click();
    await expect(table.getByRole('heading')).toContainText('(6)');

    const before = await listObjects(moto.s3(), BUCKET, 'amplitude/');
    expect(before.map((o) => o.key).sort()).toEqual(
      [5, 6, 7, 8, 9, 10].map((h) => `amplitude/187520_2026-03-01_${h}#1.json.gz`).sort(),
    );

    // 3. An overlapping backfill says it rewrites, and leaves the bucket exactly as it was.
    await backfill(page, '07', '09', ['3 of them were exported before', 'never duplicated']);
    await page.getByTestId('close-backfill').click();
    const after = await listObjects(moto.s3(), BUCKET, 'amplitude/');
    // Same keys, same bytes: the overlapped hours were rewritten in place, nothing added.
    expect(
      after.map(({ key, etag, body }) => ({ key, etag, body: body.toString('base64') })),
    ).toEqual(before.map(({ key, etag, body }) => ({ key, etag, body: body.toString('base64') })));
    await expect(page.getByTestId('backfills-table').locator('tbody tr')).toHaveCount(2);
  } finally {
    await server.stop();
  }
});

test('a backfill over two years starts only once the admin confirms it', async ({
  page,
  dataDir,
}) => {
  // Amplitude never answers, so no hour can end before the cancel, however fast the machine:
  // with the demo source a fast machine exported every hour the modal shows before the click.
  const { server, requests, close } = await neverAnsweringConnection(dataDir, 'long');
  try {
    await openConsole(page, server.url);
    await page.getByTestId('connections-table').getByRole('link', { name: 'long' }).click();
    await page.getByTestId('open-backfill').click();
    const modal = page.getByTestId('backfill-modal');
    await pickHour(page, 'from', '2020/01/01', '00');
    await pickHour(page, 'to', '2023/12/31', '23');
    await expect(modal.getByTestId('backfill-confirm')).toContainText('35,064 hours');
    await expect(modal.getByTestId('backfill-confirm')).toContainText('4.0 years');
    const start = modal.getByTestId('start-backfill');
    await expect(start).toBeDisabled();
    await modal.getByTestId('backfill-confirm-check').locator('input').check();
    await expect(start).toBeEnabled();
    await start.click();
    await expect(modal.getByTestId('cancel-backfill')).toBeVisible();
    // Cancel once an hour is under way (Amplitude asked, never answering), not before: a click
    // that raced the first request proved nothing about running hours (and failed under load).
    await expect.poll(requests).toBeGreaterThan(0);
    await modal.getByTestId('cancel-backfill').click();
    await expect(modal.locator('[data-backfill-status="cancelled"]')).toBeVisible();
    // Its hours, the ones that had started too, say cancelled — none waits or runs — and the
    // queue is empty again.
    const shown = modal.locator('[data-status]');
    await expect(shown).toHaveCount(168);
    await expect(modal.locator('[data-status="cancelled"]')).toHaveCount(168);
    await page.getByTestId('close-backfill').click();
    await expect(page.getByTestId('queue')).toHaveText('0 running, 0 waiting');
  } finally {
    await close();
  }
});
