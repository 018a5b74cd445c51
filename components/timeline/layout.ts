/**
 * Pure layout math for the commit timeline: nothing here touches React or the
 * DOM. All coordinates are SVG user units = CSS px.
 *
 * Everything scales with the number of steps and with the width in pixels,
 * never with the number of commits: a 60,000-commit range with thousands of
 * suspect runs still yields at most one path per band and about one segment
 * per two pixels.
 */

import type { PositionRuns, StepVerdict, TimelineStep } from './types';

// ---------------------------------------------------------------------------
// Horizontal scale

/**
 * Maps positions of a range of `size` commits onto [x0, x1]. Commit p occupies
 * [x(p), x(p + 1)). Zoomed, only the view [start, end) is drawn across the
 * axis (default: the whole range).
 */
export interface AxisScale {
  size: number;
  x0: number;
  x1: number;
  start?: number;
  end?: number;
}

function viewOf(scale: AxisScale): { start: number; end: number } {
  return { start: scale.start ?? 0, end: scale.end ?? scale.size };
}

/** x of the left edge of position `p` (p may be `size` for the right end); clamped to the axis. */
export function positionToX(scale: AxisScale, p: number): number {
  if (scale.size <= 0) return scale.x0;
  const { start, end } = viewOf(scale);
  if (end <= start) return scale.x0;
  const clamped = Math.min(Math.max(p, start), end);
  return scale.x0 + ((clamped - start) / (end - start)) * (scale.x1 - scale.x0);
}

/** Whether commit `p` is (at least partly) in the scale's view. */
export function positionInView(scale: AxisScale, p: number): boolean {
  const { start, end } = viewOf(scale);
  return p + 1 > start && p < end;
}

/** x of the middle of commit `p`, where its marker goes; clamped to the range. */
export function positionCenterX(scale: AxisScale, p: number): number {
  if (scale.size <= 0) return (scale.x0 + scale.x1) / 2;
  const clamped = Math.min(Math.max(p, 0), scale.size - 1);
  return positionToX(scale, clamped + 0.5);
}

// ---------------------------------------------------------------------------
// Runs

/** Clamps runs to [0, size), drops empty ones, sorts them and merges overlapping or touching runs. */
export function normalizeRuns(runs: readonly (readonly [number, number])[], size: number): PositionRuns {
  const clamped: PositionRuns = [];
  for (const [start, end] of runs) {
    const s = Math.max(0, Math.min(start, size));
    const e = Math.max(0, Math.min(end, size));
    if (e > s) clamped.push([s, e]);
  }
  clamped.sort((a, b) => a[0] - b[0]);
  const merged: PositionRuns = [];
  for (const run of clamped) {
    const last = merged[merged.length - 1];
    if (last !== undefined && run[0] <= last[1]) last[1] = Math.max(last[1], run[1]);
    else merged.push([run[0], run[1]]);
  }
  return merged;
}

/** Number of positions covered by runs (after normalising). */
export function countPositions(runs: readonly (readonly [number, number])[], size: number): number {
  let n = 0;
  for (const [s, e] of normalizeRuns(runs, size)) n += e - s;
  return n;
}

/** A horizontal segment standing for one or more suspect runs. */
export interface PixelRun {
  x0: number;
  x1: number;
  /** Commits suspected inside the segment. */
  commits: number;
}

/**
 * Converts position runs to pixel segments for drawing. Runs separated by less
 * than `minPx` are coalesced into one segment, and every segment is at least
 * `minPx` wide (so a single suspect commit among 60,000 stays visible), kept
 * inside the axis. Segments come out sorted and non-overlapping, at most about
 * one per `2 * minPx` pixels of axis.
 */
export function runsToPixels(
  runs: readonly (readonly [number, number])[],
  scale: AxisScale,
  minPx = 1,
): PixelRun[] {
  const out: PixelRun[] = [];
  const view = viewOf(scale);
  for (const [runStart, runEnd] of normalizeRuns(runs, scale.size)) {
    // Zoomed: only the part of a run inside the view is drawn.
    const start = Math.max(runStart, view.start);
    const end = Math.min(runEnd, view.end);
    if (end <= start) continue;
    let x0 = positionToX(scale, start);
    let x1 = positionToX(scale, end);
    if (x1 - x0 < minPx) {
      // Widen around the middle, then push back inside the axis.
      const mid = (x0 + x1) / 2;
      x0 = mid - minPx / 2;
      x1 = mid + minPx / 2;
      if (x0 < scale.x0) [x0, x1] = [scale.x0, scale.x0 + minPx];
      if (x1 > scale.x1) [x0, x1] = [scale.x1 - minPx, scale.x1];
    }
    const last = out[out.length - 1];
    if (last !== undefined && x0 - last.x1 < minPx) {
      last.x1 = Math.max(last.x1, x1);
      last.commits += end - start;
    } else {
      out.push({ x0, x1, commits: end - start });
    }
  }
  return out;
}

/** SVG path data drawing `segments` as rectangles between y and y + height. */
export function segmentsPath(segments: readonly PixelRun[], y: number, height: number): string {
  const r = (n: number) => Math.round(n * 100) / 100;
  return segments.map((s) => `M${r(s.x0)} ${r(y)}h${r(s.x1 - s.x0)}v${r(height)}h${r(s.x0 - s.x1)}z`).join('');
}

// ---------------------------------------------------------------------------
// Ticks

/** The smallest 1/2/5 × 10^k step that splits `size` into at most `maxTicks` parts. */
export function niceStep(size: number, maxTicks: number): number {
  const raw = Math.max(1, size / Math.max(1, maxTicks));
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) {
    if (m * magnitude >= raw) return m * magnitude;
  }
  return 10 * magnitude;
}

/** Interior tick positions: multiples of a nice step strictly between 0 and size - 1. */
export function niceTicks(size: number, maxTicks: number): number[] {
  if (size <= 2 || maxTicks < 1) return [];
  const step = niceStep(size, maxTicks);
  const ticks: number[] = [];
  for (let p = step; p < size - 1; p += step) ticks.push(p);
  return ticks;
}

/** Tick positions inside a view [start, end) of a range of `size`: multiples of a nice step, never 0 or size - 1. */
export function niceTicksIn(start: number, end: number, size: number, maxTicks: number): number[] {
  if (size <= 2 || maxTicks < 1 || end <= start) return [];
  const step = niceStep(end - start, maxTicks);
  const ticks: number[] = [];
  for (let p = Math.max(step, Math.ceil(start / step) * step); p < Math.min(end, size - 1); p += step) ticks.push(p);
  return ticks;
}

// ---------------------------------------------------------------------------
// Marker staggering

/**
 * Assigns each marker (in the given order) the lowest lane in which it is at
 * least `minGap` px from every marker already there. When all `maxLanes` lanes
 * are crowded it takes the lane whose nearest marker is farthest away, so
 * markers may then overlap but the height stays bounded.
 */
export function assignLanes(xs: readonly number[], minGap: number, maxLanes: number): number[] {
  const laneXs: number[][] = [];
  const lanes: number[] = [];
  const lanesAvailable = Math.max(1, Math.floor(maxLanes));
  for (const x of xs) {
    let chosen = -1;
    let bestLane = 0;
    let bestDistance = -1;
    for (let lane = 0; lane < lanesAvailable; lane++) {
      const occupants = laneXs[lane];
      if (occupants === undefined) {
        chosen = lane;
        break;
      }
      let nearest = Infinity;
      for (const other of occupants) nearest = Math.min(nearest, Math.abs(other - x));
      if (nearest >= minGap) {
        chosen = lane;
        break;
      }
      if (nearest > bestDistance) {
        bestDistance = nearest;
        bestLane = lane;
      }
    }
    if (chosen < 0) chosen = bestLane;
    (laneXs[chosen] ??= []).push(x);
    lanes.push(chosen);
  }
  return lanes;
}

/** Clamps a label centred at x with the given width into [min, max]; returns its centre. */
export function clampLabelCenter(x: number, width: number, min: number, max: number): number {
  const half = width / 2;
  if (max - min <= width) return (min + max) / 2;
  return Math.min(Math.max(x, min + half), max - half);
}

/** Rough width of a label in the timeline's 11px font. */
export function estimateTextWidth(text: string, fontPx = 11): number {
  return text.length * fontPx * 0.6;
}

// ---------------------------------------------------------------------------
// Suspect history

export interface SuspectSnapshot {
  /** The step after which these runs were suspected; null for the start of the bisect. */
  step: number | null;
  runs: PositionRuns;
}

/** The initial suspect runs, then those after each finished step (steps without suspect info are left out). */
export function suspectHistory(initialSuspect: PositionRuns, steps: readonly TimelineStep[]): SuspectSnapshot[] {
  const history: SuspectSnapshot[] = [{ step: null, runs: initialSuspect }];
  for (const s of steps) {
    if (s.verdict !== null && s.suspect !== null) history.push({ step: s.step, runs: s.suspect });
  }
  return history;
}

/** Opacity of band `index` of `count`: the latest (last) band is 1, earlier ones progressively lighter, down to 0.18. */
export function bandOpacity(index: number, count: number): number {
  if (count <= 1) return 1;
  const t = index / (count - 1);
  return Math.round((0.18 + 0.82 * t * t) * 1000) / 1000;
}

// ---------------------------------------------------------------------------
// Whole-timeline geometry

export const TIMELINE_PAD_X = 16;
export const MARKER_RADIUS = 9;
export const MARKER_LANE_HEIGHT = 21;
/** A bisect's last steps all land within a pixel or two, so allow a deep stack before overlapping. */
export const MAX_MARKER_LANES = 12;
const MARKER_MIN_GAP = MARKER_RADIUS * 2 + 2;
const CULPRIT_ROW = 18;
const BANDS_MAX_HEIGHT = 130;
const END_LABEL_CLEARANCE = 52;
const TICK_SPACING = 90;

export interface BandLayout {
  /** Step after which the band's runs were suspected; null = before the first step. */
  step: number | null;
  y: number;
  height: number;
  opacity: number;
  /** Segments to draw (coalesced, ≥ 1px wide). */
  segments: PixelRun[];
  /** Commits suspected. */
  commits: number;
  /** True for the newest band (the current suspect range). */
  current: boolean;
}

export interface MarkerLayout {
  step: number;
  position: number;
  verdict: StepVerdict;
  x: number;
  y: number;
  lane: number;
  /** Inside the view (zoomed out of view: not drawn). */
  visible: boolean;
}

export interface TickLayout {
  position: number;
  x: number;
}

export interface TimelineLayout {
  width: number;
  height: number;
  scale: AxisScale;
  bands: BandLayout[];
  bandsTop: number;
  axisY: number;
  markers: MarkerLayout[];
  ticks: TickLayout[];
  /** Baseline of the bottom label row ("oldest", ticks, "newest"). */
  labelY: number;
  culprit: { position: number; x: number; labelX: number; labelY: number } | null;
  /** The positions in view, [start, end). */
  view: { start: number; end: number };
  /** Labels of the axis ends: "oldest"/"newest", or the positions there when zoomed. */
  endLabels: { left: string; right: string };
  /** Tested commits left of / right of the view (zoomed). */
  hiddenSteps: { left: number; right: number };
}

export interface TimelineLayoutInput {
  size: number;
  initialSuspect: PositionRuns;
  steps: readonly TimelineStep[];
  culpritPosition?: number | null;
  /** Text of the culprit label, for clamping it inside the width. */
  culpritLabel?: string;
  /** Available width in px. */
  width: number;
  /** Zoomed: the positions to show, [start, end) (default the whole range). */
  view?: { start: number; end: number } | null;
}

/** Computes where everything in the timeline goes, top to bottom: culprit label, bands, axis, markers, labels. */
export function computeTimelineLayout(input: TimelineLayoutInput): TimelineLayout {
  const width = Math.max(2 * TIMELINE_PAD_X + 40, Math.floor(input.width));
  const size = Math.max(0, input.size);
  const view = input.view ?? { start: 0, end: size };
  const scale: AxisScale = { size, x0: TIMELINE_PAD_X, x1: width - TIMELINE_PAD_X, start: view.start, end: view.end };
  const hasCulprit =
    input.culpritPosition !== undefined && input.culpritPosition !== null && scale.size > 0 && positionInView(scale, input.culpritPosition);

  // Bands: oldest on top, the current suspect range nearest the axis.
  const history = suspectHistory(input.initialSuspect, input.steps);
  const bandHeight = Math.max(3, Math.min(10, Math.floor(BANDS_MAX_HEIGHT / history.length) - 2));
  const bandGap = bandHeight >= 6 ? 2 : 1;
  const bandsTop = (hasCulprit ? CULPRIT_ROW : 0) + 6;
  const bands: BandLayout[] = history.map((snapshot, i) => ({
    step: snapshot.step,
    y: bandsTop + i * (bandHeight + bandGap),
    height: bandHeight,
    opacity: bandOpacity(i, history.length),
    segments: runsToPixels(snapshot.runs, scale),
    commits: countPositions(snapshot.runs, scale.size),
    current: i === history.length - 1,
  }));
  const axisY = bandsTop + history.length * (bandHeight + bandGap) + 3;

  // Markers hang below the axis, staggered into lanes when they collide; zoomed, only those in view.
  const xs = input.steps.map((s) => positionCenterX(scale, s.position));
  const inView = input.steps.map((s) => positionInView(scale, s.position));
  const visibleLanes = assignLanes(
    xs.filter((_, i) => inView[i]),
    MARKER_MIN_GAP,
    MAX_MARKER_LANES,
  );
  const lanes: number[] = [];
  for (let i = 0, k = 0; i < input.steps.length; i++) lanes.push(inView[i] ? (visibleLanes[k++] ?? 0) : 0);
  const firstLaneY = axisY + 8 + MARKER_RADIUS;
  const markers: MarkerLayout[] = input.steps.map((s, i) => {
    const lane = lanes[i] ?? 0;
    return {
      step: s.step,
      position: s.position,
      verdict: s.verdict,
      x: xs[i] ?? scale.x0,
      y: firstLaneY + lane * MARKER_LANE_HEIGHT,
      lane,
      visible: inView[i] ?? false,
    };
  });
  const laneCount = visibleLanes.length === 0 ? 0 : Math.max(...visibleLanes) + 1;
  const markersBottom = laneCount === 0 ? axisY + 4 : firstLaneY + (laneCount - 1) * MARKER_LANE_HEIGHT + MARKER_RADIUS;
  const labelY = markersBottom + 16;

  // Interior ticks, skipping those whose label would run into "oldest"/"newest".
  const maxTicks = Math.max(1, Math.floor((scale.x1 - scale.x0) / TICK_SPACING));
  const whole = view.start <= 0 && view.end >= size;
  const ticks = (whole ? niceTicks(scale.size, maxTicks) : niceTicksIn(view.start, view.end, size, maxTicks))
    .map((position) => ({ position, x: positionCenterX(scale, position) }))
    .filter((t) => t.x - scale.x0 >= END_LABEL_CLEARANCE && scale.x1 - t.x >= END_LABEL_CLEARANCE);

  let culprit: TimelineLayout['culprit'] = null;
  if (hasCulprit) {
    const position = input.culpritPosition as number;
    const x = positionCenterX(scale, position);
    const labelWidth = estimateTextWidth(input.culpritLabel ?? 'first bad');
    culprit = { position, x, labelX: clampLabelCenter(x, labelWidth, 0, width), labelY: CULPRIT_ROW - 5 };
  }

  const left = view.start <= 0 ? 'oldest' : `◀ ${Math.floor(view.start).toLocaleString('en-US')}`;
  const right = view.end >= size ? 'newest' : `${Math.ceil(view.end - 1).toLocaleString('en-US')} ▶`;
  const hiddenSteps = { left: 0, right: 0 };
  for (let i = 0; i < input.steps.length; i++) {
    if (inView[i]) continue;
    if ((input.steps[i] as TimelineStep).position < view.start) hiddenSteps.left++;
    else hiddenSteps.right++;
  }

  return {
    width,
    height: labelY + 6,
    scale,
    bands,
    bandsTop,
    axisY,
    markers,
    ticks,
    labelY,
    culprit,
    view: { start: view.start, end: view.end },
    endLabels: { left, right },
    hiddenSteps,
  };
}
