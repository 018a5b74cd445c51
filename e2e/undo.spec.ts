import { expect, test } from '@playwright/test';
import { trpcMutation, trpcQuery } from './helpers/api';
import { SessionPage } from './pages/session-page';

test('a wrong verdict is changed in the browser and the bisect goes on to the right culprit', async ({ page, request }) => {
  // The demo repository, made by the demo itself.
  const demo = await trpcMutation<{ id: string }>(request, 'sessions.demo', null);
  const demoDetail = await trpcQuery<{ session: { repoPath: string } }>(request, 'sessions.byId', { id: demo.id });
  await trpcMutation(request, 'sessions.cancel', { id: demo.id });

  // A reproducer that lies about the first commit it tests.
  const flag = `/tmp/bisect-e2e-liar-${Date.now()}`;
  const { id } = await trpcMutation<{ id: string }>(request, 'sessions.create', {
    repoPath: demoDetail.session.repoPath,
    bad: 'v5.15',
    good: ['v5.10'],
    checkEndpoints: false,
    title: 'liar',
    recipe: {
      phases: [
        { name: 'repro', kind: 'script', run: `if [ ! -e ${flag} ]; then touch ${flag}; if ./repro.sh; then exit 1; else exit 0; fi; fi; ./repro.sh` },
      ],
    },
  });
  await page.goto(`/sessions/${id}`);
  const session = new SessionPage(page);
  await session.waitForStatus('done');
  await expect(session.culpritSubject).not.toHaveText('virtio: fix up virtio_disable_cb');
  const steps = await session.stepRows.count();

  // Step 1 got the lie: change it.
  await session.stepRows.first().click();
  const editor = page.getByTestId('verdict-editor');
  const wrong = await session.stepRows.first().getAttribute('data-verdict');
  await editor.getByRole('button', { name: wrong === 'good' ? 'bad' : 'good', exact: true }).click();

  // The later steps are kept but superseded, then the bisect goes on and ends on the real culprit.
  await expect(page.getByTestId('step-note').filter({ hasText: 'superseded' })).toHaveCount(steps - 1, { timeout: 30_000 });
  await expect(session.culpritSubject).toHaveText('virtio: fix up virtio_disable_cb', { timeout: 90_000 });
  await session.waitForStatus('done');
  await expect(page.getByTestId('step-note').filter({ hasText: 'manual' })).toHaveCount(1);
});
