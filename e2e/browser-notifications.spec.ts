import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { generateRepo } from '../server/engine/testing/repo';
import { trpcMutation } from './helpers/api';
import { SessionPage } from './pages/session-page';

/**
 * Browser notifications, opted into on the session page: Chromium's own
 * Notification API with the permission granted, and the notifications the page
 * creates recorded as they are made (headless Chromium shows none). One comes
 * when the watched bisect ends; opening a finished one makes none.
 */
let tmp: string;
let repoDir: string;
test.beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'bisect-e2e-notify-'));
  repoDir = path.join(tmp, 'repo');
  await generateRepo({ dir: repoDir, commits: 6, culprit: 3, tags: { base: 0 } });
});
test.afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('the session page notifies when a watched bisect ends, once opted in', async ({ page, context, baseURL }) => {
  await context.grantPermissions(['notifications'], { origin: baseURL! });
  await page.addInitScript(() => {
    const w = window as unknown as { __notes: Array<{ title: string; body?: string }> };
    w.__notes = [];
    const Real = window.Notification;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        w.__notes.push({ title, body: options?.body });
      }
    }
    window.Notification = Recorded as typeof Notification;
  });
  const notes = () => page.evaluate(() => (window as unknown as { __notes: Array<{ title: string; body?: string }> }).__notes);

  const { id } = await trpcMutation<{ id: string }>(page.request, 'sessions.create', {
    repoPath: repoDir,
    bad: 'main',
    good: ['base'],
    title: 'notify me',
    checkEndpoints: false,
    verify: false,
    recipe: { phases: [{ name: 'test', kind: 'script', run: 'sleep 1.5; test ! -e BUG' }] },
  });
  await page.goto(`/sessions/${id}`);
  const session = new SessionPage(page);
  await session.waitForStatus('running');
  await page.getByTestId('notify-toggle').check();
  await expect(page.getByTestId('notify-toggle')).toBeChecked();
  await session.waitForStatus('done', 60_000);
  await expect.poll(notes, { timeout: 10_000 }).toEqual([{ title: 'Bisect finished: notify me', body: 'The bisect ended: open it for the culprit.' }]);

  // The opt-in is remembered; a session already finished when the page opens says nothing.
  await page.reload();
  await expect(page.getByTestId('notify-toggle')).toBeChecked();
  await page.waitForTimeout(1_000);
  expect(await notes()).toEqual([]);
});
