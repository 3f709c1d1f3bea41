import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { runFerry, startServe } from '../support/ferry';
import { startMoto, TEST_PROFILE, type Moto } from '../support/moto';
import { expect, fill, openConsole, test } from './fixtures';
import { connectionAction } from './steps';

let moto: Moto;
test.beforeAll(async () => {
  moto = await startMoto();
  await moto.s3().send(new CreateBucketCommand({ Bucket: 'wizard-exports' }));
});
test.afterAll(() => moto?.stop());

/** Organization 123 with project 187520, and `ferry serve` on them with moto's profile. */
async function seededConsole(dataDir: string) {
  const env = { ...moto.env, FERRY_DATA_DIR: dataDir };
  expect((await runFerry(['org', 'add', '--id', '123', '--name', 'Acme'], env)).code).toBe(0);
  expect(
    (
      await runFerry(
        [
          'project',
          'add',
          '--id',
          '187520',
          '--org',
          '123',
          '--name',
          'Web app',
          '--source',
          'demo',
        ],
        env,
      )
    ).code,
  ).toBe(0);
  return startServe(dataDir, [], moto.env);
}

test('the setup wizard walks from data to an enabled, verified connection against moto_server', async ({
  page,
  dataDir,
}) => {
  const server = await seededConsole(dataDir);
  try {
    await openConsole(page, server.url);
    await page.getByTestId('create-connection').click();

    // 1. Choose data
    await fill(page, 'wizard-name', 'prod-events');
    // A project not there yet is one link away (in the only organization).
    await expect(page.getByRole('link', { name: 'Add a project' })).toHaveAttribute(
      'href',
      '#/organizations/123/projects/new',
    );
    await page.getByRole('button', { name: 'Next' }).click();
    // 2. Bucket policy steps: how the bucket trusts exports (the account, the default)
    await expect(page.getByText('Create the bucket')).toBeVisible();
    await page.getByRole('button', { name: 'Next' }).click();
    // 3. Bucket information: a wrong name is a field error, not a crash
    await page.getByTestId('wizard-profile').locator('input').fill(TEST_PROFILE);
    await fill(page, 'wizard-bucket', 'Wizard_Exports');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByTestId('wizard-field-bucket')).toContainText(
      'Bucket names use lowercase letters only',
    );
    await fill(page, 'wizard-bucket', 'wizard-exports');
    await fill(page, 'wizard-prefix', 'amplitude');
    await page.getByText('S3-compatible storage or a test server').click();
    await fill(page, 'wizard-endpoint', moto.endpoint);
    await page.getByRole('checkbox', { name: 'Path-style addressing' }).check();
    await page.getByTestId('wizard-check-profile').click();
    await expect(page.getByText(`${TEST_PROFILE} is arn:aws`)).toBeVisible();
    // Detect says what it found, also when the Region was right already.
    await page.getByRole('button', { name: 'Detect' }).click();
    await expect(page.getByTestId('detected-region')).toHaveText(
      'wizard-exports is in us-east-1, as already set.',
    );
    await page.getByRole('button', { name: 'Next' }).click();
    // 4. The generated bucket policy, applied (what it replaces is backed up)
    // Its statement ids carry the connection the wizard will create (checked below).
    await expect(page.getByTestId('policy-bucket-policy')).toContainText(
      /"FerryExport[a-z0-9]{8}Write"/,
    );
    // Nothing changes before the admin confirms, in a dialog naming the resource and the backup.
    await page.getByTestId('apply-bucket-policy').click();
    const confirm = page.getByRole('dialog', { name: 'Apply bucket policy?' });
    await expect(confirm).toContainText(
      'This changes the bucket policy of s3://wizard-exports in AWS. There is no bucket policy on s3://wizard-exports yet: Ferry records that, so a restore removes it again.',
    );
    await expect(
      moto.s3().send(new GetBucketPolicyCommand({ Bucket: 'wizard-exports' })),
    ).rejects.toMatchObject({ name: 'NoSuchBucketPolicy' });
    await confirm.getByTestId('confirm-apply').click();
    await expect(confirm).toBeHidden();
    await expect(page.getByText(/Applied\. What it replaced is backed up \(bk_/)).toBeVisible();
    await page.getByRole('button', { name: 'Next' }).click();
    // 5. Verify access: every probe green
    await page.getByTestId('wizard-verify').click();
    await expect(page.getByTestId('verify-results')).toContainText('Access works');
    for (const probe of ['location', 'list', 'put', 'multipart', 'delete'])
      await expect(page.getByTestId(`probe-${probe}`)).toBeVisible();
    await page.getByRole('button', { name: 'Next' }).click();
    // 6. Start
    await expect(page.getByText('Verified')).toBeVisible();
    await page.getByRole('button', { name: 'Create and start exporting' }).click();

    await expect(page.getByRole('heading', { name: 'prod-events' })).toBeVisible();
    await expect(page.getByText('Enabled', { exact: true })).toBeVisible();
    // The bucket name copies in one click; an S3-compatible store has no AWS console to link to.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByRole('button', { name: 'Copy bucket name' }).click();
    await expect(page.getByText('Bucket name copied')).toBeVisible();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe('wizard-exports');
    await expect(
      page.getByRole('link', { name: 'Open bucket name in the AWS console' }),
    ).toHaveCount(0);
    const probes = await moto
      .s3()
      .send(
        new ListObjectsV2Command({ Bucket: 'wizard-exports', Prefix: 'amplitude/_ferry-verify/' }),
      );
    expect(probes.KeyCount ?? 0).toBe(0); // verification cleaned up after itself
    const id = new URL(page.url()).hash.split('/').pop()!;
    expect(id).toMatch(/^cn_[a-z0-9]{8}$/);
    // The first scheduled hour is up to an hour away: said, with one to export now.
    await expect(
      page.getByText(
        /It exports every hour from now on: the first, the hour ending at \d\d:00 UTC/,
      ),
    ).toBeVisible();
    await page.getByRole('link', { name: 'Export an hour now' }).click();
    const exportNow = page.getByRole('dialog', { name: 'Export an hour now' });
    await expect(exportNow).toBeVisible();
    await exportNow.getByRole('button', { name: 'Cancel' }).click();
    const policy = await moto.s3().send(new GetBucketPolicyCommand({ Bucket: 'wizard-exports' }));
    expect(policy.Policy).toContain(`"FerryExport${id.slice(3)}Write"`);

    // Deleting it can take exactly its statements out again (the policy was only Ferry's).
    // Nothing undoes a delete: it is in the Actions menu, and asks for the name typed.
    await connectionAction(page, 'Delete connection…');
    await page.getByTestId('remove-policies').getByRole('checkbox').check();
    await expect(page.getByTestId('confirm-delete')).toBeDisabled();
    await page.getByTestId('confirm-delete-typed').locator('input').fill('prod-event');
    await expect(page.getByTestId('confirm-delete')).toBeDisabled();
    await page.getByTestId('confirm-delete-typed').locator('input').fill('prod-events');
    await page.screenshot({ path: 'test-results/delete-with-policies.png' });
    await page.getByTestId('confirm-delete').click();
    await expect(
      page.getByText(
        /Its statements were removed from the bucket-policy of s3:\/\/wizard-exports \(backed up first\)/,
      ),
    ).toBeVisible();
    await expect(
      moto.s3().send(new GetBucketPolicyCommand({ Bucket: 'wizard-exports' })),
    ).rejects.toMatchObject({ name: 'NoSuchBucketPolicy' });
  } finally {
    await server.stop();
  }
});

test('an empty prefix is applied only after the admin confirms it', async ({ page, dataDir }) => {
  await moto.s3().send(new CreateBucketCommand({ Bucket: 'whole-bucket' }));
  const server = await seededConsole(dataDir);
  try {
    await openConsole(page, server.url);
    await page.getByTestId('create-connection').click();
    await fill(page, 'wizard-name', 'everything');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByTestId('wizard-profile').locator('input').fill(TEST_PROFILE);
    await fill(page, 'wizard-bucket', 'whole-bucket');
    await page.getByText('S3-compatible storage or a test server').click();
    await fill(page, 'wizard-endpoint', moto.endpoint);
    await page.getByRole('checkbox', { name: 'Path-style addressing' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(
      page.getByText(/The prefix is empty, so the export may write and delete/),
    ).toBeVisible();
    await page.getByTestId('apply-bucket-policy').click();
    await page.getByTestId('confirm-apply').click();
    await expect(page.getByText(/Confirm to apply anyway/).first()).toBeVisible();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await expect(
      moto.s3().send(new GetBucketPolicyCommand({ Bucket: 'whole-bucket' })),
    ).rejects.toMatchObject({
      name: 'NoSuchBucketPolicy',
    });
    await page.getByTestId('wizard-confirm-warnings').getByRole('checkbox').check();
    await page.screenshot({ path: 'test-results/wizard-empty-prefix.png' });
    await page.getByTestId('apply-bucket-policy').click();
    await page.getByTestId('confirm-apply').click();
    await expect(page.getByText(/Applied\. What it replaced is backed up \(bk_/)).toBeVisible();
    const policy = await moto.s3().send(new GetBucketPolicyCommand({ Bucket: 'whole-bucket' }));
    expect(policy.Policy).toContain('arn:aws:s3:::whole-bucket/*');
  } finally {
    await server.stop();
  }
});
