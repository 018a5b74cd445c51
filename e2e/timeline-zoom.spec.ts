import { expect, test, type Locator } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRepo } from '../server/engine/testing/repo';
import { trpcMutation } from './helpers/api';
import { SessionPage } from './pages/session-page';

/**
 * The timeline of a 64,244-commit bisect (16 steps, like the seed's), whose
 * last steps land within a pixel of each other on the whole range: "Last
 * steps" zooms so they can be told apart, the wheel zooms around the pointer,
 * a drag brushes a stretch, and the overview strip keeps the whole range in
 * sight (drag its window to pan, double-click for the whole range).
 */

const SIZE = 64_244;
let tmp: string;
let sessionId: string;

test.beforeAll(async ({ request }) => {
  test.setTimeout(240_000);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'bisect-e2e-zoom-'));
  const repo = path.join(tmp, 'repo');
  await generateRepo({ dir: repo, commits: SIZE + 1, culprit: 41_000, tags: { base: 0 } });
  ({ id: sessionId } = await trpcMutation<{ id: string }>(request, 'sessions.create', {
    repoPath: repo,
    bad: 'main',
    good: ['base'],
    title: 'zoom e2e',
    checkEndpoints: false,
    recipe: { phases: [{ name: 'test', kind: 'script', run: 'test ! -e BUG' }] },
  }));
});

test.afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function view(timeline: Locator): Promise<{ start: number; end: number }> {
  const [start, end] = ((await timeline.getAttribute('data-view')) ?? '0-0').split('-').map(Number);
  return { start: start!, end: end! };
}

async function markerXs(markers: Locator): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const m of await markers.all()) {
    const box = await m.boundingBox();
    if (box) out.set(Number(await m.getAttribute('data-step')), box.x + box.width / 2);
  }
  return out;
}

test('zoom: last steps told apart, wheel, brush, overview strip', async ({ page }) => {
  test.setTimeout(180_000);
  const session = new SessionPage(page);
  await page.goto(`/sessions/${sessionId}`);
  await session.waitForStatus('done', 150_000);
  const t0 = Date.now();
  await page.reload();
  await expect(session.markers.first()).toBeVisible();
  console.log(`64,244-commit session page: timeline drawn ${Date.now() - t0} ms after reload`);
  const timeline = session.timeline;
  await timeline.scrollIntoViewIfNeeded();
  const steps = await session.markers.count();
  expect(steps).toBeGreaterThanOrEqual(15);
  expect(await view(timeline)).toEqual({ start: 0, end: SIZE });

  // Whole range: the last ten steps fall within a few pixels.
  const before = await markerXs(session.markers);
  const lastTen = [...before.entries()].filter(([s]) => s > steps - 10).map(([, x]) => x);
  expect(Math.max(...lastTen) - Math.min(...lastTen)).toBeLessThan(12);
  await timeline.screenshot({ path: 'test-results/timeline-whole.png' });

  // Last steps: zoomed in on them, they spread out; the overview shows where we are.
  await page.getByTestId('zoom-last-steps').click();
  await expect(timeline).toHaveAttribute('data-zoomed', 'true');
  const zoomed = await view(timeline);
  expect(zoomed.end - zoomed.start).toBeLessThan(200);
  const after = await markerXs(session.markers);
  const lastFive = [...after.entries()].filter(([s]) => s > steps - 5).map(([, x]) => x).sort((a, b) => a - b);
  expect(lastFive).toHaveLength(5);
  for (let i = 1; i < lastFive.length; i++) expect(lastFive[i]! - lastFive[i - 1]!).toBeGreaterThan(15);
  await expect(page.getByTestId('timeline-overview')).toBeVisible();
  await expect(page.getByTestId('timeline-hidden-steps')).toContainText('steps');
  await expect(page.getByTestId('timeline-culprit')).toBeVisible();
  await timeline.screenshot({ path: 'test-results/timeline-last-steps.png' });

  // The wheel zooms out and in around the pointer.
  const box = (await timeline.locator('svg.timeline__svg').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, 400);
  await expect.poll(async () => (await view(timeline)).end - (await view(timeline)).start).toBeGreaterThan(zoomed.end - zoomed.start);
  const out = await view(timeline);
  await page.mouse.wheel(0, -200);
  await expect.poll(async () => (await view(timeline)).end - (await view(timeline)).start).toBeLessThan(out.end - out.start);

  // The overview: double-click shows the whole range.
  await page.getByTestId('timeline-overview').dblclick();
  await expect(timeline).toHaveAttribute('data-zoomed', 'false');
  await expect(page.getByTestId('timeline-overview')).toHaveAttribute('data-view', `0-${SIZE}`);

  // A drag across the middle quarter of the whole range zooms to it.
  const svg = (await timeline.locator('svg.timeline__svg').boundingBox())!;
  const y = svg.y + 20;
  await page.mouse.move(svg.x + svg.width * 0.375, y);
  await page.mouse.down();
  await page.mouse.move(svg.x + svg.width * 0.5, y, { steps: 5 });
  await page.mouse.move(svg.x + svg.width * 0.625, y, { steps: 5 });
  await page.mouse.up();
  const brushed = await view(timeline);
  expect(brushed.start).toBeGreaterThan(SIZE * 0.33);
  expect(brushed.end).toBeLessThan(SIZE * 0.67);
  expect(brushed.end - brushed.start).toBeGreaterThan(SIZE * 0.2);

  // Dragging the overview's window pans (the width stays).
  const win = (await page.getByTestId('timeline-overview-window').boundingBox())!;
  await page.mouse.move(win.x + win.width / 2, win.y + win.height / 2);
  await page.mouse.down();
  await page.mouse.move(win.x + win.width / 2 + 80, win.y + win.height / 2, { steps: 5 });
  await page.mouse.up();
  const panned = await view(timeline);
  expect(panned.start).toBeGreaterThan(brushed.start + 1000);
  expect(Math.abs(panned.end - panned.start - (brushed.end - brushed.start))).toBeLessThan(3);

  await page.getByTestId('zoom-whole').click();
  await expect(timeline).toHaveAttribute('data-zoomed', 'false');
});
