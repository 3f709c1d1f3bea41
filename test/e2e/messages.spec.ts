import { expect, openConsole, test } from './fixtures';
import { exportDemoHour } from './steps';

// Messages: in view wherever the page is scrolled; three or more fold into one stack, newest on
// top, the others one click away (issue: "three banners can stack").
test('messages stay in view, and three fold into a stack with the newest on top', async ({
  page,
  demoConsole,
}) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await openConsole(page, demoConsole.url);
  // The welcome message, then how an export went.
  await expect(page.getByText('Welcome to Ferry.')).toBeVisible();
  await exportDemoHour(page);
  const exported = page.getByText(/^Exported .* for "demo-export"\.$/);
  await expect(exported).toBeVisible();
  const all = page.getByRole('button', { name: 'All notifications' });
  await expect(all).toHaveCount(0);

  // A third, from a button at the foot of the page: said where the admin can see it.
  await page.getByTestId('retry-failed').click();
  const newest = page.getByText('No failed hours to retry');
  await expect(newest).toBeInViewport();
  await expect(all).toBeVisible();
  await expect(exported).not.toBeInViewport();
  // Opened, the stack shows all three; the welcome is still there, nothing was lost.
  await all.click();
  await expect(exported).toBeVisible();
  await expect(page.getByText('Welcome to Ferry.')).toBeVisible();
});
