import { expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeKconfigToyRepo } from '../test/kconfig-toy';
import { trpcMutation } from './helpers/api';
import { SessionPage } from './pages/session-page';

/**
 * A step's .config in the browser: a kconfig phase on the toy kernel (8
 * commits; commit 3 turns BTRFS_FS on by default, commit 5 plants the bug),
 * shown, downloaded and diffed against another step's; the culprit verified.
 */
let tmp: string;
let repo: string;

test.beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'bisect-e2e-kconfig-'));
  repo = path.join(tmp, 'toy');
  makeKconfigToyRepo(repo);
});

test.afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('a step shows its .config, downloads it, and diffs it against another step; the culprit is verified', async ({ page, request }) => {
  const { id } = await trpcMutation<{ id: string }>(request, 'sessions.create', {
    repoPath: repo,
    bad: 'main',
    good: ['v1'],
    title: 'kconfig e2e',
    recipe: {
      phases: [
        { name: 'config', kind: 'kconfig', buildDir: 'build', fragments: ['kernel/configs/kvm_guest.config'], disable: ['SECURITY_SELINUX'] },
        { name: 'test', kind: 'script', run: '! test -e BUG' },
      ],
    },
  });
  await page.goto(`/sessions/${id}`);
  const session = new SessionPage(page);
  await session.waitForStatus('done');
  await expect(page.getByTestId('culprit-verification')).toContainText('verified: reverting it fixes the bad commit');
  await expect(page.getByTestId('step-note').filter({ hasText: /^verify/ })).toHaveCount(2);
  // The last two steps are the verification runs, and say what they ran.
  const rows = await session.stepRows.count();
  await session.stepRows.nth(rows - 2).click();
  await expect(page.getByTestId('step-verify-note')).toContainText('Verification run: the bad commit with the culprit');
  await session.stepRows.nth(rows - 1).click();
  await expect(page.getByTestId('step-verify-note')).toHaveText("Verification run: the culprit's parent, tested again");

  // Step 1 checked the bad ref (BTRFS_FS on by default there), step 2 the good one (off).
  await session.stepRows.first().click();
  const panel = page.getByTestId('step-config');
  await expect(panel).toContainText('Kernel config (config)');
  await panel.getByRole('button', { name: 'Show .config' }).click();
  await expect(page.getByTestId('config-text')).toContainText('# CONFIG_SECURITY_SELINUX is not set');
  await expect(page.getByTestId('config-text')).toContainText('CONFIG_BTRFS_FS=y');
  await page.getByTestId('config-diff-against').selectOption('2');
  await expect(page.getByTestId('config-diff')).toHaveText('step 2 → step 1\n BTRFS_FS n -> y');

  const href = await page.getByTestId('config-download').getAttribute('href');
  const res = await request.get(href!);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-disposition']).toMatch(/^attachment; filename="session-[0-9a-f]{8}-step1\.config"$/);
  expect(await res.text()).toContain('CONFIG_VIRTIO_NET=y');
  expect((await request.get(`/api/sessions/${id}/config?step=99&phase=0`)).status()).toBe(404);
  const bad = await request.get(`/api/sessions/${id}/config?step=x&phase=0`);
  expect(bad.status()).toBe(400);
  expect(await bad.text()).toContain('step must be a whole number');
});
