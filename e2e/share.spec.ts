import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { SessionPage } from './pages/session-page';

const CULPRIT_SUBJECT = 'virtio: fix up virtio_disable_cb';
/** Every control a session page may have; none may appear on a shared page. */
const CONTROL_NAMES = /^(Cancel|Cancelling…|Pause|Resume|Retry|Undo|Share…|Report|Mark .*|good|bad|skip|Revoke|Create link)$/i;

async function createShareLink(page: Page, opts: { hideHosts?: boolean } = {}): Promise<string> {
  const panel = page.getByTestId('share-panel');
  if (!(await panel.isVisible())) await page.getByRole('button', { name: 'Share…' }).click();
  if (opts.hideHosts) await panel.getByLabel('Hide host names and addresses').check();
  await panel.getByRole('button', { name: 'Create link' }).click();
  const url = await page.getByTestId('share-url').inputValue({ timeout: 10_000 });
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/s\/[A-Za-z0-9_-]{43}$/);
  return url;
}

function git(cwd: string, args: string[]): { code: number; out: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' } });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

test('a shared demo bisect: live through its link, read-only without login, replayable log, revocable', async ({ page, browser }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Try the demo' }).click();
  await page.waitForURL(/\/sessions\//, { timeout: 60_000 });
  const owner = new SessionPage(page);
  await owner.waitForStatus('running');
  const repoPath = (await page.locator('.session-facts dd code').first().textContent()) ?? '';
  expect(repoPath).toMatch(/linux-demo$/);

  // Share while it runs; open the link in a fresh browser context: no cookies, no storage.
  const url = await createShareLink(page);
  // Contexts inherit the config's signed-in storageState unless told otherwise.
  const visitor = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  expect(await visitor.cookies()).toEqual([]);
  const shared = await visitor.newPage();
  const response = await shared.goto(url);
  expect(response?.status()).toBe(200);
  const view = new SessionPage(shared);
  await expect(shared.getByTestId('shared-banner')).toBeVisible();

  // Live: opened while the bisect runs, the shared page follows it to its end without a reload.
  await view.waitForStatus('running', 20_000);
  await expect(shared.getByTestId('log-line').first()).toBeVisible({ timeout: 30_000 });
  await view.waitForStatus('done');
  await owner.waitForStatus('done');

  // What the owner sees, minus every control.
  await expect(view.culpritSubject).toHaveText(CULPRIT_SUBJECT);
  const ownerSha = (await owner.page.getByTestId('culprit-sha').textContent()) ?? '';
  await expect(shared.getByTestId('culprit-sha')).toHaveText(ownerSha);
  const steps = await owner.stepRows.count();
  await expect(view.stepRows).toHaveCount(steps);
  await expect(view.markers).toHaveCount(await owner.markers.count());
  await expect(shared.getByTestId('timeline-culprit')).toBeVisible();
  await expect(view.bisectLog).toContainText('# first bad commit:');
  await view.stepRows.first().click();
  await expect(shared.getByTestId('log-line').first()).toBeVisible();
  await expect(view.view).toHaveAttribute('data-readonly', 'true');
  await expect(shared.getByTestId('session-actions')).toHaveCount(0);
  for (const button of await shared.getByRole('button').all()) {
    expect(await button.textContent()).not.toMatch(CONTROL_NAMES);
  }
  // No owner ids or links leak into the shared page.
  const html = await shared.content();
  expect(html).not.toContain(owner.id());
  expect(html).not.toContain('/api/sessions/');

  // Link previews (made when the page is fetched) name the culprit.
  await shared.reload();
  await view.waitForStatus('done');
  const shortSha = ownerSha.slice(0, 12);
  await expect(shared).toHaveTitle(`First bad commit: ${shortSha} ("${CULPRIT_SUBJECT}")`);
  await expect(shared.locator('meta[property="og:title"]')).toHaveAttribute('content', new RegExp(shortSha));
  await expect(shared.locator('meta[property="og:description"]')).toHaveAttribute('content', new RegExp(CULPRIT_SUBJECT));

  // `curl -s URL/bisect.log > l && git bisect replay l` in a clone of the demo repository.
  const logResponse = await visitor.request.get(`${url}/bisect.log`);
  expect(logResponse.status()).toBe(200);
  const log = await logResponse.text();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'share-e2e-'));
  try {
    const clone = path.join(tmp, 'linux');
    execFileSync('git', ['clone', '-q', repoPath, clone]);
    writeFileSync(path.join(tmp, 'l'), log);
    const replay = git(clone, ['bisect', 'replay', path.join(tmp, 'l')]);
    expect(replay.code).toBe(0);
    expect(replay.out).toContain(`${ownerSha} is the first bad commit`);
    expect(git(clone, ['bisect', 'log']).out.trim()).toBe(log.trim());
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  // The report names the culprit as kernel mail does and carries the link.
  await page.getByRole('button', { name: 'Report' }).click();
  const report = page.getByTestId('report-text');
  await expect(report).toContainText(`${shortSha} ("${CULPRIT_SUBJECT}")`);
  await expect(report).toContainText(`#regzbot introduced: ${shortSha}`);
  await expect(report).toContainText(url);

  // Revoked: the link is a 404 that looks exactly like a link that never existed.
  await page.getByRole('button', { name: 'Share…' }).click();
  await page.getByTestId('share-row').filter({ hasText: url.split('/s/')[1]!.slice(0, 6) }).getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByTestId('share-row').first()).toHaveAttribute('data-state', 'revoked');
  const revoked = await visitor.request.get(`${url}/bisect.log`);
  const unknown = await visitor.request.get(`${url.replace(/\/s\/.*/, '/s/')}${'A'.repeat(43)}/bisect.log`);
  expect(revoked.status()).toBe(404);
  expect(unknown.status()).toBe(404);
  expect(await revoked.text()).toBe(await unknown.text());
  const revokedPage = await shared.goto(url);
  expect(revokedPage?.status()).toBe(404);
  const unknownPage = await shared.goto(`${url.slice(0, -6)}AAAAAA`);
  expect(unknownPage?.status()).toBe(404);
  await visitor.close();
});

test('an imported `git bisect log` renders as a session with its culprit and timeline', async ({ page }) => {
  const log = readFileSync(fileURLToPath(new URL('../server/engine/bisect-log/fixtures/seed-16-step.log', import.meta.url)), 'utf8');
  await page.goto('/');
  await page.getByRole('link', { name: 'Import log' }).click();
  await page.waitForURL(/\/import$/);
  await page.getByTestId('import-log').fill('git bisect start\nBisecting: 5 revisions left\n');
  await page.getByRole('button', { name: 'Import' }).click();
  await expect(page.getByTestId('import-error')).toContainText('line 2: expected');

  await page.getByTestId('import-log').fill(log);
  await page.getByRole('button', { name: 'Import' }).click();
  await page.waitForURL(/\/sessions\//);
  const s = new SessionPage(page);
  await s.waitForStatus('done');
  await expect(s.culpritSubject).toHaveText(CULPRIT_SUBJECT);
  await expect(s.stepRows).toHaveCount(16);
  await expect(s.markers).toHaveCount(16);
  await expect(page.getByTestId('timeline-culprit')).toBeVisible();
  await expect(page.getByTestId('imported-note')).toContainText('schematic');
});
