import { expect, test } from '@playwright/test';
import { SessionPage } from './pages/session-page';
import { TransferCharts } from './pages/transfer-charts';
import { trpcQuery } from './helpers/api';
import { finishedDemo } from './helpers/demo';

/**
 * "Try the demo", watched live: log lines stream; the transfer phase's graphs
 * grow with no SSH host set up (the copies go to the in-process simulated
 * guest) and a commit with the regression stalls a copy (red stall window,
 * "stalled at" marker); a reload mid-run loses no line; it ends on the culprit
 * within a minute.
 */
test('the demo bisect runs live with transfer graphs and a stall, survives a reload without losing lines, and finds the culprit in under a minute', async ({ page, request }) => {
  await page.goto('/');
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Try the demo' }).click();
  await page.waitForURL(/\/sessions\//, { timeout: 60_000 });
  const session = new SessionPage(page);
  const charts = new TransferCharts(page);

  // Live: log lines stream in while the session runs.
  await session.waitForStatus('running');
  await expect(page.getByTestId('log-line').first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('revisions-left')).toContainText(/revisions? left to test after this \(roughly \d+ steps?\)/);

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

  // Reload mid-run: the stream resumes from the database and continues live.
  await expect(session.stepRows.nth(2)).toBeVisible({ timeout: 60_000 });
  await page.reload();
  await session.waitForStatus('done', 60_000);
  const ms = Date.now() - t0;
  console.log(`demo with transfer graphs: done ${(ms / 1000).toFixed(1)} s after the click`);
  expect(ms).toBeLessThan(60_000);
  await expect(charts.session).toBeVisible();
  await page.screenshot({ path: 'test-results/demo-transfer.png', fullPage: true });

  // The culprit and the timeline.
  await expect(session.culpritSubject).toHaveText('virtio: fix up virtio_disable_cb');
  const steps = await session.stepRows.count();
  expect(steps).toBeGreaterThan(5);
  // The endpoint checks (the bad and the good ref) are steps but not timeline markers.
  const checks = await session.stepRows.filter({ has: page.getByTestId('step-note').filter({ hasText: /^check/ }) }).count();
  expect(checks).toBe(2);
  // So are the two runs that verify the culprit (its revert on the bad commit, its parent).
  const verifies = await session.stepRows.filter({ has: page.getByTestId('step-note').filter({ hasText: /^verify/ }) }).count();
  expect(verifies).toBe(2);
  await expect(page.getByTestId('culprit-verification')).toContainText('verified: reverting it fixes the bad commit');
  await expect(session.markers).toHaveCount(steps - checks - verifies);
  await expect(page.getByTestId('timeline-culprit')).toBeVisible();
  await expect(session.bisectLog).toContainText('# first bad commit:');

  // No line lost: every phase of every step shows exactly what the server stored.
  for (let i = 0; i < steps; i++) {
    await session.stepRows.nth(i).click();
    for (const phase of await page.getByTestId('phase-row').all()) {
      await phase.getByRole('button').click();
      const { received, stored } = await session.logCounts();
      expect(stored).toBeGreaterThan(0);
      expect(received).toBe(stored);
    }
  }

  // The full log of a phase downloads as plain text.
  const res = await request.get(`/api/sessions/${session.id()}/log?step=1&phase=0`);
  expect(res.ok()).toBe(true);
  expect((await res.text()).split('\n').length).toBeGreaterThan(50);

  // Home lists it as done.
  await page.goto('/');
  await expect(page.getByTestId('session-row').first()).toContainText('done');
});

test('the new bisect form explains a bad ref and suggests the closest one', async ({ page, request }) => {
  test.setTimeout(240_000);
  // The demo repository (a finished demo made it).
  const demoId = await finishedDemo(request);
  const repoPath = (await trpcQuery<{ session: { repoPath: string } }>(request, 'sessions.byId', { id: demoId })).session.repoPath;

  await page.goto('/new');
  await page.getByLabel('Repository path').fill(repoPath);
  await page.getByLabel(/Bad ref/).fill('v5.15');
  await page.getByLabel(/Good refs/).fill('v5.1O');
  await page.getByRole('button', { name: 'Start bisect' }).click();
  await expect(page.getByTestId('error-good')).toContainText('did you mean `v5.10`?');

  await page.getByLabel('Repository path').fill('/nonexistent/linux');
  await page.getByRole('button', { name: 'Start bisect' }).click();
  await expect(page.getByTestId('error-repoPath')).toContainText('does not exist');
});
