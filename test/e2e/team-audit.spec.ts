import { runFerry, startServe, type ServeProcess } from '../support/ferry';
import { startPostgres, type Postgres } from '../support/postgres';
import { expect, openConsole, test } from './fixtures';

// Team mode's audit log in the console: a real PostgreSQL, people's tokens, `ferry serve`.
let pg: Postgres;
test.beforeAll(async () => {
  pg = await startPostgres();
});
test.afterAll(() => pg?.stop());

test('an admin reads who changed what, filters it and pages back; a laptop has no log', async ({
  page,
  dataDir,
  console: laptop,
}) => {
  const env = { FERRY_DATA_DIR: dataDir, FERRY_DATABASE_URL: await pg.database() };
  const token = async (name: string, role: string) => {
    const made = await runFerry(
      ['--json', 'team', 'token', 'add', '--name', name, '--role', role],
      env,
    );
    expect(made.code, made.stderr).toBe(0);
    return (JSON.parse(made.stdout) as { token: string }).token;
  };
  const ada = await token('ada', 'admin');
  const vera = await token('vera', 'viewer');

  // The laptop's console (a data folder, no database) offers no audit log.
  await openConsole(page, laptop.url);
  await expect(page.getByRole('link', { name: 'Policy backups' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Audit log' })).toHaveCount(0);
  await laptop.stop();

  let serve: ServeProcess | null = null;
  try {
    serve = await startServe(dataDir, ['--no-schedule'], env);
    const origin = new URL(serve.url).origin;
    const call = (bearer: string, method: string, input: unknown) =>
      fetch(`${origin}/api/${method}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(input),
      });
    expect((await call(ada, 'orgs.create', { id: 1, name: 'Acme' })).status).toBe(200);
    expect((await call(vera, 'orgs.create', { id: 2, name: 'Sneaky' })).status).toBe(403);
    // More than a page of entries (50), the newest a failure.
    for (let i = 0; i < 55; i++) await call(ada, 'orgs.update', { id: 1, name: `Acme ${i}` });
    expect((await call(ada, 'orgs.update', { id: 404, name: 'Nobody' })).status).toBe(404);

    await openConsole(page, `${origin}/?token=${ada}`);
    await page.getByRole('link', { name: 'Audit log' }).click();
    const table = page.getByTestId('audit-table');
    const rows = table.locator('tbody tr');
    await expect(rows).toHaveCount(50);
    await expect(rows.first()).toContainText('Change an organization');
    await expect(rows.first()).toContainText('Failed: not found');
    // The first page ends before the oldest entries; the next page brings them.
    await expect(table).not.toContainText('Refused (role)');
    await page.getByRole('button', { name: 'Show older entries' }).click();
    await expect(rows).toHaveCount(58);
    await expect(page.getByRole('button', { name: 'Show older entries' })).toHaveCount(0);
    await expect(rows.last()).toContainText('Create an organization');
    await expect(rows.last().getByRole('link', { name: '1' })).toHaveAttribute(
      'href',
      '#/organizations/1',
    );

    // Filtered from the address, as a bookmark or a shared link would open it.
    await page.goto(`${origin}/?token=${ada}#/audit?outcome=refused`);
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('vera');
    await expect(rows.first()).toContainText('Refused (role)');
    // Refused, so nothing was created: the id is text, not a link to nothing.
    await expect(rows.first().getByRole('link')).toHaveCount(0);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect(rows).toHaveCount(50);
    await expect(page).toHaveURL(/#\/audit$/);
  } finally {
    await serve?.stop();
  }
});
