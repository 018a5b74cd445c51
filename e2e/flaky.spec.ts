import { expect, test } from '@playwright/test';
import { trpcMutation, trpcQuery } from './helpers/api';
import { SessionPage } from './pages/session-page';

test('a flaky reproducer bisected from the form on two slots: runs per commit, posterior, and a culprit with its probability', async ({ page, request }) => {
  // The demo repository, made by the demo itself.
  const demo = await trpcMutation<{ id: string }>(request, 'sessions.demo', null);
  const demoDetail = await trpcQuery<{ session: { repoPath: string } }>(request, 'sessions.byId', { id: demo.id });
  await trpcMutation(request, 'sessions.cancel', { id: demo.id });

  // The demo's reproducer, made flaky: a bad commit fails only half of its runs.
  const coin = `h=$(printf '%s-%s' "$BISECT_COMMIT" "$BISECT_STEP" | cksum | cut -d' ' -f1)`;
  const recipe = {
    phases: [
      { name: 'build', kind: 'script', per: 'commit', run: './build.sh', onFailure: 'skip' },
      { name: 'repro', kind: 'script', on: 'box', run: `${coin}; if [ $((h % 2)) -eq 0 ]; then exit 0; fi; ./repro.sh` },
    ],
  };
  await page.goto('/new');
  await page.getByLabel('Repository path').fill(demoDetail.session.repoPath);
  await page.locator('input[name="bad"]').fill('v5.15');
  await page.locator('input[name="good"]').fill('v5.10');
  await page.locator('select[name="strategy"]').selectOption('bayes');
  await page.getByLabel('A good commit never fails').check();
  await page.locator('textarea[name="slots"]').fill('[{ "box": "local" }, { "box": "local" }]');
  await page.getByLabel('recipe JSON').fill(JSON.stringify(recipe, null, 2));
  await page.getByRole('button', { name: 'Start bisect' }).click();

  const session = new SessionPage(page);
  await expect(page.getByTestId('strategy-panel')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('posterior-band')).toBeVisible();
  await session.waitForStatus('done', 110_000);
  await expect(session.culpritSubject).toHaveText('virtio: fix up virtio_disable_cb');
  await expect(page.getByTestId('culprit-probability')).toContainText(/probability (9[5-9]|100)\.\d+%/);
  // Every tested commit with its runs; a commit was run more than once.
  const rows = page.getByTestId('commit-runs-row');
  await expect(rows.first()).toBeVisible();
  const texts = await rows.allInnerTexts();
  expect(texts.some((t) => /\b([2-9]|\d\d+) bad \/|\/ ([2-9]|\d\d+) good/.test(t))).toBe(true);
  await expect(page.getByTestId('step-note').filter({ hasText: 'slot 2' }).first()).toBeVisible();
  await page.screenshot({ path: 'test-results/flaky-session.png', fullPage: true });
});
