import { renderToStaticMarkup } from 'react-dom/server';
import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { computeTimelineLayout, positionToX } from './layout';
import { TimelineOverview } from './TimelineOverview';
import type { TimelineStep } from './types';
import { clampView, isWhole, lastStepsView, MIN_SPAN, panBy, positionAtX, suspectView, viewBetween, wheelFactor, zoomAt } from './zoom';

const SIZE = 64_244;

/** A 16-step bisect of a 64,244-commit range converging on position 41,000, like the seed's. */
function bisectSteps(): TimelineStep[] {
  let lo = 0;
  let hi = SIZE;
  const culprit = 41_000;
  const steps: TimelineStep[] = [];
  for (let step = 1; hi - lo > 1; step++) {
    const mid = Math.floor((lo + hi) / 2);
    const bad = mid >= culprit;
    if (bad) hi = mid + 1;
    else lo = mid + 1;
    steps.push({ step, sha: String(step).padStart(40, '0'), subject: `s${step}`, position: mid, verdict: bad ? 'bad' : 'good', suspect: [[lo, hi]] });
    if (bad && hi - lo === 1) break;
  }
  return steps;
}

describe('zoom views', () => {
  it('stay inside the range and at least MIN_SPAN wide', () => {
    expect(clampView({ start: -50, end: 10 }, 1000)).toEqual({ start: 0, end: 60 });
    expect(clampView({ start: 995, end: 1010 }, 1000)).toEqual({ start: 985, end: 1000 });
    expect(clampView({ start: 500, end: 501 }, 1000)).toEqual({ start: 500.5 - MIN_SPAN / 2, end: 500.5 + MIN_SPAN / 2 });
    expect(clampView({ start: 0, end: 1e9 }, 5)).toEqual({ start: 0, end: 5 });
    expect(isWhole({ start: 0, end: 1000 }, 1000)).toBe(true);
  });

  it('wheel zoom keeps the position under the pointer in place; pan keeps the width', () => {
    const v = { start: 1000, end: 2000 };
    const z = zoomAt(v, 1250, 0.5, SIZE);
    expect(z).toEqual({ start: 1125, end: 1625 });
    expect(positionAtX(z, 0, 100, 25)).toBeCloseTo(positionAtX(v, 0, 100, 25));
    expect(zoomAt(v, 1500, 1e6, SIZE)).toEqual({ start: 0, end: SIZE });
    expect(panBy(v, -5000, SIZE)).toEqual({ start: 0, end: 1000 });
    expect(viewBetween(300, 100, SIZE)).toEqual({ start: 100, end: 300 });
    expect(wheelFactor(-100)).toBeCloseTo(1 / 1.4);
    expect(wheelFactor(100)).toBeCloseTo(1.4);
    expect(wheelFactor(3, 1)).toBeCloseTo(wheelFactor(99));
  });

  it('"last steps" on the seed-sized bisect: the steps that stacked in one pixel column spread apart', () => {
    const steps = bisectSteps();
    expect(steps.length).toBe(16);
    const width = 1200;
    const whole = computeTimelineLayout({ size: SIZE, initialSuspect: [[0, SIZE]], steps, width });
    const lastTen = whole.markers.slice(6);
    const spread = (ms: typeof lastTen) => Math.max(...ms.map((m) => m.x)) - Math.min(...ms.map((m) => m.x));
    expect(spread(lastTen)).toBeLessThan(20); // steps 7-16 within a few pixels: they stack
    const view = lastStepsView(steps, steps.at(-1)!.suspect, SIZE);
    const zoomed = computeTimelineLayout({ size: SIZE, initialSuspect: [[0, SIZE]], steps, width, view });
    const last5 = zoomed.markers.slice(-5);
    expect(last5.every((m) => m.visible)).toBe(true);
    const xs = last5.map((m) => m.x).sort((a, b) => a - b);
    for (let i = 1; i < xs.length; i++) expect(xs[i]! - xs[i - 1]!).toBeGreaterThan(20); // told apart
    expect(zoomed.hiddenSteps.left + zoomed.hiddenSteps.right).toBeGreaterThan(0);
    expect(zoomed.endLabels.left).toMatch(/^◀ 40,9\d\d$/);
    expect(zoomed.ticks.length).toBeGreaterThan(0);
    for (const t of zoomed.ticks) expect(t.position).toBeGreaterThanOrEqual(view.start);
  });

  it('zoomed, runs are clipped to the view and markers out of view are not drawn', () => {
    const steps = bisectSteps();
    const view = suspectView(steps[3]!.suspect, SIZE);
    const l = computeTimelineLayout({ size: SIZE, initialSuspect: [[0, SIZE]], steps, width: 800, view });
    const first = l.bands[0]!.segments;
    expect(first).toHaveLength(1);
    expect(first[0]!.x0).toBeCloseTo(l.scale.x0);
    expect(first[0]!.x1).toBeCloseTo(l.scale.x1);
    expect(l.markers[0]!.visible).toBe(false);
    expect(positionToX(l.scale, view.start)).toBeCloseTo(l.scale.x0);
  });

  it('the overview strip shows the window in view over the whole range', () => {
    const steps = bisectSteps();
    const html = renderToStaticMarkup(
      createElement(TimelineOverview, { size: SIZE, width: 800, steps, suspect: [[40_990, 41_010]], culpritPosition: 41_000, view: { start: 32_122, end: 48_183 }, onView: () => undefined }),
    );
    expect(html).toContain('data-view="32122-48183"');
    expect(html.match(/timeline-overview__step /g)).toHaveLength(16);
    const win = /data-testid="timeline-overview-window" x="([\d.]+)" y="2" width="([\d.]+)"/.exec(html);
    expect(Number(win?.[1])).toBeCloseTo(16 + (32_122 / SIZE) * 768, 0);
    expect(Number(win?.[2])).toBeCloseTo(((48_183 - 32_122) / SIZE) * 768, 0);
  });
});
