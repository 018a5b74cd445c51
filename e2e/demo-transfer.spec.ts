import { expect, test } from '@playwright/test';
import { SessionPage } from './pages/session-page';
import { TransferCharts } from './pages/transfer-charts';

/**
 * "Try the demo" shows the transfer phase's graphs with no SSH host set up: the
 * copies go to the in-process simulated guest, the live graph grows while a
 * copy runs, a commit with the regression stalls a copy (red stall window and
 * "stalled at" marker), and the whole demo still ends within a minute.
 */
test('the demo draws live transfer graphs, a stall on a bad commit, and finishes in under a minute', async ({ page }) => {
  await page.goto('/');
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Try the demo' }).click();
  await page.waitForURL(/\/sessions\//, { timeout: 60_000 });
  const session = new SessionPage(page);
  const charts = new TransferCharts(page);

  // Live: the running step's copy phase is shown with its graph growing.
  await expect(charts.live).toBeVisible({ timeout: 30_000 });
  await expect
    .poll(async () => (await charts.livePoints()).points, { timeout: 15_000, intervals: [100] })
    .toBeGreaterThan(1);
  await expect(charts.liveLines().first()).toBeVisible();

  // The first bad step (the endpoint check of v5.15 carries the regression) stalled a copy.
  const badStep = session.stepRows.and(page.locator('[data-verdict="bad"]')).first();
  await expect(badStep).toBeVisible({ timeout: 30_000 });
  await badStep.getByRole('button').first().click();
  await page.getByTestId('phase-row').filter({ hasText: 'copy' }).getByRole('button').click();
  await expect(charts.live).toHaveAttribute('data-state', 'stalled');
  await expect(charts.live.getByText(/stalled at [\d.]+ MiB/).first()).toBeVisible();
  await expect(charts.live.getByText('no progress')).toBeVisible();
  await expect(charts.bars.locator('[data-outcome="stalled"]')).not.toHaveCount(0);
  await expect(page.getByTestId('step-detail')).toContainText(/copy \d\/2 stalled at [\d.]+ MiB after 1 s without progress/);

  await session.waitForStatus('done', 60_000);
  const ms = Date.now() - t0;
  console.log(`demo with transfer graphs: done ${(ms / 1000).toFixed(1)} s after the click`);
  expect(ms).toBeLessThan(60_000);
  await expect(session.culpritSubject).toHaveText('virtio: fix up virtio_disable_cb');
  await expect(charts.session).toBeVisible();
  await page.screenshot({ path: 'test-results/demo-transfer.png', fullPage: true });
});
