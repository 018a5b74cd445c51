import { expect, test, type APIRequestContext } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRepo } from '../server/engine/testing/repo';
import { trpcMutation } from './helpers/api';
import { writeBigLog, type BigLog } from './helpers/big-log';
import { LogViewer } from './pages/log-viewer';
import { SessionPage } from './pages/session-page';

/**
 * The log viewer on a 200,000-line build log that went through the engine,
 * the database and the event stream: search (n of m, Enter / Shift+Enter,
 * matches inside folded sections), jump to the first error, line permalinks
 * (opening the page there, and made by clicking a line number), folding of
 * phases and GitLab-style sections with durations, timestamps, wrap; and
 * follow-tail on a phase that is still writing.
 */

const LINES = 200_000;
let tmp: string;
let repoDir: string;
let big: BigLog;
let bigFile: string;
let sessionId: string;

async function createSession(request: APIRequestContext, title: string, run: string): Promise<string> {
  const { id } = await trpcMutation<{ id: string }>(request, 'sessions.create', {
    repoPath: repoDir,
    bad: 'main',
    good: ['base'],
    title,
    checkEndpoints: false,
    verify: false, // no culprit verification: its two extra runs would repeat what this test measures
    recipe: { phases: [{ name: 'build', kind: 'script', run }] },
  });
  return id;
}

test.beforeAll(async ({ request }) => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'bisect-e2e-logs-'));
  repoDir = path.join(tmp, 'repo');
  // base, c1, main: one step (c1), whose build prints the big log.
  await generateRepo({ dir: repoDir, commits: 3, culprit: 2, tags: { base: 0 } });
  bigFile = path.join(tmp, 'big.log');
  big = writeBigLog(bigFile, LINES);
  sessionId = await createSession(request, 'big log e2e', `cat ${bigFile}; test ! -e BUG`);
});

test.afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function openBigLog(page: import('@playwright/test').Page, hash = ''): Promise<LogViewer> {
  await page.goto(`/sessions/${sessionId}${hash}`);
  const session = new SessionPage(page);
  await session.waitForStatus('done', 120_000);
  const log = new LogViewer(page);
  await log.waitForLines(LINES);
  return log;
}

test('search: highlighted matches, n of m, Enter / Shift+Enter, matches inside a folded section', async ({ page }) => {
  const log = await openBigLog(page);
  await log.search.fill('needle-xyz');
  await expect(log.count).toHaveText('1 of 3', { timeout: 15_000 });
  await expect(log.currentMatch).toHaveText('needle-xyz');
  await expect(log.line(big.needles[0]!)).toBeVisible();

  // Enter: the second one is inside the folded "compile" section, which opens.
  await log.search.press('Enter');
  await expect(log.count).toHaveText('2 of 3');
  await expect(log.line(big.needles[1]!)).toBeInViewport();
  await expect(log.line(big.needles[1]!).getByTestId('log-match-current')).toHaveText('needle-xyz');
  await log.root.screenshot({ path: 'test-results/logs-search.png' });
  await expect(log.section('compile')).toHaveCount(0); // scrolled far past the section's header
  await log.search.press('Enter');
  await expect(log.count).toHaveText('3 of 3');
  await expect(log.line(big.needles[2]!)).toBeInViewport();
  await log.search.press('Enter');
  await expect(log.count).toHaveText('1 of 3'); // wraps around
  await log.search.press('Shift+Enter');
  await expect(log.count).toHaveText('3 of 3');

  // Case and regular expressions.
  await log.search.fill('NEEDLE-XYZ');
  await expect(log.count).toHaveText('1 of 3');
  await page.getByRole('button', { name: 'Match case' }).click();
  await expect(log.count).toHaveText('no matches');
  await page.getByRole('button', { name: 'Match case' }).click();
  await page.getByRole('button', { name: 'Regular expression' }).click();
  await log.search.fill('needle-xyz-(5|9)');
  await expect(log.count).toHaveText(/^1 of [12]$/);
  await log.search.fill('(');
  await expect(log.count).toHaveText('invalid expression');
});

test('Jump to first error finds the first kernel/compiler error line, and Enter goes to the next', async ({ page }) => {
  const log = await openBigLog(page);
  await log.firstError.click();
  await expect(log.count).toHaveText('1 of 3', { timeout: 15_000 });
  await expect(log.line(big.firstError)).toBeInViewport();
  await expect(log.currentMatch).toHaveText('WARNING:');
  await log.search.press('Enter');
  await expect(log.line(big.errors[1]!)).toBeInViewport();
  await expect(log.currentMatch).toHaveText('error:');

  // Configurable: only "BUG:" counts now (kept for later visits).
  await page.getByTestId('log-error-patterns').click();
  await page.getByTestId('log-error-patterns-text').fill('BUG:');
  await page.getByRole('button', { name: 'Save' }).click();
  await log.firstError.click();
  await expect(log.count).toHaveText('1 of 1');
  await expect(log.line(big.errors[2]!)).toBeInViewport();
  await page.reload();
  await new LogViewer(page).waitForLines(LINES);
  await new LogViewer(page).firstError.click();
  await expect(log.count).toHaveText('1 of 1');
  await page.evaluate(() => localStorage.clear());
});

test('line permalinks: a link opens the page at its line, clicking a line number makes one', async ({ page }) => {
  const target = big.errors[1]!;
  const log = await openBigLog(page, `#s1-build-L${target}`);
  await expect(log.line(target)).toBeInViewport({ timeout: 30_000 });
  await expect(log.line(target)).toHaveClass(/log-line--highlighted/);
  expect(page.url()).toContain(`#s1-build-L${target}`);

  await log.line(target - 3).getByTestId('log-line-number').click();
  await expect(page).toHaveURL(new RegExp(`#s1-build-L${target - 3}$`));
  await log.line(target + 2).getByTestId('log-line-number').click({ modifiers: ['Shift'] });
  await expect(page).toHaveURL(new RegExp(`#s1-build-L${target - 3}-L${target + 2}$`));
  await expect(log.root.locator('.log-line--highlighted')).toHaveCount(6);

  // A range link inside the folded section, opened fresh.
  const inside = big.compile.start + 10;
  const again = await openBigLog(page, `#s1-build-L${inside}-L${inside + 1}`);
  await expect(again.line(inside)).toBeInViewport({ timeout: 30_000 });
  await expect(again.root.locator('.log-line--highlighted')).toHaveCount(2);
});

test('folding: phases and GitLab sections fold, with durations; timestamps and wrap on demand', async ({ page }) => {
  const log = await openBigLog(page);
  await log.scroller.scrollIntoViewIfNeeded();
  // "prepare" starts unfolded and took 3 s by its markers.
  await expect(log.section('prepare')).toHaveAttribute('data-expanded', 'true');
  await expect(log.section('prepare').getByTestId('log-section-duration')).toHaveText('3.0s');
  await log.section('prepare').getByTestId('log-fold').click();
  await expect(log.line(big.prepare.start + 1)).toHaveCount(0);
  await expect(log.section('prepare').getByTestId('log-section-duration')).toHaveText('3.0s · 99 lines');
  await log.section('prepare').getByTestId('log-fold').click();
  await expect(log.line(big.prepare.start + 1)).toBeVisible();
  await page.getByTestId('log-timestamps').click();
  await log.root.screenshot({ path: 'test-results/logs-sections.png' });
  await page.getByTestId('log-timestamps').click();

  // "compile" is [collapsed=true]: folded, with its duration and size.
  await log.scroller.evaluate((el) => (el.scrollTop = 990 * 18));
  const compile = log.section('compile');
  await expect(compile).toHaveAttribute('data-expanded', 'false');
  const hidden = big.compile.end - big.compile.start - 1;
  await expect(compile.getByTestId('log-section-duration')).toHaveText(`12m 24s · ${hidden.toLocaleString('en-US')} lines`);
  const rowsFolded = Number(await log.root.getAttribute('data-rows'));
  // Hidden lines are not rows; the end markers are never shown.
  expect(rowsFolded).toBe(1 + LINES - hidden - 2);
  await compile.getByTestId('log-fold').click();
  await expect(compile).toHaveAttribute('data-expanded', 'true');
  await expect(log.line(big.compile.start + 1)).toBeVisible();
  expect(Number(await log.root.getAttribute('data-rows'))).toBe(rowsFolded + hidden);

  // The phase itself folds.
  await log.scroller.evaluate((el) => (el.scrollTop = 0));
  await log.part('build').getByTestId('log-part-toggle').click();
  await expect(log.root).toHaveAttribute('data-rows', '1');
  await log.part('build').getByTestId('log-part-toggle').click();
  await expect(log.line(1)).toBeVisible();

  // Timestamps: when the server stored each line.
  await page.getByTestId('log-timestamps').click();
  await expect(log.line(1).getByTestId('log-line-time')).toHaveText(/^\d\d:\d\d:\d\d\.\d{3}$/);
  await page.getByTestId('log-timestamps').click();
  await expect(log.line(1).getByTestId('log-line-time')).toHaveCount(0);

  // Wrap: a long line takes several rows' height, the rows below move down.
  await page.getByTestId('log-wrap').click();
  await expect(log.root).toHaveClass(/log-view--wrap/);
  await page.getByTestId('log-wrap').click();

  // Raw download of the phase (the full log, section markers included).
  const href = await log.part('build').getByTestId('log-part-raw').getAttribute('href');
  const res = await page.request.get(href!);
  expect(res.ok()).toBe(true);
  const text = await res.text();
  expect(text.split('\n').length - 1).toBe(LINES);
  expect(text).toContain('section_start:1700000010:compile[collapsed=true]');
});

test('follow-tail: sticks to new output, stops when the reader scrolls up, resumes with the button', async ({ page, request }) => {
  const id = await createSession(request, 'follow e2e', 'for i in $(seq 1 1500); do echo "tick $i"; sleep 0.01; done; test ! -e BUG');
  await page.goto(`/sessions/${id}`);
  const log = new LogViewer(page);
  await expect(log.follow).toHaveText('Following', { timeout: 30_000 });
  await expect.poll(async () => Math.max(0, ...(await log.visibleLines())), { timeout: 20_000 }).toBeGreaterThan(200);
  // Following: the newest line is in view as lines arrive.
  for (let i = 0; i < 3; i++) {
    const s = await log.scrollState();
    expect(s.height - s.top - s.client).toBeLessThan(40);
    await page.waitForTimeout(300);
  }

  // Scroll up: following stops, the view stays where the reader is while lines keep coming.
  await log.scroller.hover();
  await page.mouse.wheel(0, -600);
  await expect(log.follow).toHaveText('Follow');
  const held = await log.scrollState();
  const lines = await log.visibleLines();
  await page.waitForTimeout(1000);
  const later = await log.scrollState();
  expect(later.height).toBeGreaterThan(held.height); // more output arrived
  expect(Math.abs(later.top - held.top)).toBeLessThan(2);
  expect(await log.visibleLines()).toEqual(lines);

  // The button resumes: back at the bottom, and following again.
  await log.follow.click();
  await expect(log.follow).toHaveText('Following');
  await expect.poll(async () => {
    const s = await log.scrollState();
    return s.height - s.top - s.client;
  }).toBeLessThan(40);
});
