import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { runFerry, startServe } from '../support/ferry';
import { startMoto, TEST_PROFILE, type Moto } from '../support/moto';
import { expect, fill, openConsole, test } from './fixtures';

let moto: Moto;
test.beforeAll(async () => {
  moto = await startMoto();
  await moto.s3().send(new CreateBucketCommand({ Bucket: 'form-exports' }));
});
test.afterAll(() => moto?.stop());

test('the connection form: a folder preselected, profiles listed with Check, Regions checked', async ({
  page,
  dataDir,
}) => {
  const env = { ...moto.env, FERRY_DATA_DIR: dataDir };
  expect((await runFerry(['org', 'add', '--id', '1', '--name', 'Acme'], env)).code).toBe(0);
  expect(
    (
      await runFerry(
        ['project', 'add', '--id', '7', '--org', '1', '--name', 'Web', '--source', 'demo'],
        env,
      )
    ).code,
  ).toBe(0);
  const server = await startServe(dataDir, [], moto.env);
  try {
    await openConsole(page, server.url);
    // "Export to a folder" opens on the folder, not on S3 with a profile nobody has.
    await page.getByTestId('create-folder-connection').click();
    await expect(page.getByTestId('connection-folder')).toBeVisible();
    await expect(page.getByTestId('connection-profile')).toHaveCount(0);

    // S3: the profile comes from this machine's list, and Check says who it is.
    await page.getByText('Amazon S3 bucket').click();
    const profile = page.getByTestId('connection-profile').locator('input');
    await expect(profile).toHaveValue('');
    await profile.click();
    await expect(page.getByRole('option', { name: new RegExp(TEST_PROFILE) })).toBeVisible();
    await page.getByRole('option', { name: new RegExp(TEST_PROFILE) }).click();
    await page.getByText('S3-compatible storage or a test server').click();
    // http to another computer is accepted, with what it means under the field; to this one not.
    const cleartext = /travel unencrypted \(http\)/;
    await fill(page, 'connection-endpoint', 'http://minio.lan:9000');
    await expect(page.getByText(/^Exports to minio\.lan:9000 travel unencrypted/)).toBeVisible();
    await page.screenshot({ path: test.info().outputPath('endpoint-warning.png'), fullPage: true });
    await fill(page, 'connection-endpoint', moto.endpoint);
    await expect(page.getByText(cleartext)).toHaveCount(0);
    await page.getByTestId('connection-check-profile').click();
    await expect(page.getByText(`${TEST_PROFILE} is arn:aws`)).toBeVisible();

    // A refused save puts the cursor in the first field in red; fixing it clears the red at once.
    await page.getByRole('button', { name: 'Create connection' }).click();
    const name = page.getByTestId('connection-name').locator('input');
    await expect(name).toBeFocused();
    await expect(page.getByText('Connection name is required')).toBeVisible();

    // A Region AWS does not have is a field error that names the nearest ones.
    await fill(page, 'connection-name', 'typo');
    await expect(page.getByText('Connection name is required')).toHaveCount(0);
    await fill(page, 'connection-bucket', 'form-exports');
    await fill(page, 'connection-endpoint', '');
    await fill(page, 'connection-region', 'us-east-9');
    await page.getByRole('button', { name: 'Create connection' }).click();
    await expect(
      page.getByText('us-east-9 is not an AWS Region. Did you mean us-east-1'),
    ).toBeVisible();
    await fill(page, 'connection-region', 'us-east-1');
    await expect(page.getByText('us-east-9 is not an AWS Region')).toHaveCount(0);
  } finally {
    await server.stop();
  }
});

test('an endpoint over plain http to another computer is flagged on the connection page', async ({
  page,
  dataDir,
}) => {
  const env = { ...moto.env, FERRY_DATA_DIR: dataDir };
  for (const args of [
    ['org', 'add', '--id', '1', '--name', 'Acme'],
    ['project', 'add', '--id', '7', '--org', '1', '--name', 'Web', '--source', 'demo'],
    ...[
      ['lan', 'http://minio.lan:9000'],
      ['local', moto.endpoint],
    ].map(([name, endpoint]) => [
      ...['connection', 'add', '--name', name!, '--project', '7', '--bucket', 'form-exports'],
      ...['--region', 'us-east-1', '--profile', TEST_PROFILE, '--endpoint', endpoint!],
    ]),
  ]) {
    const r = await runFerry(args, env);
    expect(r.code, r.stderr).toBe(0);
  }
  const server = await startServe(dataDir, ['--no-schedule'], moto.env);
  try {
    await openConsole(page, server.url);
    await page.getByTestId('connections-table').getByRole('link', { name: 'lan' }).click();
    await expect(page.getByTestId('endpoint-plain-http')).toHaveText(
      'Exports to minio.lan:9000 travel unencrypted (http): anyone on the network between can read the events. Use https:// unless that network is trusted.',
    );
    await page.screenshot({ path: test.info().outputPath('plain-http.png') });
    await page.goto(`${server.url}#/connections`);
    await page.getByTestId('connections-table').getByRole('link', { name: 'local' }).click();
    await expect(page.getByText(moto.endpoint)).toBeVisible();
    await expect(page.getByTestId('endpoint-plain-http')).toHaveCount(0);
  } finally {
    await server.stop();
  }
});
