import { startAmplitudeServer } from '../support/amplitude-server';
import { callServe, runFerry, startServe } from '../support/ferry';
import { expect, openConsole, test } from './fixtures';

test('a running export is cancelled from its details, and can be retried', async ({
  page,
  dataDir,
}) => {
  // Amplitude never answers: the hour runs until it is cancelled, however fast the machine.
  const amplitude = await startAmplitudeServer([{ hang: true }]);
  const env = { FERRY_DATA_DIR: dataDir, AMP_SECRET: 'secret-1' };
  const cli = async (...args: string[]) => expect((await runFerry(args, env)).code).toBe(0);
  await cli('org', 'add', '--id', '1', '--name', 'Acme');
  await cli(
    ...['project', 'add', '--id', '7', '--org', '1', '--name', 'Web', '--source', 'amplitude'],
    ...['--api-key', 'key-1', '--amplitude-endpoint', amplitude.url],
    ...['--secret-key-env', 'AMP_SECRET'],
  );
  await cli('connection', 'add', '--name', 'slow', '--project', '7', '--folder', `${dataDir}/out`);
  const server = await startServe(dataDir, ['--no-schedule'], { AMP_SECRET: 'secret-1' });
  try {
    await callServe(server, 'jobs.exportHour', { connectionId: 'slow', hour: '2026-03-01T05' });
    await expect.poll(() => amplitude.requests.length).toBeGreaterThan(0);
    await openConsole(page, `${server.url}#/jobs`);
    const jobs = page.getByTestId('jobs-table');
    await expect(jobs).toContainText('Running');
    await jobs.locator('[data-testid^="job-2"]').first().click();
    const detail = page.getByTestId('job-detail');
    await expect(detail.getByTestId('retry-job')).toHaveCount(0);
    await detail.getByTestId('cancel-job').click();

    await expect(
      page.getByText(/Cancelled the export of .*nothing of it was made visible/),
    ).toBeVisible();
    await expect(jobs).toContainText('Cancelled');
    await expect(detail.getByTestId('cancel-job')).toHaveCount(0);
    await expect(detail.getByTestId('retry-job')).toBeVisible();
    await page.screenshot({ path: 'test-results/screens/job-cancelled-1400.png' });
  } finally {
    await server.stop();
    await amplitude.close();
  }
});
