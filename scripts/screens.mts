/**
 * The screenshots in docs/screens/ (referenced from docs/ui.md): the headless console in
 * Chromium against moto_server, at 1400×900 and 1024×700, over a small history with a gap and
 * a failing connection (so the top bar's health badge shows), with an Actions menu, a typed
 * confirmation and the Jobs table beside the help panel. Run: npm run screens
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { chromium, type Page } from '@playwright/test';
import { runFerry, startServe } from '../test/support/ferry';
import { startMoto, TEST_PROFILE } from '../test/support/moto';

const OUT = 'docs/screens';
const SIZES = [
  [1400, 900],
  [1024, 700],
] as const;
const hourAgo = (n: number) =>
  new Date(Math.floor(Date.now() / 3_600_000 - n) * 3_600_000).toISOString().slice(0, 13);

const dir = await mkdtemp(join(tmpdir(), 'ferry-screens-'));
const moto = await startMoto();
const env = { ...moto.env, FERRY_DATA_DIR: dir };
const ferry = async (...args: string[]) => {
  const r = await runFerry(args, env);
  if (r.code !== 0) throw new Error(`ferry ${args.join(' ')}: ${r.stderr}`);
};
await moto.s3().send(new CreateBucketCommand({ Bucket: 'acme-exports' }));
const broken = join(dir, 'ios-drop');
await mkdir(broken);
try {
  await ferry(
    'org',
    'add',
    '--id',
    '123',
    '--name',
    'Acme Inc.',
    '--admin-email',
    'data@acme.example',
  );
  await ferry(
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
    '--events-per-hour',
    '400',
  );
  await ferry(
    'project',
    'add',
    '--id',
    '187521',
    '--org',
    '123',
    '--name',
    'iOS app',
    '--source',
    'files',
    '--source-path',
    broken,
  );
  const s3 = [
    '--bucket',
    'acme-exports',
    '--region',
    'us-east-1',
    '--profile',
    TEST_PROFILE,
    '--endpoint',
    moto.endpoint,
    '--path-style',
  ];
  await ferry(
    'connection',
    'add',
    '--name',
    'web-events',
    '--project',
    '187520',
    ...s3,
    '--prefix',
    'amplitude',
    '--enable',
  );
  await ferry(
    'connection',
    'add',
    '--name',
    'ios-events',
    '--project',
    '187521',
    ...s3,
    '--prefix',
    'ios',
    '--enable',
  );
  // Two runs of hours with a gap between them, and failing hours of the other connection.
  await ferry('backfill', 'web-events', '--from', hourAgo(40), '--to', hourAgo(30));
  await ferry('backfill', 'web-events', '--from', hourAgo(20), '--to', hourAgo(2));
  // The iOS drop folder is gone (unmounted): its hours fail with a source error.
  await rm(broken, { recursive: true, force: true });
  for (const n of [5, 4, 3]) await runFerry(['export', 'ios-events', '--hour', hourAgo(n)], env);

  const server = await startServe(dir, [], moto.env);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    for (const [width, height] of SIZES) {
      const page = await browser.newPage({ viewport: { width, height } });
      const shot = (name: string) => page.screenshot({ path: `${OUT}/${name}-${width}.png` });
      const settle = () => page.waitForLoadState('networkidle');
      await page.goto(server.url);
      await page.locator('#root[data-app-state="ready"]').waitFor();
      await page.getByTestId('connections-table').getByText('Failing').first().waitFor();
      await settle();
      await shot('connections');
      await page.getByTestId('connections-table').getByRole('link', { name: 'web-events' }).click();
      await page.getByTestId('history-chart').locator('.recharts-bar-rectangle').first().waitFor();
      await settle();
      await shot('connection-detail');
      await page.getByTestId('history-chart').scrollIntoViewIfNeeded();
      await shot('connection-chart');
      // Runs in the page: `location` is the browser's (this file is checked with Node's types).
      await page.evaluate(
        () => ((globalThis as unknown as { location: { hash: string } }).location.hash = '#/jobs'),
      );
      await page.getByTestId('jobs-table').getByText('Failed').first().waitFor();
      await settle();
      await shot('jobs');
      // The help panel open beside the Jobs table: every column still in view.
      await page.getByRole('button', { name: 'Open help panel' }).click();
      await page.getByRole('button', { name: 'Close help panel' }).waitFor();
      await shot('jobs-help');
      await page.getByRole('button', { name: 'Close help panel' }).click();
      // A connection's Actions menu, and the typed confirmation of a delete.
      await page.evaluate(
        () =>
          ((globalThis as unknown as { location: { hash: string } }).location.hash =
            '#/connections'),
      );
      await page.getByTestId('connections-table').getByRole('link', { name: 'web-events' }).click();
      await page.getByTestId('connection-actions').getByRole('button', { name: 'Actions' }).click();
      await page.getByRole('menuitem', { name: 'Delete connection…' }).waitFor();
      // The menu fades in: shot once its transitions have ended, not half drawn.
      await page.evaluate(() =>
        Promise.all(
          (
            globalThis as unknown as {
              document: { getAnimations(): { finished: Promise<unknown> }[] };
            }
          ).document
            .getAnimations()
            .map((a) => a.finished),
        ),
      );
      await shot('connection-actions');
      await page.getByRole('menuitem', { name: 'Delete connection…' }).click();
      await page.getByTestId('confirm-delete-typed').locator('input').fill('web-ev');
      await shot('confirm-delete');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await wizardPolicyStep(page);
      await shot('wizard-policy');
      await page.close();
    }
  } finally {
    await browser.close();
    await server.stop();
  }
} finally {
  await moto.stop();
  await rm(dir, { recursive: true, force: true });
}

/** The wizard up to its policy step, for the web app's bucket in the role form. */
async function wizardPolicyStep(page: Page) {
  await page.evaluate(
    () =>
      ((globalThis as unknown as { location: { hash: string } }).location.hash = '#/connections'),
  );
  await page.getByTestId('create-connection').click();
  await page.getByTestId('wizard-name').locator('input').fill('web-events-role');
  await page.getByTestId('wizard-project').click();
  await page.getByRole('option', { name: /Web app/ }).click();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText('A role per project').click();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByTestId('wizard-profile').locator('input').fill(TEST_PROFILE);
  await page.getByTestId('wizard-bucket').locator('input').fill('acme-exports');
  await page.getByTestId('wizard-prefix').locator('input').fill('amplitude');
  await page.getByText('S3-compatible storage or a test server').click();
  await page.getByTestId('wizard-endpoint').locator('input').fill(moto.endpoint);
  await page.getByRole('checkbox', { name: 'Path-style addressing' }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByTestId('apply-order').waitFor();
  await page.waitForLoadState('networkidle');
}
