import { runFerry, startServe } from '../support/ferry';
import { startRefusingMoto } from '../support/moto';
import { expect, openConsole, test } from './fixtures';
import { connectionAction } from './steps';

const BUCKET = 'refusing-bucket';
let refusing: Awaited<ReturnType<typeof startRefusingMoto>>;
let moto: Awaited<ReturnType<typeof startRefusingMoto>>['moto'];
let awsEnv: Record<string, string>;

test.beforeAll(async () => {
  // moto enforcing IAM: a user that may do all an export needs but s3:PutObject, as an admin
  // who forgot one permission.
  refusing = await startRefusingMoto(BUCKET);
  ({ moto, env: awsEnv } = refusing);
});
test.afterAll(async () => {
  await refusing?.stop();
});

/** Organization, project and an S3 connection writing as "noput" (flags added as given). */
async function seed(env: Record<string, string>, name: string, flags: string[]) {
  for (const args of [
    ['org', 'add', '--id', '123', '--name', 'Acme'],
    ['project', 'add', '--id', '187520', '--org', '123', '--name', 'Web app', '--source', 'demo'],
    // The bucket root: moto's signature check mis-handles an encoded "/" in list prefixes.
    [
      'connection',
      'add',
      '--name',
      name,
      '--project',
      '187520',
      '--bucket',
      BUCKET,
      '--region',
      'us-east-1',
      '--profile',
      'noput',
      '--endpoint',
      moto.endpoint,
      '--path-style',
      ...flags,
    ],
  ]) {
    const r = await runFerry(args, env);
    expect(r.code, r.stderr).toBe(0);
  }
}

test('an hour refused for a permission shows Failing with the permission and fix, as ferry status does', async ({
  page,
  dataDir,
}) => {
  const env = { ...awsEnv, FERRY_DATA_DIR: dataDir };
  await seed(env, 'refused', ['--datasets', 'events', '--enable']);
  // No schedule: the job under test is the one the admin starts. With it, a test that crosses an
  // hour's end also lists the scheduled export of the hour the connection was created in.
  const server = await startServe(dataDir, ['--no-schedule'], awsEnv);
  try {
    await openConsole(page, server.url);
    await page.getByTestId('connections-table').getByRole('link', { name: 'refused' }).click();
    await page.getByTestId('export-hour').first().click();
    await page.getByTestId('start-export').click();

    // The job: refused access, to be tried again later (the admin may be fixing the policy).
    const jobs = page.getByTestId('jobs-table');
    await expect(jobs).toContainText('Waiting to retry (access refused)', { timeout: 30_000 });
    await expect(jobs.getByRole('row')).toHaveCount(2);

    // The connection's page says Failing with the reason and the fix.
    await expect(page.getByRole('heading', { level: 1, name: 'refused' })).toBeVisible();
    await expect(page.locator('[data-testid^="status-cn_"]').first()).toHaveText('Failing');
    const alert = page.getByTestId('failing-alert');
    await expect(alert).toContainText('s3:PutObject');
    await expect(alert).toContainText('How to fix:');

    // Its details: the refusal with the permission, and the hour's jobs.
    await jobs.locator('[data-testid^="job-2"]').first().click();
    await expect(page.getByTestId('hour-tries')).toContainText('Jobs of this hour (1)');
    await expect(page.getByTestId('job-detail')).toContainText('s3:PutObject');
    await expect(page.getByTestId('job-detail')).toContainText(/Started by\s*manual/);
    await page.screenshot({ path: 'test-results/screens/job-detail-1400.png' });

    // Every page says so: the top bar's badge and the tab title, in the tray's words.
    await page.getByRole('link', { name: 'Jobs', exact: true }).first().click();
    const badge = page.getByRole('link', { name: '1 connection failing: show it' });
    await expect(badge).toBeVisible();
    await expect(page).toHaveTitle('1 connection failing · Jobs — Ferry');

    // The badge leads to the list, showing the failing ones only; the list agrees.
    await badge.click();
    await expect(page).toHaveURL(/#\/connections\?state=failing$/);
    await expect(page.getByTestId('connection-state-filter')).toContainText('Failing');
    const row = page.getByTestId('connections-table').getByRole('row', { name: /refused/ });
    await expect(row).toContainText('Failing');
    await expect(row).toContainText('s3:PutObject');

    // And so does the CLI, with an exit code that says so.
    const cli = await runFerry(['status'], env);
    expect(cli.stdout).toContain('1 connection failing.');
    expect(cli.stdout).toMatch(/refused\s.*Failing/);
    expect(cli.stdout).toContain('s3:PutObject');
    expect(cli.code).toBe(1);
  } finally {
    await server.stop();
  }
});

test('enabling checks access first: a failed check is shown, and nothing is enabled unasked', async ({
  page,
  dataDir,
}) => {
  const env = { ...awsEnv, FERRY_DATA_DIR: dataDir };
  await seed(env, 'unchecked', []);
  const server = await startServe(dataDir, [], awsEnv);
  try {
    await openConsole(page, server.url);
    await page.getByTestId('connections-table').getByRole('link', { name: 'unchecked' }).click();
    await page.getByTestId('toggle-enabled').click();
    const dialog = page.getByRole('dialog', { name: 'The access check failed' });
    await expect(dialog.getByTestId('enable-check')).toContainText('s3:PutObject');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('toggle-enabled')).toHaveText('Enable hourly export');
    const shown = await runFerry(['--json', 'connection', 'show', 'unchecked'], env);
    expect(JSON.parse(shown.stdout)).toMatchObject({ enabled: false });
  } finally {
    await server.stop();
  }
});

// An S3 connection's access can be checked at any time (after a policy changed), as `ferry verify`.
test('Check access… runs the access check and names the missing permission with its statement', async ({
  page,
  dataDir,
}) => {
  const env = { ...awsEnv, FERRY_DATA_DIR: dataDir };
  await seed(env, 'checked', []);
  const server = await startServe(dataDir, [], awsEnv);
  try {
    await openConsole(page, server.url);
    await page.getByTestId('connections-table').getByRole('link', { name: 'checked' }).click();
    await connectionAction(page, 'Check access…');
    const dialog = page.getByRole('dialog', { name: 'Check the access of checked' });
    await expect(dialog).toContainText('Access is not complete yet');
    await expect(dialog.getByTestId('access-probe-put')).toContainText('s3:PutObject');
    // Every probe that needs s3:PutObject is refused: its statement is drawn once, the others
    // point up to it, and no fix says "below" of a statement drawn above.
    await expect(dialog.locator('pre', { hasText: '"s3:PutObject"' })).toHaveCount(1);
    await expect(
      dialog.getByText(/^The statement shown for “.+” above grants it\.$/).first(),
    ).toBeVisible();
    await expect(dialog).not.toContainText('statement below');
    await page.screenshot({ path: test.info().outputPath('check-access.png') });
    await dialog.getByTestId('destination-check-again').click();
    await expect(dialog).toContainText('Access is not complete yet');
    await dialog.getByTestId('destination-check-close').click();
    await expect(dialog).toBeHidden();
  } finally {
    await server.stop();
  }
});

test('an edit the access check refuses says why: on the Bucket field, or above the form', async ({
  page,
  dataDir,
}) => {
  const env = { ...awsEnv, FERRY_DATA_DIR: dataDir };
  await seed(env, 'moving', ['--datasets', 'events', '--enable']);
  const server = await startServe(dataDir, ['--no-schedule'], awsEnv);
  try {
    const list = await runFerry(['connection', 'list', '--json'], env);
    const [conn] = JSON.parse(list.stdout) as { id: string }[];
    await openConsole(page, `${server.url}#/connections/${conn!.id}/edit`);
    const bucket = page.getByTestId('connection-bucket').locator('input');
    const save = page.getByTestId('save-connection');

    // A bucket that is not there: the reason is on the field, and the cursor goes to it.
    await bucket.fill('no-such-bucket');
    await save.click();
    await expect(bucket).toHaveAccessibleDescription(/There is no bucket named "no-such-bucket"/);
    const formAlert = page.getByTestId('connection-form').locator('[id^="form-error"]');
    await expect(formAlert).toHaveText('Check the fields marked in red.');
    await expect(bucket).toBeFocused();

    // A refused permission is about no field: the form's alert says it in full.
    await bucket.fill(BUCKET);
    await page.getByTestId('connection-prefix').locator('input').fill('moved-');
    await save.click();
    await expect(formAlert).toContainText(/fails its access check.*s3:PutObject is missing/);
    await expect(formAlert).not.toContainText('marked in red');
    await expect(page).toHaveURL(/\/edit$/);
  } finally {
    await server.stop();
  }
});
