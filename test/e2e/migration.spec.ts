import { CreateBucketCommand, GetBucketPolicyCommand } from '@aws-sdk/client-s3';
import type { Page } from '@playwright/test';
import { runFerry, startServe, type ServeProcess } from '../support/ferry';
import { motoBucketFlags, startMoto, type Moto } from '../support/moto';
import { expect, openConsole, test } from './fixtures';
import { connectionAction, tableOverflow } from './steps';

let moto: Moto;
test.beforeAll(async () => {
  moto = await startMoto();
});
test.afterAll(() => moto?.stop());

/** A legacy S3 connection exporting a demo project, and `ferry serve` on it. */
async function legacyConsole(
  dataDir: string,
  bucket: string,
  projectId: string,
): Promise<{ server: ServeProcess; id: string }> {
  await moto.s3().send(new CreateBucketCommand({ Bucket: bucket }));
  const env = { ...moto.env, FERRY_DATA_DIR: dataDir };
  const cli = async (...args: string[]) => {
    const r = await runFerry(args, env);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout;
  };
  await cli('org', 'add', '--id', '123', '--name', 'Acme');
  await cli(
    'project',
    'add',
    '--id',
    projectId,
    '--org',
    '123',
    '--name',
    'Web app',
    '--source',
    'demo',
  );
  const added = await cli(
    '--json',
    'connection',
    'add',
    '--name',
    'legacy',
    '--project',
    projectId,
    ...motoBucketFlags(moto, bucket, 'amplitude/'),
    '--enable',
    '--settle-minutes',
    '0',
  );
  const id = (JSON.parse(added) as { id: string }).id;
  return { server: await startServe(dataDir, [], moto.env), id };
}

/** Run the current step from the console and wait until it is done. */
async function runStep(page: Page, n: number): Promise<void> {
  const step = page.getByTestId(`step-${n}`);
  await step.getByTestId('run-step').click();
  await expect(step.getByTestId(`outcome-${n}`)).toBeVisible({ timeout: 30_000 });
  await expect(step.getByTestId('step-error')).toHaveCount(0);
  await expect(page.getByTestId(`step-${n + 1}`).getByTestId('run-step')).toBeVisible({
    timeout: 30_000,
  });
}

async function startMigration(page: Page, server: ServeProcess, id: string): Promise<void> {
  await openConsole(page, `${server.url}#/connections/${id}`);
  await connectionAction(page, 'Move to KMS and a per-project role…');
  await expect(
    page.getByRole('heading', { name: 'Move “legacy” to KMS and a per-project role' }),
  ).toBeVisible();
  await page.getByTestId('start-migration').click();
  await expect(page.getByTestId('migration-steps')).toBeVisible();
}

test('the KMS migration wizard walks all ten steps against moto_server', async ({
  page,
  dataDir,
}) => {
  const { server, id } = await legacyConsole(dataDir, 'migrate-wizard', '187520');
  try {
    await startMigration(page, server, id);
    for (let n = 1; n <= 8; n++) await runStep(page, n);
    await expect(page.getByTestId('outcome-8')).toContainText('saved and enabled');
    await expect(page.getByTestId('migration-backups')).toContainText(
      'Bucket policy · s3://migrate-wizard',
    );

    // 9: the first export, read back from S3 with its encryption.
    await page.getByTestId('step-9').getByTestId('run-step').click();
    await expect(page.getByTestId('first-objects')).toContainText('aws:kms', { timeout: 60_000 });

    // 10: behind a confirmation that says rollback ends here.
    await page.getByTestId('step-10').getByTestId('run-step').click();
    await expect(page.getByRole('dialog')).toContainText('rollback will no longer be possible');
    // Irreversible: the old connection's name typed first.
    await expect(page.getByTestId('confirm-delete-old')).toBeDisabled();
    await page.getByTestId('confirm-delete-old-typed').locator('input').fill('legacy');
    await page.getByTestId('confirm-delete-old').click();
    await expect(page.getByTestId('migration-finished')).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('open-rollback')).toHaveCount(0);
    // Restores are offered in the console, the CLI named only beside it.
    await expect(page.getByTestId('migration-finished')).toContainText(
      'restore one on the Policy backups page',
    );
    // The deleted connection is named in the breadcrumbs, not by its id; the new one is a link.
    await expect(page.getByRole('navigation', { name: /Breadcrumbs/i })).toContainText('legacy');
    await expect(page.getByRole('navigation', { name: /Breadcrumbs/i })).not.toContainText('cn_');
    await expect(page.getByTestId('new-connection-link')).toHaveAttribute(
      'href',
      /#\/connections\/cn_/,
    );
    // Its backups table fits, at a laptop's width too (a key policy's ARN wraps at its colons).
    for (const width of [1024, 1400]) {
      await page.setViewportSize({ width, height: 800 });
      expect(await tableOverflow(page, 'migration-backups'), `at ${width}`).toBeLessThanOrEqual(0);
    }
    // The bucket, the key and the role it now exports as: each copies in one click.
    const resources = page.getByTestId('migration-resources');
    await expect(resources.getByTestId('migration-role')).toContainText(
      /arn:aws:iam::\d{12}:role\/ferry-export-/,
    );
    const keyArn = (await resources.getByTestId('migration-key').textContent())!;
    expect(keyArn).toMatch(/^arn:aws:kms:[\w-]+:\d{12}:key\//);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await resources.getByRole('button', { name: 'Copy key ARN' }).click();
    await expect(page.getByText('Key ARN copied')).toBeVisible();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(keyArn);
    // A backup it took opens on the Policy backups page, selected, at its own address.
    const backupLink = page
      .getByTestId('migration-backups')
      .getByRole('link', { name: /Compare or restore backup/ })
      .first();
    const backupHref = (await backupLink.getAttribute('href'))!;
    expect(backupHref).toMatch(/^#\/backups\?id=/);

    // The runbook downloads as Markdown.
    const download = page.waitForEvent('download');
    await page.getByTestId('download-runbook').click();
    expect((await download).suggestedFilename()).toMatch(/^ferry-migration-mg_.*\.md$/);

    const policy = (await moto.s3().send(new GetBucketPolicyCommand({ Bucket: 'migrate-wizard' })))
      .Policy!;
    expect(policy).toContain('role/ferry-export-187520');
    // The old connection's history stays reachable: archived, and said so.
    await page.goto(`${server.url}#/jobs`);
    await page.getByTestId('jobs-filter').locator('input').fill('legacy');
    await expect(page.getByRole('option', { name: /legacy \(archived\)/ })).toBeVisible();
    await page.getByRole('option', { name: /legacy \(archived\)/ }).click();
    await expect(page.getByTestId('jobs-filter')).toContainText('legacy (archived)');
    // It exported nothing in this test: the filtered list says so, not "no jobs yet".
    await expect(page.getByTestId('jobs-table')).toContainText('No matching jobs');

    await page.goto(`${server.url}${backupHref}`);
    const backupId = backupHref.split('=')[1]!;
    await expect(
      page.getByTestId('backups-table').getByRole('radio', { name: `Select backup ${backupId}` }),
    ).toBeChecked();

    await page.goto(`${server.url}#/connections/${id}/migrate`);
    await expect(page.getByTestId('migration-finished')).toBeVisible();
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.screenshot({
      path: test.info().outputPath('migration-finished.png'),
      fullPage: true,
    });
  } finally {
    await server.stop();
  }
});

test('the KMS migration wizard rolls back and the old connection is enabled again', async ({
  page,
  dataDir,
}) => {
  const { server, id } = await legacyConsole(dataDir, 'migrate-rollback', '187521');
  try {
    await startMigration(page, server, id);
    for (let n = 1; n <= 6; n++) await runStep(page, n);

    await page.getByTestId('open-rollback').click();
    await expect(page.getByRole('dialog')).toContainText('restores the bucket policy');
    await page.getByRole('checkbox', { name: /schedule deletion of the key/ }).check();
    await page.getByTestId('confirm-rollback').click();
    // Rolled back: the page offers a fresh start and says so.
    await expect(
      page.getByText('An earlier migration of this connection was rolled back'),
    ).toBeVisible({
      timeout: 30_000,
    });

    await page.goto(`${server.url}#/connections/${id}`);
    await page.getByTestId('connection-actions').getByRole('button', { name: 'Actions' }).click();
    await expect(page.getByRole('menuitem', { name: 'Disable hourly export…' })).toBeVisible(); // enabled
    await page.keyboard.press('Escape');
    const status = await runFerry(['--json', 'migrate', 'status', id], {
      ...moto.env,
      FERRY_DATA_DIR: dataDir,
    });
    expect(status.code, status.stderr).toBe(0);
    const view = JSON.parse(status.stdout) as {
      state: string;
      rollback: { id: string; status: string }[];
    };
    expect(view.state).toBe('rolled-back');
    expect(view.rollback.filter((i) => i.status === 'failed')).toEqual([]);
    expect(view.rollback.map((i) => i.id)).toEqual(
      expect.arrayContaining([
        'bucket-policy',
        'bucket-encryption',
        'role',
        'enable-old',
        'delete-key',
      ]),
    );
  } finally {
    await server.stop();
  }
});
