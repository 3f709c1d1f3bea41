import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { startServe, type ServeProcess } from '../support/ferry';

/** `ferry serve` on a fresh temp data dir per test, stopped (bounded) afterwards. */
export const test = base.extend<{
  dataDir: string;
  console: ServeProcess;
  /** `ferry serve` on a fresh data dir seeded with the demo organization and connection. */
  demoConsole: ServeProcess;
}>({
  // eslint-disable-next-line no-empty-pattern
  dataDir: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-e2e-'));
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
  console: async ({ dataDir }, use) => {
    const server = await startServe(dataDir);
    await use(server);
    await server.stop();
  },
  demoConsole: async ({ dataDir }, use) => {
    const server = await startServe(dataDir, [], { FERRY_DEMO: '1' });
    await use(server);
    await server.stop();
  },
});

export { expect };

/** Open a console URL and wait until it says it is ready. */
export async function openConsole(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.locator('#root')).toHaveAttribute('data-app-state', 'ready');
}

/** Fill a Cloudscape input found by its test id. */
export async function fill(page: Page, testId: string, value: string): Promise<void> {
  await page.getByTestId(testId).locator('input').fill(value);
}
