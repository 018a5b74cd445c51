import { expect, test } from '@playwright/test';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateRepo } from '../server/engine/testing/repo';
import { trpcMutation } from './helpers/api';
import { SessionPage } from './pages/session-page';

const PAYLOADS = [
  '<img src=x onerror="window.__xss=1">',
  '<script>window.__xss=2</script>',
  '"><svg onload="window.__xss=3">',
  'javascript:window.__xss=4',
];

test('untrusted text (subjects, authors, log lines, imported logs) renders as text and never runs', async ({ page, request }) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xss-repo-'));
  const repo = await generateRepo({
    dir,
    commits: 60,
    culprit: 31,
    tags: { v1: 0 },
    message: (c) => `${PAYLOADS[c.index % PAYLOADS.length]} commit ${c.index}`,
    // git refuses < and > in names; the rest of an attribute-breaking payload is allowed.
    author: (c) => ({ name: `Eve" onmouseover="window.__xss=${c.index}" x="${c.index % 2 ? 'javascript:alert(1)' : ''}`, email: 'evil@example.com' }),
  });
  const payloadLines = PAYLOADS.map((p) => `printf '%s\\n' '${p.replace(/'/g, `'\\''`)}'`).join('; ');
  const { id } = await trpcMutation<{ id: string }>(request, 'sessions.create', {
    repoPath: repo.dir,
    bad: 'main',
    good: ['v1'],
    title: PAYLOADS[0],
    recipe: { phases: [{ name: 'evil', kind: 'script', run: `${payloadLines}; printf '\\033]0;title\\007\\033[31m<b>red</b>\\033[0m\\n'; test ! -e BUG` }] },
  });
  await page.goto(`/sessions/${id}`);
  const session = new SessionPage(page);
  await session.waitForStatus('done');
  await expect(page.getByTestId('session-title')).toHaveText(PAYLOADS[0] ?? '');
  await expect(session.culpritSubject).toContainText('commit 31');
  await expect(page.getByTestId('log-line').filter({ hasText: '<script>window.__xss=2</script>' })).toHaveCount(1);
  await expect(page.getByTestId('log-line').filter({ hasText: '<b>red</b>' })).toHaveCount(1);

  // An imported log whose comments carry the payloads, without a repository.
  const culprit = repo.culpritSha ?? '';
  const log = [
    `# bad: [${repo.shas[59]}] ${PAYLOADS[1]}`,
    `# good: [${repo.shas[0]}] ${PAYLOADS[0]}`,
    `git bisect start '${repo.shas[59]}' '${repo.shas[0]}'`,
    `# bad: [${culprit}] ${PAYLOADS[2]}`,
    `git bisect bad ${culprit}`,
    `# good: [${repo.shas[30]}] ${PAYLOADS[3]}`,
    `git bisect good ${repo.shas[30]}`,
    `# first bad commit: [${culprit}] ${PAYLOADS[2]}`,
  ].join('\n');
  const imported = await trpcMutation<{ id: string }>(request, 'sessions.import', { log });
  await page.goto(`/sessions/${imported.id}`);
  await expect(page.getByText(PAYLOADS[2] ?? '').first()).toBeVisible();

  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  await page.goto(`/sessions/${id}`);
  await session.waitForStatus('done');
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
});
