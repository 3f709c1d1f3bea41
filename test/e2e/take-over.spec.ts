import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFerry, startServe } from '../support/ferry';
import { expect, openConsole, test } from './fixtures';

const HOUR = '2026-02-02T03';

test('a destination another Ferry claimed: the console says so, and takes it over on request', async ({
  page,
  dataDir,
}) => {
  const out = await mkdtemp(join(tmpdir(), 'ferry-e2e-shared-'));
  const other = await mkdtemp(join(tmpdir(), 'ferry-e2e-other-'));
  const claims = async () => (await readdir(out)).filter((n) => n.startsWith('_ferry-owner_'));
  try {
    // Two data folders (two Ferrys), each with a connection to one folder; the other one first.
    for (const dir of [other, dataDir]) {
      const ferry = (...args: string[]) => runFerry(['--data-dir', dir, ...args]);
      expect((await ferry('org', 'add', '--id', '1', '--name', 'Acme')).code).toBe(0);
      expect(
        (
          await ferry(
            'project',
            'add',
            '--id',
            '187520',
            '--org',
            '1',
            '--name',
            'Web',
            '--source',
            'demo',
          )
        ).code,
      ).toBe(0);
      const add = await ferry(
        ...['connection', 'add', '--name', 'shared', '--project', '187520', '--folder', out],
        ...(dir === dataDir ? ['--enable'] : []),
      );
      expect(add.code, add.stderr).toBe(0);
      expect((await ferry('export', 'shared', '--hour', HOUR)).code).toBe(dir === other ? 0 : 1);
    }
    const theirs = await claims();
    expect(theirs).toHaveLength(1);

    const server = await startServe(dataDir);
    try {
      await openConsole(page, server.url);
      await page.getByRole('link', { name: 'shared' }).click();
      const alert = page.getByTestId('failing-alert');
      await expect(alert).toContainText('Another Ferry exports to this destination');
      await expect(alert).toContainText('is already exported for project 187520 by another Ferry');
      await page.getByTestId('take-over').click();
      await expect(page.getByRole('dialog')).toContainText('Do this only once the other Ferry');
      await page.getByTestId('confirm-take-over').click();
      await expect(page.getByText('This Ferry now exports to the destination')).toBeVisible();
      // Its failed hour was tried again, and now it is this Ferry's destination.
      await expect(alert).toBeHidden();
      const mine = await claims();
      expect(mine).toHaveLength(1);
      expect(mine).not.toEqual(theirs);
      const refused = await runFerry(['--data-dir', other, 'export', 'shared', '--hour', HOUR]);
      expect(refused.stdout).toMatch(/already exported for project 187520 by another Ferry/);
    } finally {
      await server.stop();
    }
  } finally {
    await rm(out, { recursive: true, force: true });
    await rm(other, { recursive: true, force: true });
  }
});
