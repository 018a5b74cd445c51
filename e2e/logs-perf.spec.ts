import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRepo } from '../server/engine/testing/repo';
import { trpcMutation } from './helpers/api';
import { writeBigLog } from './helpers/big-log';
import { LogViewer } from './pages/log-viewer';
import { SessionPage } from './pages/session-page';

/**
 * The log viewer on 1,000,000 lines in Chromium: scrolling, searching (a rare
 * and a very frequent term), jumping to the first error, folding and
 * unfolding the whole phase and a 750,000-line section, wrapping and
 * timestamps, while every frame and long task is recorded. No frame may take
 * over 50 ms. Prints the figures (not a timed unit test: a measurement).
 */

const LINES = 1_000_000;
let tmp: string;
let sessionId: string;

test.beforeAll(async ({ request }) => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'bisect-e2e-logs-perf-'));
  const repoDir = path.join(tmp, 'repo');
  await generateRepo({ dir: repoDir, commits: 3, culprit: 2, tags: { base: 0 } });
  const file = path.join(tmp, 'big.log');
  writeBigLog(file, LINES);
  ({ id: sessionId } = await trpcMutation<{ id: string }>(request, 'sessions.create', {
    repoPath: repoDir,
    bad: 'main',
    good: ['base'],
    title: 'million-line log',
    checkEndpoints: false,
    verify: false, // no culprit verification: its two extra runs would repeat what this test measures
    recipe: { phases: [{ name: 'build', kind: 'script', run: `cat ${file}; test ! -e BUG` }] },
  }));
});

test.afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Starts recording frame intervals (requestAnimationFrame) and long tasks in the page. */
async function startRecording(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __perf: { frames: number[]; tasks: number[]; stop: boolean } };
    w.__perf = { frames: [], tasks: [], stop: false };
    let last = performance.now();
    const tick = (t: number) => {
      w.__perf.frames.push(t - last);
      last = t;
      if (!w.__perf.stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame((t) => {
      last = t;
      requestAnimationFrame(tick);
    });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__perf.tasks.push(e.duration);
    }).observe({ type: 'longtask' });
  });
}

async function stopRecording(page: Page): Promise<{ frames: number; maxFrame: number; p99Frame: number; over50: number; longTasks: number; maxTask: number }> {
  return page.evaluate(() => {
    const w = window as unknown as { __perf: { frames: number[]; tasks: number[]; stop: boolean } };
    w.__perf.stop = true;
    const f = [...w.__perf.frames].sort((a, b) => a - b);
    return {
      frames: f.length,
      maxFrame: Math.round(f.at(-1) ?? 0),
      p99Frame: Math.round(f[Math.floor(f.length * 0.99)] ?? 0),
      over50: f.filter((x) => x > 50).length,
      longTasks: w.__perf.tasks.length,
      maxTask: Math.round(Math.max(0, ...w.__perf.tasks)),
    };
  });
}

// A measurement, not a pass/fail check for CI (2 shared cores make frame times noisy): run it with E2E_PERF=1.
test.skip(!process.env.E2E_PERF, 'frame-time measurement: set E2E_PERF=1 to run it');

test('a 1,000,000-line log stays smooth: no frame over 50 ms while scrolling, searching, jumping, folding, wrapping', async ({ page }) => {
  test.setTimeout(600_000);
  const t0 = Date.now();
  await page.goto(`/sessions/${sessionId}`);
  await new SessionPage(page).waitForStatus('done', 400_000);
  const log = new LogViewer(page);
  await log.waitForLines(LINES, 300_000);
  console.log(`1,000,000 lines stored and shown ${((Date.now() - t0) / 1000).toFixed(1)} s after the page opened`);
  await log.scroller.scrollIntoViewIfNeeded();

  // Load the page again: the whole log comes from the database through the event stream.
  await page.reload();
  const tLoad = Date.now();
  await startRecording(page);
  await log.waitForLines(LINES, 120_000);
  const load = await stopRecording(page);
  console.log(`reload: 1,000,000 lines from the stream in ${((Date.now() - tLoad) / 1000).toFixed(1)} s; frames ${JSON.stringify(load)}`);
  await log.scroller.scrollIntoViewIfNeeded();
  await page.waitForTimeout(500);

  const phases: Array<[string, Awaited<ReturnType<typeof stopRecording>>]> = [];
  const measure = async (name: string, fn: () => Promise<void>) => {
    await startRecording(page);
    await fn();
    await page.waitForTimeout(300);
    const r = await stopRecording(page);
    phases.push([name, r]);
    console.log(`${name}: ${JSON.stringify(r)}`);
  };

  await measure('scroll (wheel and jumps)', async () => {
    await log.scroller.hover();
    for (let i = 0; i < 40; i++) {
      await page.mouse.wheel(0, 900);
      await page.waitForTimeout(16);
    }
    for (const f of [0.5, 0.99, 0.1, 0.75, 0.3, 1, 0]) {
      await log.scroller.evaluate((el, frac) => (el.scrollTop = frac * el.scrollHeight), f);
      await page.waitForTimeout(60);
    }
  });
  await measure('search a rare term', async () => {
    const t = Date.now();
    await log.search.fill('needle-xyz');
    await expect(log.count).toHaveText('1 of 3', { timeout: 30_000 });
    console.log(`  rare term: 3 matches in 1,000,000 lines, complete ${Date.now() - t} ms after typing`);
  });
  await measure('search a term on every line', async () => {
    const t = Date.now();
    await log.search.fill('file_');
    await expect(log.count).toHaveText(/^1 of 9\d\d,\d{3}$/, { timeout: 60_000 });
    console.log(`  frequent term: ${await log.count.textContent()} complete ${Date.now() - t} ms after typing`);
    for (let i = 0; i < 10; i++) await log.search.press('Enter');
    await expect(log.count).toHaveText(/^11 of /);
  });
  await measure('jump to first error', async () => {
    await log.firstError.click();
    await expect(log.count).toHaveText('1 of 3', { timeout: 30_000 });
    await expect(log.currentMatch).toHaveText('WARNING:');
  });
  await measure('fold and unfold the phase and everything', async () => {
    await log.search.fill('');
    await page.getByRole('button', { name: 'Collapse all' }).click();
    await expect(log.root).toHaveAttribute('data-rows', '1');
    await page.getByRole('button', { name: 'Expand all' }).click();
    await expect(log.root).toHaveAttribute('data-rows', String(1 + LINES - 2));
  });
  await measure('wrap and timestamps on and off', async () => {
    await page.getByTestId('log-wrap').click();
    await log.scroller.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
    await page.waitForTimeout(200);
    await page.getByTestId('log-timestamps').click();
    await page.waitForTimeout(200);
    await page.getByTestId('log-wrap').click();
    await page.getByTestId('log-timestamps').click();
  });
  const worst = Math.max(...phases.map(([, r]) => r.maxFrame));
  console.log(`1,000,000 lines: worst frame ${worst} ms over ${phases.length} interaction phases`);
  for (const [name, r] of phases) expect.soft(r.maxFrame, name).toBeLessThanOrEqual(50);
});
