/**
 * Zooming the commit timeline: which positions are in view, as pure functions.
 * A view is a half-open interval [start, end) of positions in the range (not
 * necessarily whole numbers while panning), at least MIN_SPAN commits wide
 * (or the whole range when it is smaller) and inside [0, size].
 */

import type { PositionRuns, TimelineStep } from './types';

export interface TimelineView {
  start: number;
  end: number;
}

/** The narrowest view: a few commits, so each is wide enough to point at. */
export const MIN_SPAN = 8;

export function wholeRange(size: number): TimelineView {
  return { start: 0, end: Math.max(0, size) };
}

export function isWhole(view: TimelineView, size: number): boolean {
  return view.start <= 0 && view.end >= size;
}

/** `view` made valid for a range of `size`: at least the minimum span, shifted (not shrunk) back inside. */
export function clampView(view: TimelineView, size: number): TimelineView {
  if (size <= 0) return { start: 0, end: 0 };
  const min = Math.min(size, MIN_SPAN);
  let span = Math.min(size, Math.max(min, view.end - view.start));
  if (!Number.isFinite(span)) span = size;
  let start = Number.isFinite(view.start) ? view.start : 0;
  if (view.end - view.start < min) start = (view.start + view.end) / 2 - span / 2;
  start = Math.min(Math.max(0, start), size - span);
  return { start, end: start + span };
}

/** Zooms by `factor` (< 1 zooms in) keeping position `anchor` where it is on screen. */
export function zoomAt(view: TimelineView, anchor: number, factor: number, size: number): TimelineView {
  const a = Math.min(Math.max(anchor, view.start), view.end);
  return clampView({ start: a - (a - view.start) * factor, end: a + (view.end - a) * factor }, size);
}

/** Moves the view by `delta` positions (its width unchanged). */
export function panBy(view: TimelineView, delta: number, size: number): TimelineView {
  return clampView({ start: view.start + delta, end: view.end + delta }, size);
}

/** The view from a to b in either order (a brush), padded by nothing. */
export function viewBetween(a: number, b: number, size: number): TimelineView {
  return clampView({ start: Math.min(a, b), end: Math.max(a, b) }, size);
}

/** A view around [start, end) with `pad` of its width added on both sides. */
export function padded(start: number, end: number, size: number, pad = 0.15): TimelineView {
  const w = Math.max(1, end - start);
  return clampView({ start: start - w * pad, end: end + w * pad }, size);
}

/**
 * The last steps in close-up: the positions tested by the last `count` steps
 * and what is still suspected after them, padded. This is where a bisect's
 * last steps (which land within a pixel of each other on the whole range) can
 * be told apart.
 */
export function lastStepsView(steps: readonly TimelineStep[], suspect: PositionRuns | null, size: number, count = 5): TimelineView {
  const recent = steps.slice(-count);
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of recent) {
    lo = Math.min(lo, s.position);
    hi = Math.max(hi, s.position + 1);
  }
  for (const [a, b] of suspect ?? []) {
    lo = Math.min(lo, a);
    hi = Math.max(hi, b);
  }
  if (!Number.isFinite(lo)) return wholeRange(size);
  return padded(lo, hi, size);
}

/** The suspect runs' extent, padded (the whole range when there are none). */
export function suspectView(suspect: PositionRuns | null, size: number): TimelineView {
  if (!suspect || suspect.length === 0) return wholeRange(size);
  const lo = Math.min(...suspect.map((r) => r[0]));
  const hi = Math.max(...suspect.map((r) => r[1]));
  return padded(lo, hi, size);
}

/** Position at x on an axis drawn from x0 to x1 for `view`. */
export function positionAtX(view: TimelineView, x0: number, x1: number, x: number): number {
  if (x1 <= x0) return view.start;
  return view.start + ((x - x0) / (x1 - x0)) * (view.end - view.start);
}

/** Zoom factor for a wheel movement: one notch (100 px) zooms 1.4× in or out. */
export function wheelFactor(deltaY: number, deltaMode = 0): number {
  const px = deltaMode === 1 ? deltaY * 33 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp((Math.max(-400, Math.min(400, px)) / 100) * Math.log(1.4));
}
