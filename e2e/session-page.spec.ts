import { expect, test } from '@playwright/test';
import { finishedDemo } from './helpers/demo';
import { SessionPage } from './pages/session-page';

/**
 * The session page of a finished demo at 1280 px: the step list reads (sha,
 * subject, verdict, time, nothing cut or scrolled away), the timeline's
 * tooltips say what the list says, and the keyboard moves around (j/k, /, g).
 */

let demoId: string;
test.beforeAll(async ({ request }) => {
  test.setTimeout(180_000);
  demoId = await finishedDemo(request);
});

test.use({ viewport: { width: 1280, height: 900 } });

test('at 1280 px the step list shows sha, subject, verdict and time uncut; tooltips agree with it', async ({ page }) => {
  await page.goto(`/sessions/${demoId}`);
  const session = new SessionPage(page);
  await session.waitForStatus('done');
  const rows = await session.stepRows.count();
  expect(rows).toBeGreaterThan(8);

  const fit = await page.evaluate(() => {
    const scroll = document.querySelector<HTMLElement>('.step-list-scroll')!;
    const cut = (el: Element | null) => !el || el.scrollWidth > el.clientWidth + 1;
    const out = { scrolls: scroll.scrollWidth > scroll.clientWidth + 1, rows: [] as Array<Record<string, unknown>> };
    for (const tr of document.querySelectorAll<HTMLElement>('[data-testid="step-row"]')) {
      const cell = (c: string) => tr.querySelector<HTMLElement>(`td.step-list__${c}`)!;
      const badge = cell('verdict').querySelector('.verdict-badge')!.getBoundingClientRect();
      const verdictBox = cell('verdict').getBoundingClientRect();
      const subject = tr.querySelector<HTMLElement>('[data-testid="step-subject"]')!;
      out.rows.push({
        step: tr.dataset.step,
        shaCut: cut(cell('sha')),
        sha: cell('sha').textContent,
        badgeCut: badge.right > verdictBox.right + 0.5,
        timeCut: cut(cell('time')),
        subjectWidth: subject.clientWidth,
        subjectCut: subject.scrollHeight > subject.clientHeight + 1,
        subject: subject.textContent,
      });
    }
    return out;
  });
  expect(fit.scrolls).toBe(false);
  for (const r of fit.rows) {
    expect(r.shaCut, `sha of step ${r.step}`).toBe(false);
    expect(String(r.sha)).toMatch(/^[0-9a-f]{12}$/);
    expect(r.badgeCut, `verdict of step ${r.step}`).toBe(false);
    expect(r.timeCut, `time of step ${r.step}`).toBe(false);
    // About 30 characters a line, up to three lines: a kernel subject (≤ 75 characters) reads in full.
    expect(Number(r.subjectWidth)).toBeGreaterThan(180);
    if (String(r.subject).length <= 75) expect(r.subjectCut, `subject of step ${r.step}: ${r.subject}`).toBe(false);
  }
  await page.locator('.step-list-panel').screenshot({ path: 'test-results/step-list-1280.png' });

  // Every timeline marker's tooltip names the same commit subject as its step's row.
  const markers = session.markers;
  const n = await markers.count();
  for (let i = 0; i < n; i++) {
    const marker = markers.nth(i);
    const step = await marker.getAttribute('data-step');
    await marker.focus();
    const tooltip = page.getByTestId('timeline-tooltip');
    await expect(tooltip).toHaveAttribute('data-step', step!);
    const inList = await page.locator(`[data-testid="step-row"][data-step="${step}"] [data-testid="step-subject"]`).textContent();
    await expect(tooltip.getByTestId('timeline-tooltip-subject')).toHaveText(inList!);
  }
});

test('keyboard: j/k move between steps, / focuses the log search, g goes to the culprit', async ({ page }) => {
  await page.goto(`/sessions/${demoId}`);
  const session = new SessionPage(page);
  await session.waitForStatus('done');
  const current = page.locator('[data-testid="step-row"][aria-current="true"]');
  const last = await session.stepRows.count();
  await expect(current).toHaveAttribute('data-step', String(last));
  await page.keyboard.press('k');
  await expect(current).toHaveAttribute('data-step', String(last - 1));
  await expect(page.getByTestId('step-detail').locator('h2')).toContainText(`Step ${last - 1}:`);
  await page.keyboard.press('k');
  await page.keyboard.press('j');
  await expect(current).toHaveAttribute('data-step', String(last - 1));
  for (let i = 0; i < last + 2; i++) await page.keyboard.press('k');
  await expect(current).toHaveAttribute('data-step', '1'); // stops at the first

  await page.keyboard.press('/');
  await expect(page.getByTestId('log-search')).toBeFocused();
  await page.keyboard.type('copy');
  await expect(page.getByTestId('log-search')).toHaveValue('copy'); // the keys type into the search now
  await page.getByTestId('log-search').press('Escape');
  await page.getByTestId('log-search').press('Escape'); // empty: leaves the field
  await expect(page.getByTestId('log-search')).not.toBeFocused();

  await page.keyboard.press('g');
  const culprit = (await session.culpritSubject.textContent()) ?? '';
  await expect(page.getByTestId('step-detail').locator('h2')).toContainText(culprit);
  await expect(current).toHaveAttribute('data-verdict', 'bad');
});
