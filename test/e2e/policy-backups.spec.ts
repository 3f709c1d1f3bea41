import { readFile } from 'node:fs/promises';
import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  PutBucketPolicyCommand,
} from '@aws-sdk/client-s3';
import { runFerry, startServe } from '../support/ferry';
import { startMoto, TEST_PROFILE, type Moto } from '../support/moto';
import { expect, fill, openConsole, test } from './fixtures';

const BUCKET = 'backup-exports';
// The owner's own statement: Ferry must keep it when merging, and a restore must bring back
// exactly this text.
const ORIGINAL = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'OwnerReadOnly',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:root' },
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${BUCKET}/*`,
    },
  ],
});

let moto: Moto;
test.beforeAll(async () => {
  moto = await startMoto();
  await moto.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
  await moto.s3().send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: ORIGINAL }));
});
test.afterAll(() => moto?.stop());

const bucketPolicy = async () =>
  (await moto.s3().send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy;

test('apply all in order asks first, then the Backups page compares and restores byte for byte', async ({
  page,
  dataDir,
}) => {
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
  const server = await startServe(dataDir, [], moto.env);
  try {
    await openConsole(page, server.url);
    await page.getByTestId('create-connection').click();
    await fill(page, 'wizard-name', 'role-exports');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('A role per project').click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByTestId('wizard-profile').locator('input').fill(TEST_PROFILE);
    await fill(page, 'wizard-bucket', BUCKET);
    await fill(page, 'wizard-prefix', 'amplitude');
    await page.getByText('S3-compatible storage or a test server').click();
    await fill(page, 'wizard-endpoint', moto.endpoint);
    await page.getByRole('checkbox', { name: 'Path-style addressing' }).check();
    await page.getByRole('button', { name: 'Next' }).click();

    // The role and the bucket policy, in their order, applied together after one confirmation.
    await expect(page.getByTestId('apply-order')).toContainText(
      'Export role ferry-export-187520: not applied yet',
    );
    await expect(page.getByTestId('apply-order')).toContainText('Bucket policy: not applied yet');
    for (const size of [
      { width: 1400, height: 900 },
      { width: 1024, height: 700 },
    ]) {
      await page.setViewportSize(size);
      await page.screenshot({ path: `test-results/screens/wizard-policy-${size.width}.png` });
    }
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.getByTestId('apply-all').click();
    const confirm = page.getByRole('dialog', { name: 'Apply 2 changes in order?' });
    await expect(confirm).toContainText(
      `Bucket policy: changes the bucket policy of s3://${BUCKET}. Ferry backs up the current bucket policy of s3://${BUCKET} first`,
    );
    await expect(confirm).toContainText('Export role ferry-export-187520: changes');
    expect(await bucketPolicy()).toBe(ORIGINAL);
    await confirm.getByTestId('confirm-apply').click();
    await expect(confirm).toBeHidden();
    await expect(page.getByTestId('apply-order')).toContainText(
      'Export role ferry-export-187520: applied',
    );
    await expect(page.getByTestId('apply-order')).toContainText('Bucket policy: applied');
    const applied = await bucketPolicy();
    expect(applied).toContain('OwnerReadOnly');
    expect(applied).toContain('ferry-export-187520');

    // The Backups page: the bucket policy as it was, compared with now, then restored.
    await page.getByRole('link', { name: 'Policy backups', exact: true }).click();
    const table = page.getByTestId('backups-table');
    const row = table.getByRole('row', { name: new RegExp(`Bucket policy\\s*s3://${BUCKET}`) });
    await expect(row).toContainText('UTC');
    await expect(table.getByRole('row')).toHaveCount(4); // header + role trust, role permissions, bucket
    await row.getByRole('radio').check();
    await page.getByRole('button', { name: 'Compare with now' }).click();
    const compare = page.getByRole('dialog', { name: /^Compare bk_/ });
    await expect(compare.getByTestId('backup-diff')).toContainText('OwnerReadOnly');
    await expect(compare.getByTestId('backup-diff').getByLabel('added').first()).toContainText(
      'ferry-export-187520',
    );
    await compare.getByRole('button', { name: 'Close', exact: true }).click();
    // Download gives the policy as it was, ready to paste into AWS: not Ferry's record of it.
    const saved = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download' }).click();
    const file = await saved;
    expect(file.suggestedFilename()).toMatch(/^bk_.*-bucket-policy\.json$/);
    const text = await readFile((await file.path())!, 'utf8');
    expect(JSON.parse(text)).toEqual(JSON.parse(ORIGINAL));

    // A colleague adds a statement after Ferry's apply: a restore keeps it, and says so.
    const ferrys = JSON.parse((await bucketPolicy())!) as { Statement: object[] };
    const colleague = {
      Sid: 'ColleagueReads',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:root' },
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${BUCKET}/reports/*`,
    };
    await moto.s3().send(
      new PutBucketPolicyCommand({
        Bucket: BUCKET,
        Policy: JSON.stringify({ ...ferrys, Statement: [...ferrys.Statement, colleague] }),
      }),
    );

    await page.getByRole('button', { name: 'Restore…' }).click();
    let restore = page.getByRole('dialog', { name: 'Restore bucket policy?' });
    await expect(restore).toContainText(
      `This puts back the statements the bucket policy of s3://${BUCKET} held`,
    );
    await expect(restore.getByTestId('restore-kept')).toContainText(
      'ColleagueReads — not Ferry’s: kept',
    );
    await expect(restore.getByTestId('restore-removed')).toContainText('FerryExport');
    await expect(restore.getByTestId('backup-diff').getByLabel('removed').first()).toContainText(
      'ferry-export-187520',
    );
    await restore.getByTestId('confirm-restore').click();
    await expect(
      page.getByText(
        /Restored the bucket policy of s3:\/\/backup-exports from bk_.*Kept 1 statement added since by others\. What it replaced is kept as bk_/,
      ),
    ).toBeVisible();
    const kept = JSON.parse((await bucketPolicy())!) as { Statement: object[] };
    expect(kept.Statement).toEqual([...JSON.parse(ORIGINAL).Statement, colleague]);

    // "Replace the whole document" lists what it drops first, then puts the backup back byte for byte.
    await table
      .getByRole('row', { name: /Bucket policy/ })
      .last()
      .getByRole('radio')
      .check();
    await page.getByRole('button', { name: 'Restore…' }).click();
    restore = page.getByRole('dialog', { name: 'Restore bucket policy?' });
    await restore.getByTestId('restore-whole').click();
    await expect(restore.getByTestId('restore-lost')).toContainText(
      'ColleagueReads — not Ferry’s: someone else added it',
    );
    // It removes a statement that is not Ferry's: the bucket's name must be typed first.
    await expect(restore.getByTestId('confirm-restore')).toBeDisabled();
    await restore.getByTestId('confirm-restore-typed').locator('input').fill('not-the-bucket');
    await expect(restore.getByTestId('confirm-restore')).toBeDisabled();
    await restore.getByTestId('confirm-restore-typed').locator('input').fill(BUCKET);
    await page.screenshot({ path: 'test-results/screens/restore-whole-1400.png' });
    await restore.getByTestId('confirm-restore').click();
    await expect(page.getByText(/What it replaced is kept as bk_/).last()).toBeVisible();
    await expect.poll(bucketPolicy).toBe(ORIGINAL);
    // What the restore replaced is itself a backup, listed with its reason.
    await expect(table.getByRole('row')).toHaveCount(6);
    await expect(table).toContainText(/before restoring bk_/);
    await page.screenshot({ path: 'test-results/screens/backups-1400.png' });
  } finally {
    await server.stop();
  }
});
