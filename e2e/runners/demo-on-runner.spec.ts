import { expect, test } from '@playwright/test';
import { SessionPage } from '../pages/session-page';

test('the demo runs on a runner process while the web server runs no engine, live in the browser', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo' }).click();
  const session = new SessionPage(page);
  await expect(session.view).toBeVisible({ timeout: 30_000 });
  // Run by the runner process, not the web server.
  await expect(page.getByTestId('session-runner')).toContainText('e2e-runner', { timeout: 30_000 });
  // Steps arrive live through PostgreSQL NOTIFY and the web server's relay.
  await expect(session.stepRows.nth(2)).toBeVisible({ timeout: 60_000 });
  await session.waitForStatus('done', 110_000);
  await expect(session.culpritSubject).toHaveText('virtio: fix up virtio_disable_cb');

  await page.goto('/runners');
  const row = page.getByTestId('runner-row').filter({ hasText: 'e2e-runner' });
  await expect(row).toHaveAttribute('data-alive', 'true');
});
