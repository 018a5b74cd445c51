import { describe, expect, it } from 'vitest';
import {
  assignLanes,
  bandOpacity,
  clampLabelCenter,
  computeTimelineLayout,
  countPositions,
  MARKER_LANE_HEIGHT,
  MAX_MARKER_LANES,
  niceStep,
  niceTicks,
  normalizeRuns,
  positionCenterX,
  positionToX,
  runsToPixels,
  segmentsPath,
  suspectHistory,
  type AxisScale,
} from './layout';
import type { PositionRuns, TimelineStep } from './types';

const scale100: AxisScale = { size: 100, x0: 0, x1: 1000 };

describe('positionToX / positionCenterX', () => {
  it.each([
    [0, 0],
    [50, 500],
    [100, 1000],
    [-5, 0],
    [150, 1000],
  ])('left edge of %d → %d', (p, x) => {
    expect(positionToX(scale100, p)).toBe(x);
  });

  it.each([
    [0, 5],
    [99, 995],
    [-3, 5],
    [500, 995],
  ])('centre of %d → %d', (p, x) => {
    expect(positionCenterX(scale100, p)).toBe(x);
  });

  it('honours the axis offset', () => {
    expect(positionToX({ size: 10, x0: 16, x1: 116 }, 5)).toBe(66);
  });

  it('an empty range maps to the axis start / middle', () => {
    expect(positionToX({ size: 0, x0: 10, x1: 110 }, 3)).toBe(10);
    expect(positionCenterX({ size: 0, x0: 10, x1: 110 }, 3)).toBe(60);
  });
});

describe('normalizeRuns / countPositions', () => {
  it.each<[string, Array<[number, number]>, number, PositionRuns]>([
    ['empty', [], 10, []],
    ['sorted and merged', [[5, 7], [0, 2], [2, 3], [6, 9]], 10, [[0, 3], [5, 9]]],
    ['clamped', [[-4, 2], [8, 20]], 10, [[0, 2], [8, 10]]],
    ['drops empty and inverted', [[3, 3], [5, 4], [11, 12]], 10, []],
    ['keeps separate runs', [[0, 1], [2, 3]], 10, [[0, 1], [2, 3]]],
  ])('%s', (_name, runs, size, expected) => {
    expect(normalizeRuns(runs, size)).toEqual(expected);
  });

  it('does not modify its input', () => {
    const runs: PositionRuns = [[5, 7], [0, 6]];
    normalizeRuns(runs, 10);
    expect(runs).toEqual([[5, 7], [0, 6]]);
  });

  it('counts positions once even when runs overlap', () => {
    expect(countPositions([[0, 5], [3, 8], [20, 21]], 100)).toBe(9);
  });
});

describe('runsToPixels', () => {
  it('maps wide runs directly', () => {
    expect(runsToPixels([[10, 20], [50, 60]], scale100)).toEqual([
      { x0: 100, x1: 200, commits: 10 },
      { x0: 500, x1: 600, commits: 10 },
    ]);
  });

  it('widens a single commit in a big range to 1px', () => {
    const scale: AxisScale = { size: 60_000, x0: 0, x1: 600 };
    const [seg, ...rest] = runsToPixels([[30_000, 30_001]], scale);
    expect(rest).toEqual([]);
    expect(seg!.x1 - seg!.x0).toBeCloseTo(1);
    expect(seg!.x0).toBeCloseTo(300.005 - 0.5);
    expect(seg!.commits).toBe(1);
  });

  it('keeps widened segments inside the axis', () => {
    const scale: AxisScale = { size: 60_000, x0: 16, x1: 616 };
    expect(runsToPixels([[0, 1]], scale)).toEqual([{ x0: 16, x1: 17, commits: 1 }]);
    expect(runsToPixels([[59_999, 60_000]], scale)).toEqual([{ x0: 615, x1: 616, commits: 1 }]);
  });

  it('coalesces runs separated by less than a pixel', () => {
    // 100 commits per px: runs of 10 commits every 50 commits are all < 1px apart.
    const scale: AxisScale = { size: 10_000, x0: 0, x1: 100 };
    const runs: PositionRuns = [];
    for (let p = 1000; p < 2000; p += 50) runs.push([p, p + 10]);
    const segments = runsToPixels(runs, scale);
    expect(segments).toHaveLength(1);
    expect(segments[0]!.commits).toBe(200);
    // Each 0.1px run is widened to 1px around its middle: 10.05 ± 0.5 … 19.55 ± 0.5.
    expect(segments[0]!.x0).toBeCloseTo(9.55);
    expect(segments[0]!.x1).toBeCloseTo(20.05);
  });

  it('keeps runs a pixel or more apart separate', () => {
    const segments = runsToPixels([[0, 1], [2, 3]], { size: 10, x0: 0, x1: 10 });
    expect(segments).toEqual([
      { x0: 0, x1: 1, commits: 1 },
      { x0: 2, x1: 3, commits: 1 },
    ]);
  });

  it('bounds the output by the width for a 60,000-commit range fragmented by skips', () => {
    const scale: AxisScale = { size: 60_000, x0: 0, x1: 800 };
    const runs: PositionRuns = [];
    for (let p = 0; p < 60_000; p += 2) runs.push([p, p + 1]); // 30,000 runs
    const segments = runsToPixels(runs, scale);
    expect(segments.length).toBeLessThanOrEqual(400);
    expect(segments.reduce((n, s) => n + s.commits, 0)).toBe(30_000);
    for (let i = 1; i < segments.length; i++) expect(segments[i]!.x0).toBeGreaterThanOrEqual(segments[i - 1]!.x1 + 1);
  });

  it('bounds the output even for sparse runs spread across the range', () => {
    const scale: AxisScale = { size: 60_000, x0: 0, x1: 300 };
    const runs: PositionRuns = [];
    for (let p = 0; p < 60_000; p += 97) runs.push([p, p + 1]); // ~620 runs, ~1.6 px apart
    const segments = runsToPixels(runs, scale);
    expect(segments.length).toBeLessThanOrEqual(150);
    for (const s of segments) expect(s.x1 - s.x0).toBeGreaterThanOrEqual(1 - 1e-9);
  });

  it('handles an empty range', () => {
    expect(runsToPixels([[0, 5]], { size: 0, x0: 0, x1: 100 })).toEqual([]);
  });
});

describe('segmentsPath', () => {
  it('draws one closed rectangle per segment, rounded to 0.01', () => {
    expect(segmentsPath([{ x0: 1, x1: 3.333333, commits: 1 }], 10, 8)).toBe('M1 10h2.33v8h-2.33z');
    expect(segmentsPath([], 0, 1)).toBe('');
  });
});

describe('niceStep / niceTicks', () => {
  it.each([
    [100, 5, 20],
    [60_000, 8, 10_000],
    [60_000, 5, 20_000],
    [7, 10, 1],
    [1234, 4, 500],
  ])('niceStep(%d, %d) = %d', (size, maxTicks, step) => {
    expect(niceStep(size, maxTicks)).toBe(step);
  });

  it('places interior ticks only', () => {
    expect(niceTicks(100, 5)).toEqual([20, 40, 60, 80]);
    expect(niceTicks(60_000, 6)).toEqual([10_000, 20_000, 30_000, 40_000, 50_000]);
    expect(niceTicks(5, 10)).toEqual([1, 2, 3]);
  });

  it.each([0, 1, 2])('no ticks for a range of %d', (size) => {
    expect(niceTicks(size, 5)).toEqual([]);
  });

  it('never exceeds maxTicks parts', () => {
    for (const size of [3, 17, 99, 1000, 4096, 59_999, 60_000]) {
      for (const maxTicks of [1, 2, 3, 7, 10]) {
        expect(niceTicks(size, maxTicks).length).toBeLessThanOrEqual(maxTicks);
      }
    }
  });
});

describe('assignLanes', () => {
  it('keeps well separated markers in lane 0', () => {
    expect(assignLanes([0, 100, 50, 200], 20, 5)).toEqual([0, 0, 0, 0]);
  });

  it('staggers colliding markers', () => {
    expect(assignLanes([100, 105, 110, 300, 130], 20, 5)).toEqual([0, 1, 2, 0, 0]);
  });

  it('reuses a lower lane as soon as it is free at that x', () => {
    expect(assignLanes([100, 110, 125], 20, 5)).toEqual([0, 1, 0]);
  });

  it('treats exactly minGap as not colliding', () => {
    expect(assignLanes([0, 20], 20, 5)).toEqual([0, 0]);
  });

  it('caps the number of lanes, then picks the least crowded lane', () => {
    const lanes = assignLanes([100, 100, 100, 120, 115], 20, 3);
    expect(lanes.slice(0, 4)).toEqual([0, 1, 2, 0]);
    // 115 collides everywhere: lane 0 is 5px from 120, lanes 1 and 2 are 15px away; the first best wins.
    expect(lanes[4]).toBe(1);
    expect(Math.max(...assignLanes(Array.from({ length: 50 }, () => 7), 20, 4))).toBe(3);
  });

  it('handles no markers', () => {
    expect(assignLanes([], 20, 5)).toEqual([]);
  });
});

describe('clampLabelCenter', () => {
  it.each([
    [50, 20, 0, 100, 50],
    [2, 20, 0, 100, 10],
    [99, 20, 0, 100, 90],
    [50, 200, 0, 100, 50],
  ])('x=%d w=%d in [%d,%d] → %d', (x, w, min, max, expected) => {
    expect(clampLabelCenter(x, w, min, max)).toBe(expected);
  });
});

describe('suspectHistory / bandOpacity', () => {
  const step = (n: number, verdict: TimelineStep['verdict'], suspect: PositionRuns | null): TimelineStep => ({
    step: n,
    sha: `${n}`.repeat(40).slice(0, 40),
    subject: `subject ${n}`,
    position: n,
    verdict,
    suspect,
  });

  it('lists the initial runs then each finished step with suspect info', () => {
    const history = suspectHistory(
      [[0, 100]],
      [step(1, 'good', [[50, 100]]), step(2, 'skip', null), step(3, 'bad', [[50, 75]]), step(4, null, null)],
    );
    expect(history).toEqual([
      { step: null, runs: [[0, 100]] },
      { step: 1, runs: [[50, 100]] },
      { step: 3, runs: [[50, 75]] },
    ]);
  });

  it('makes earlier bands lighter and the latest fully opaque', () => {
    expect(bandOpacity(0, 1)).toBe(1);
    const ops = [0, 1, 2, 3, 4].map((i) => bandOpacity(i, 5));
    expect(ops[4]).toBe(1);
    expect(ops[0]).toBeCloseTo(0.18);
    for (let i = 1; i < ops.length; i++) expect(ops[i]!).toBeGreaterThan(ops[i - 1]!);
  });
});

describe('computeTimelineLayout', () => {
  const steps: TimelineStep[] = [
    { step: 1, sha: 'a'.repeat(40), subject: 'one', position: 500, verdict: 'good', suspect: [[501, 1000]] },
    { step: 2, sha: 'b'.repeat(40), subject: 'two', position: 750, verdict: 'bad', suspect: [[501, 751]] },
    { step: 3, sha: 'c'.repeat(40), subject: 'three', position: 625, verdict: 'skip', suspect: [[501, 751]] },
    { step: 4, sha: 'd'.repeat(40), subject: 'four', position: 626, verdict: null, suspect: null },
  ];
  const base = { size: 1000, initialSuspect: [[0, 1000]] as PositionRuns, steps, width: 632 };

  it('stacks one band per snapshot above the axis, latest last and darkest', () => {
    const layout = computeTimelineLayout(base);
    expect(layout.bands.map((b) => b.step)).toEqual([null, 1, 2, 3]);
    expect(layout.bands.map((b) => b.commits)).toEqual([1000, 499, 250, 250]);
    expect(layout.bands.map((b) => b.current)).toEqual([false, false, false, true]);
    for (let i = 1; i < layout.bands.length; i++) {
      expect(layout.bands[i]!.y).toBeGreaterThanOrEqual(layout.bands[i - 1]!.y + layout.bands[i - 1]!.height);
      expect(layout.bands[i]!.opacity).toBeGreaterThan(layout.bands[i - 1]!.opacity);
    }
    const last = layout.bands[layout.bands.length - 1]!;
    expect(layout.axisY).toBeGreaterThan(last.y + last.height);
  });

  it('maps the range onto the padded width', () => {
    const layout = computeTimelineLayout(base);
    expect(layout.scale).toEqual({ size: 1000, x0: 16, x1: 616, start: 0, end: 1000 });
    expect(layout.bands[0]!.segments).toEqual([{ x0: 16, x1: 616, commits: 1000 }]);
  });

  it('places markers below the axis, staggering the colliding pair', () => {
    const layout = computeTimelineLayout(base);
    expect(layout.markers.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    const [m1, m2, m3, m4] = layout.markers;
    expect(m1!.lane).toBe(0);
    expect(m2!.lane).toBe(0);
    expect(m3!.lane).toBe(0);
    expect(m4!.lane).toBe(1); // position 626 is 0.6px from 625
    expect(m4!.y - m3!.y).toBe(MARKER_LANE_HEIGHT);
    expect(m1!.y).toBeGreaterThan(layout.axisY);
    expect(layout.labelY).toBeGreaterThan(m4!.y);
    expect(layout.height).toBeGreaterThan(layout.labelY);
  });

  it('keeps tick labels clear of the end labels', () => {
    const layout = computeTimelineLayout(base);
    expect(layout.ticks.length).toBeGreaterThan(0);
    for (const t of layout.ticks) {
      expect(t.x - layout.scale.x0).toBeGreaterThanOrEqual(52);
      expect(layout.scale.x1 - t.x).toBeGreaterThanOrEqual(52);
    }
  });

  it('adds a culprit row only when there is a culprit', () => {
    const without = computeTimelineLayout(base);
    const withCulprit = computeTimelineLayout({ ...base, culpritPosition: 626, culpritLabel: 'first bad' });
    expect(without.culprit).toBeNull();
    expect(withCulprit.culprit).toMatchObject({ position: 626 });
    expect(withCulprit.culprit!.x).toBeCloseTo(positionCenterX(withCulprit.scale, 626));
    expect(withCulprit.bandsTop).toBeGreaterThan(without.bandsTop);
    const nearEnd = computeTimelineLayout({ ...base, culpritPosition: 999, culpritLabel: 'first bad' });
    expect(nearEnd.culprit!.labelX).toBeLessThan(nearEnd.culprit!.x);
  });

  it('culprit at position 0 counts as a culprit', () => {
    expect(computeTimelineLayout({ ...base, culpritPosition: 0 }).culprit).not.toBeNull();
  });

  it('stays bounded for 60,000 commits and a long, skip-heavy bisect', () => {
    const size = 60_000;
    const many: TimelineStep[] = [];
    let suspect: PositionRuns = [[0, size]];
    for (let n = 1; n <= 60; n++) {
      // Fragment the suspect range more and more, as skips do.
      suspect = [];
      for (let p = 20_000; p < 20_000 + 2 * (60 - n) * 50; p += 2) suspect.push([p, p + 1]);
      many.push({ step: n, sha: 'f'.repeat(40), subject: '', position: 20_000 + n, verdict: 'skip', suspect });
    }
    const layout = computeTimelineLayout({ size, initialSuspect: [[0, size]], steps: many, width: 900 });
    expect(layout.bands).toHaveLength(61);
    const totalSegments = layout.bands.reduce((n, b) => n + b.segments.length, 0);
    expect(totalSegments).toBeLessThan(61 * 450);
    expect(Math.max(...layout.markers.map((m) => m.lane))).toBe(MAX_MARKER_LANES - 1);
    expect(layout.bands[0]!.height).toBeGreaterThanOrEqual(3);
    expect(layout.height).toBeLessThan(61 * 4 + MAX_MARKER_LANES * MARKER_LANE_HEIGHT + 80);
  });

  it('survives an empty range and a tiny width', () => {
    const layout = computeTimelineLayout({ size: 0, initialSuspect: [], steps: [], width: 0 });
    expect(layout.width).toBeGreaterThan(0);
    expect(layout.markers).toEqual([]);
    expect(layout.ticks).toEqual([]);
    expect(layout.bands).toHaveLength(1);
    expect(layout.bands[0]!.segments).toEqual([]);
  });
});
