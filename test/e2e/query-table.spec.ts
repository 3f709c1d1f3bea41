import AxeBuilder from '@axe-core/playwright';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { GetTableCommand } from '@aws-sdk/client-glue';
import { runFerry, startServe } from '../support/ferry';
import { motoBucketFlags, startMoto, type Moto } from '../support/moto';
import { expect, openConsole, test } from './fixtures';
import { connectionAction } from './steps';

/**
 * "Query in Athena" on a connection with the query copy: the table is not there, the admin
 * creates it from the console (it is then in the catalog with its projection), copies the
 * query for the exported hour, and deleting the connection can take the table with it.
 */
const BUCKET = 'e2e-query-table';
let moto: Moto;
test.beforeAll(async () => {
  moto = await startMoto();
  await moto.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
});
test.afterAll(async () => {
  await moto?.stop();
});

/** `ferry serve` on a data folder of organization 1 (Acme), after these CLI commands ran there. */
async function serveAfter(dataDir: string, commands: string[][]) {
  const env = { ...moto.env, FERRY_DATA_DIR: dataDir };
  for (const args of [['org', 'add', '--id', '1', '--name', 'Acme'], ...commands]) {
    const r = await runFerry(args, env);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  }
  return startServe(dataDir, ['--no-schedule'], moto.env);
}

test('creates the Glue tables from the connection page, shows its query, and removes it with the connection', async ({
  page,
  dataDir,
}) => {
  test.setTimeout(120_000);
  const server = await serveAfter(dataDir, [
    ['project', 'add', '--id', '187520', '--org', '1', '--name', 'Web', '--source', 'demo'],
    ['connection', 'add', '--name', 'web', '--project', '187520', '--datasets', 'both'].concat(
      motoBucketFlags(moto, BUCKET, 'amplitude/'),
    ),
    ['connection', 'update', 'web', '--query-copy'],
    ['export', 'web', '--hour', '2026-12-01T07'],
  ]);
  try {
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await openConsole(page, server.url);
    await page.getByTestId('connections-table').getByRole('link', { name: 'web' }).click();
    const panel = page.getByTestId('query-table');
    // One table per dataset the connection exports.
    await expect(panel.getByText('Not created yet')).toHaveCount(2);
    await expect(panel.getByText('ferry.amplitude_events_187520')).toBeVisible();
    await expect(panel.getByText('ferry.amplitude_merged_ids_187520')).toBeVisible();
    await expect(panel.getByTestId('apply-query-table')).toHaveText('Create 2 tables');
    await expect(panel.getByTestId('athena-query')).toContainText(
      "upload_hour = TIMESTAMP '2026-12-01 07:00:00'",
    );

    await panel.getByTestId('apply-query-table').click();
    await expect(panel.getByText(/Ready, dates from \d{4}-\d{2}-\d{2}/)).toHaveCount(2);
    await expect(
      page.getByText(
        'Created ferry.amplitude_events_187520; Created ferry.amplitude_merged_ids_187520.',
        { exact: false },
      ),
    ).toBeVisible();
    await expect(panel.getByTestId('apply-query-table')).toHaveCount(0);
    const { Table } = await moto
      .glue()
      .send(new GetTableCommand({ DatabaseName: 'ferry', Name: 'amplitude_events_187520' }));
    expect(Table?.Parameters?.['projection.enabled']).toBe('true');
    const merged = await moto
      .glue()
      .send(new GetTableCommand({ DatabaseName: 'ferry', Name: 'amplitude_merged_ids_187520' }));
    expect(merged.Table?.Parameters?.['projection.merge_date.type']).toBe('date');

    const axe = await new AxeBuilder({ page })
      .include('[data-testid="query-table"]')
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
      .analyze();
    expect(axe.violations.map((v) => `${v.impact} ${v.id}`)).toEqual([]);

    // Deleting the connection can take its table with it (backed up first).
    await connectionAction(page, 'Delete connection…');
    await page.getByTestId('remove-query-table').click();
    await page.getByTestId('confirm-delete-typed').locator('input').fill('web');
    await page.getByTestId('confirm-delete').click();
    await expect(
      page.getByText(/Its Glue query tables were deleted \(backed up first\)/),
    ).toBeVisible();
    for (const name of ['amplitude_events_187520', 'amplitude_merged_ids_187520'])
      await expect(
        moto.glue().send(new GetTableCommand({ DatabaseName: 'ferry', Name: name })),
      ).rejects.toMatchObject({ name: 'EntityNotFoundException' });
  } finally {
    await server.stop();
  }
});

test('offers the table over the JSON files where asked for, with a query over one hour’s files', async ({
  page,
  dataDir,
}) => {
  test.setTimeout(120_000);
  const server = await serveAfter(dataDir, [
    ['project', 'add', '--id', '187521', '--org', '1', '--name', 'App', '--source', 'demo'],
    ['connection', 'add', '--name', 'app', '--project', '187521'].concat(
      motoBucketFlags(moto, BUCKET, 'json_only/'),
    ),
    ['export', 'app', '--hour', '2026-12-01T07'],
  ]);
  try {
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await openConsole(page, server.url);
    await page.getByTestId('connections-table').getByRole('link', { name: 'app' }).click();
    const panel = page.getByTestId('query-table');
    await expect(panel).toHaveCount(0);
    // Asked for in the connection form, without the query copy.
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByRole('button', { name: /^Partitions, compression/ }).click();
    const toggle = page.getByLabel('Add a table over the JSON files');
    await toggle.scrollIntoViewIfNeeded();
    if (process.env.FERRY_SHOTS)
      await page.screenshot({ path: `${process.env.FERRY_SHOTS}/json-table-form.png` });
    await toggle.click();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(panel.getByText('ferry.amplitude_events_json_187521')).toBeVisible();
    await expect(panel.getByText(`s3://${BUCKET}/json_only/`, { exact: true })).toBeVisible();
    await expect(panel.getByTestId('athena-query')).toContainText(
      `WHERE "$path" LIKE 's3://${BUCKET}/json\\_only/187521\\_2026-12-01\\_7#%'\n  ESCAPE '\\'`,
    );
    await panel.getByTestId('apply-query-table').click();
    await expect(panel.getByText('Ready', { exact: true })).toBeVisible();
    const { Table } = await moto
      .glue()
      .send(new GetTableCommand({ DatabaseName: 'ferry', Name: 'amplitude_events_json_187521' }));
    expect(Table?.StorageDescriptor?.Location).toBe(`s3://${BUCKET}/json_only/`);
    const axe = await new AxeBuilder({ page })
      .include('[data-testid="query-table"]')
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
      .analyze();
    expect(axe.violations.map((v) => `${v.impact} ${v.id}`)).toEqual([]);
    if (process.env.FERRY_SHOTS) {
      for (const [w, h] of [
        [1400, 900],
        [1024, 700],
      ] as const) {
        await page.setViewportSize({ width: w, height: h });
        await panel.scrollIntoViewIfNeeded();
        await page.screenshot({ path: `${process.env.FERRY_SHOTS}/json-table-${w}.png` });
      }
    }
  } finally {
    await server.stop();
  }
});

test('says what moving a connection does, and moves its table after it', async ({
  page,
  dataDir,
}) => {
  test.setTimeout(120_000);
  const server = await serveAfter(dataDir, [
    ['project', 'add', '--id', '187522', '--org', '1', '--name', 'Shop', '--source', 'demo'],
    ['connection', 'add', '--name', 'shop', '--project', '187522'].concat(
      motoBucketFlags(moto, BUCKET, 'shop/'),
    ),
    ['connection', 'update', 'shop', '--json-table'],
    ['query-setup', 'shop', '--apply'],
  ]);
  try {
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await openConsole(page, server.url);
    await page.getByTestId('connections-table').getByRole('link', { name: 'shop' }).click();
    const panel = page.getByTestId('query-table');
    await expect(panel.getByText('Ready', { exact: true })).toBeVisible();

    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const notice = page.getByTestId('move-notice');
    await expect(notice).toHaveCount(0);
    await page.getByTestId('connection-prefix').locator('input').fill('shop-2027');
    await expect(notice).toContainText('Saving moves where this connection exports');
    await expect(notice).toContainText(
      `Hours exported so far stay in s3://${BUCKET}/shop/, and the job history still counts them as exported. From now on, Ferry exports to s3://${BUCKET}/shop-2027/`,
    );
    await expect(notice).toContainText('move its Athena tables under Query in Athena');
    const axe = await new AxeBuilder({ page })
      .include('[data-testid="move-notice"]')
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
      .analyze();
    expect(axe.violations.map((v) => `${v.impact} ${v.id}`)).toEqual([]);
    if (process.env.FERRY_SHOTS)
      for (const [w, h] of [
        [1400, 900],
        [1024, 700],
      ] as const) {
        await page.setViewportSize({ width: w, height: h });
        await notice.scrollIntoViewIfNeeded();
        await page.screenshot({ path: `${process.env.FERRY_SHOTS}/move-notice-${w}.png` });
      }
    // Back to where it was: nothing to say.
    await page.getByTestId('connection-prefix').locator('input').fill('shop/');
    await expect(notice).toHaveCount(0);
    await page.getByTestId('connection-prefix').locator('input').fill('shop-2027');
    await page.getByRole('button', { name: 'Save changes' }).click();

    // The table still reads the old folder until the admin moves it.
    await expect(panel).toContainText(`Still reads the old place, s3://${BUCKET}/shop/: update it`);
    if (process.env.FERRY_SHOTS) {
      await panel.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${process.env.FERRY_SHOTS}/moved-table-1024.png` });
    }
    await panel.getByTestId('apply-query-table').click();
    await expect(panel.getByText('Ready', { exact: true })).toBeVisible();
    const { Table } = await moto
      .glue()
      .send(new GetTableCommand({ DatabaseName: 'ferry', Name: 'amplitude_events_json_187522' }));
    expect(Table?.StorageDescriptor?.Location).toBe(`s3://${BUCKET}/shop-2027/`);
  } finally {
    await server.stop();
  }
});
