import { expect, test } from '@playwright/test';
import { trpcQuery } from './helpers/api';
import { finishedDemo } from './helpers/demo';
import { SessionPage } from './pages/session-page';

test('a finished bisect continues on the other side: the form is prefilled, both pages show the chain', async ({ page, request }) => {
  test.setTimeout(240_000);
  const demo = { id: await finishedDemo(request) };
  await page.goto(`/sessions/${demo.id}`);
  const first = new SessionPage(page);
  await first.waitForStatus('done');
  const culprit = (await page.getByTestId('culprit-sha').innerText()).trim();

  await page.getByTestId('bisect-other-side').click();
  await expect(page).toHaveURL(new RegExp(`/new\\?parent=${demo.id}`));
  await expect(page.getByTestId('continues')).toContainText('Demo');
  await expect(page.getByLabel('recipe JSON')).toHaveValue(new RegExp(`"GUEST_COMMIT": "${culprit}"`));
  await expect(page.locator('input[name="termOld"]')).toHaveValue('broken');

  // Bisect the demo again as the linked session (a plain script stands in for the host-kernel recipe).
  const repoPath = (await trpcQuery<{ session: { repoPath: string } }>(request, 'sessions.byId', { id: demo.id })).session.repoPath;
  await page.getByLabel('Repository path').fill(repoPath);
  await page.locator('input[name="bad"]').fill('v5.15');
  await page.locator('input[name="good"]').fill('v5.10');
  await page.getByRole('checkbox', { name: /Custom terms/ }).uncheck();
  await page.getByLabel('recipe JSON').fill(JSON.stringify({ phases: [{ name: 'repro', kind: 'script', run: './repro.sh' }], env: { GUEST_COMMIT: culprit } }));
  await page.getByRole('button', { name: 'Start bisect' }).click();
  const second = new SessionPage(page);
  await expect(page.getByTestId('session-chain')).toContainText('Continues', { timeout: 30_000 });
  await expect(page.getByTestId('session-chain')).toContainText(culprit.slice(0, 12));
  await second.waitForStatus('done', 110_000);

  await page.goto(`/sessions/${demo.id}`);
  await expect(page.getByTestId('session-chain')).toContainText('Continued by');
  await expect(page.getByTestId('session-chain')).toContainText('Other side of');
});
