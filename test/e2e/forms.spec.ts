import { expect, fill, openConsole, test } from './fixtures';

// Ferry's forms say what is wrong on the field, in its words: never the browser's own bubble
// (which also kept the form from being sent, so Ferry's check never ran).
test('a wrong email on the organization form is a field error, and nothing is saved', async ({
  page,
  demoConsole,
}) => {
  await openConsole(page, `${demoConsole.url}#/organizations/new`);
  await fill(page, 'org-id', '424242');
  await fill(page, 'org-name', 'Typo Inc.');
  await fill(page, 'org-admin-email', 'data-team');
  await page.getByTestId('save-org').click();
  await expect(page.getByTestId('org-admin-email').locator('input')).toHaveAccessibleDescription(
    /Enter an email address/,
  );
  await expect(page).toHaveURL(/#\/organizations\/new$/);
});
