import { expect, test as setup } from '@playwright/test';
import { E2E_PASSWORD, STORAGE_STATE } from '../playwright.config';

/** Signs in through the sign-in page once; the specs reuse the session cookie. */
setup('sign in as the admin', async ({ page }) => {
  await page.goto('/');
  await page.waitForURL(/\/signin/); // anonymous visitors are sent to sign in
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signin-error')).toContainText('wrong password');
  await page.getByLabel('Password').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await expect(page.getByRole('heading', { name: 'Bisect sessions' })).toBeVisible();
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'bisect_session');
  expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  await page.context().storageState({ path: STORAGE_STATE });
});
