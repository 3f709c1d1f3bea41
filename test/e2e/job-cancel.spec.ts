import { callServe } from '../support/ferry';
import { expect, openConsole, test } from './fixtures';
import { neverAnsweringConnection } from './steps';

test('a running export is cancelled from its details, and can be retried', async ({
  page,
  dataDir,
}) => {
  // Amplitude never answers: the hour runs until it is cancelled, however fast the machine.
  const { server, requests, close } = await neverAnsweringConnection(dataDir, 'slow', [
    '--no-schedule',
  ]);
  try {
    await callServe(server, 'jobs.exportHour', { connectionId: 'slow', hour: '2026-03-01T05' });
    await expect.poll(requests).toBeGreaterThan(0);
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
    await close();
  }
});
