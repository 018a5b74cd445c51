import { expect, test } from '@playwright/test';
import { SessionPage } from './pages/session-page';

test('the demo bisect runs live, survives a reload without losing lines, and finds the culprit', async ({ page, request }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo' }).click();
  await page.waitForURL(/\/sessions\//, { timeout: 60_000 });
  const session = new SessionPage(page);

  // Live: log lines stream in while the session runs.
  await session.waitForStatus('running');
  await expect(page.getByTestId('log-line').first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('revisions-left')).toContainText(/revisions? left to test after this \(roughly \d+ steps?\)/);

  // Reload mid-run: the stream resumes from the database and continues live.
  await expect(session.stepRows.nth(2)).toBeVisible({ timeout: 60_000 });
  await page.reload();
  await session.waitForStatus('done');

  // The culprit and the timeline.
  await expect(session.culpritSubject).toHaveText('virtio: fix up virtio_disable_cb');
  const steps = await session.stepRows.count();
  expect(steps).toBeGreaterThan(5);
  // The endpoint checks (the bad and the good ref) are steps but not timeline markers.
  const checks = await session.stepRows.filter({ has: page.getByTestId('step-note').filter({ hasText: /^check/ }) }).count();
  expect(checks).toBe(2);
  await expect(session.markers).toHaveCount(steps - checks);
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

test('the new bisect form explains a bad ref and suggests the closest one', async ({ page }) => {
  // Make the demo repository exist (the demo button generates it).
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo' }).click();
  await page.waitForURL(/\/sessions\//, { timeout: 60_000 });
  const session = new SessionPage(page);
  await session.waitForStatus('done');
  const repoPath = (await page.locator('.session-facts dd code').first().textContent()) ?? '';

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
