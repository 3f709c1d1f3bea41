import type { Job } from '../../shared/model/jobs';
import type { ConnectionStatus } from '../../shared/model/schedule';
import { callServe, runFerry, startServe } from '../support/ferry';
import { freePort, startRefusingMoto } from '../support/moto';
import { expect, openConsole, test } from './fixtures';

/**
 * What Ferry says survives a graceful restart: SIGTERM `ferry serve`, start a new one on the same
 * folder, port and token, and the tab that stayed open shows what it showed before — a failing
 * connection still Failing at the same try (the second, or a later one on a loaded machine), one
 * enabled unchecked still Not verified, a cancelled backfill with the counts of its hours' jobs.
 */

const BUCKET = 'restart-bucket';
const TOKEN = 'e2e-restart-token-0123456789abcdefghijklmnop';
let refusing: Awaited<ReturnType<typeof startRefusingMoto>>;
test.beforeAll(async () => {
  refusing = await startRefusingMoto(BUCKET);
});
test.afterAll(async () => {
  await refusing?.stop();
});

const clock = (start: string, scale: number) => ({
  FERRY_CLOCK_START: start,
  FERRY_CLOCK_SCALE: String(scale),
});

test('Failing at its try, Not verified, and a cancelled backfill’s counts: the same after SIGTERM and a new serve', async ({
  page,
  dataDir,
}) => {
  test.setTimeout(180_000);
  const aws = refusing.env;
  const env = { ...aws, FERRY_DATA_DIR: dataDir };
  const setup = { ...env, ...clock('2026-03-01T00:59:30Z', 0.001) };
  const connection = (name: string, flags: string[]) =>
    ['connection', 'add', '--name', name, '--project', '187520', '--bucket', BUCKET]
      .concat(['--region', 'us-east-1', '--profile', 'noput'])
      .concat(['--endpoint', refusing.moto.endpoint, '--path-style', ...flags]);
  for (const args of [
    ['org', 'add', '--id', '123', '--name', 'Acme'],
    ['project', 'add', '--id', '187520', '--org', '123', '--name', 'Web', '--source', 'demo'],
    connection('refused', ['--enable', '--settle-minutes', '0', '--access-tries', '4']),
    connection('unchecked', ['--prefix', 'unchecked/']),
    ['connection', 'add', '--name', 'local', '--project', '187520', '--folder', `${dataDir}/out`],
  ]) {
    const r = await runFerry(args, setup);
    expect(r.code, r.stderr).toBe(0);
  }
  const port = String(await freePort());
  const serveEnv = { ...aws, FERRY_SERVE_TOKEN: TOKEN };
  // Half a minute a second: hour 00 is due at once and refused; its second try comes 8 s later,
  // the third 16 s after that (the test reads whichever it is at), the last 32 s later.
  let server = await startServe(dataDir, ['--port', port], {
    ...serveEnv,
    ...clock('2026-03-01T00:59:50Z', 30),
  });
  try {
    await openConsole(page, server.url);
    const idOf = async (name: string) =>
      (await callServe<{ id: string; name: string }[]>(server, 'connections.list')).find(
        (c) => c.name === name,
      )!.id;
    const statusOf = async (name: string) => {
      const id = await idOf(name);
      return (await callServe<ConnectionStatus[]>(server, 'schedule.status')).find(
        (s) => s.connectionId === id,
      );
    };
    await expect
      .poll(async () => (await statusOf('refused'))?.reason ?? '', { timeout: 60_000 })
      .toMatch(/\(try 2 of 4\)/);

    // Enabled without a passing check: Not verified.
    await page.getByTestId('connections-table').getByRole('link', { name: 'unchecked' }).click();
    await page.getByTestId('toggle-enabled').click();
    const dialog = page.getByRole('dialog', { name: 'The access check failed' });
    await dialog.getByRole('button', { name: 'Enable anyway' }).click();
    await expect(page.locator('[data-testid^="status-cn_"]').first()).toHaveText('Not verified');

    // A backfill of the folder connection, cancelled while it runs: 14 months, more than a
    // fast machine exports (a few ms an hour) before the poll below sees its first hours.
    const local = { id: await idOf('local') };
    const started = await callServe<{ id: string }>(server, 'backfills.start', {
      connectionId: local.id,
      from: '2025-01-01T00',
      to: '2026-02-28T23',
    });
    await expect
      .poll(
        async () =>
          (await callServe<{ succeeded: number }>(server, 'backfills.get', started)).succeeded,
      )
      .toBeGreaterThan(2);
    const cancelled = await callServe<{ succeeded: number; cancelled: number; total: number }>(
      server,
      'backfills.cancel',
      started,
    );
    /** Hours (per data set) of the backfill's range whose latest job succeeded, from the history. */
    const succeededJobs = async () => {
      let count = 0;
      for (let offset = 0; ; offset += 100) {
        const page = await callServe<{ items: Job[] }>(server, 'jobs.list', {
          connectionId: local.id,
          hourFrom: '2025-01-01T00',
          hourTo: '2026-02-28T23',
          latestOnly: true,
          status: ['succeeded'],
          offset,
          limit: 100,
        });
        count += page.items.length;
        if (page.items.length < 100) return count;
      }
    };
    expect(cancelled.cancelled).toBeGreaterThan(0);
    expect(cancelled.succeeded).toBe(await succeededJobs());
    const says = `Cancelled: ${cancelled.succeeded} of ${cancelled.total} exported, ${cancelled.cancelled} cancelled`;

    await page.getByRole('link', { name: 'Connections', exact: true }).first().click();
    const row = (name: string) =>
      page.getByTestId('connections-table').getByRole('row', { name: new RegExp(name) });
    await expect(row('refused')).toContainText('Failing');
    await expect(row('unchecked')).toContainText('Not verified');

    // SIGTERM, and a new serve on the same folder, its clock where the old one stopped. What it
    // said is read last: a loaded machine may see try 3 before this.
    const jobs = await runFerry(['--json', 'jobs', 'refused'], setup);
    const waiting = (JSON.parse(jobs.stdout) as { items: Job[] }).items[0]!;
    const before = (await statusOf('refused'))!;
    expect(before.reason).toContain(`(try ${waiting.attempts} of 4)`);
    expect(await server.stop()).toBe(0);
    await expect(page.getByTestId('disconnected-banner')).toBeVisible({ timeout: 20_000 });
    server = await startServe(dataDir, ['--port', port], {
      ...serveEnv,
      ...clock(waiting.updatedAt, 1),
    });
    await expect(page.getByTestId('disconnected-banner')).toHaveCount(0, { timeout: 20_000 });

    // The tab that stayed open: the same words as before.
    await expect(row('refused')).toContainText('Failing');
    await expect(row('refused')).toContainText('s3:PutObject');
    await expect(row('unchecked')).toContainText('Not verified');
    expect((await statusOf('refused'))?.reason).toBe(before.reason);
    await page.getByTestId('connections-table').getByRole('link', { name: 'refused' }).click();
    await expect(page.locator('[data-testid^="status-cn_"]').first()).toHaveText('Failing');
    const tries = page.getByTestId('jobs-table').getByRole('row').nth(1);
    await expect(tries).toContainText('Waiting to retry');
    await expect(
      tries.getByRole('cell').filter({ hasText: new RegExp(`^${waiting.attempts}$`) }),
    ).toHaveCount(1);

    await page.getByRole('link', { name: 'Connections', exact: true }).first().click();
    await page.getByTestId('connections-table').getByRole('link', { name: 'local' }).click();
    // Shown as stopped, the admin's choice — not as an error.
    const shown = page.getByTestId(`backfill-${started.id}`);
    await expect(shown).toHaveText(says);
    await expect(shown.locator('[class*="status-stopped"]')).toHaveCount(1);
    await expect(shown.locator('[class*="status-error"]')).toHaveCount(0);
    expect(await callServe<{ succeeded: number }>(server, 'backfills.get', started)).toMatchObject({
      succeeded: cancelled.succeeded,
      cancelled: cancelled.cancelled,
    });
    expect(await succeededJobs()).toBe(cancelled.succeeded);
    await page.screenshot({ path: 'test-results/screens/after-restart-1400.png' });
  } finally {
    await server.stop();
  }
});
