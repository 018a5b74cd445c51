'use client';

import { useRef, useState, type PointerEvent } from 'react';
import { verdictKey } from './format';
import { positionCenterX, positionToX, runsToPixels, segmentsPath, TIMELINE_PAD_X, type AxisScale } from './layout';
import type { PositionRuns, TimelineStep } from './types';
import { panBy, positionAtX, viewBetween, type TimelineView } from './zoom';

export interface TimelineOverviewProps {
  size: number;
  width: number;
  steps: readonly TimelineStep[];
  /** The current suspect runs (drawn over the track). */
  suspect: PositionRuns;
  culpritPosition: number | null;
  view: TimelineView;
  onView(view: TimelineView | null): void;
}

const HEIGHT = 26;
const TRACK_Y = 8;
const TRACK_H = 10;
/** Pointer movement below this (px) is a click, not a drag. */
const DRAG_PX = 3;

type Drag = { kind: 'pan'; x: number; view: TimelineView } | { kind: 'brush'; x: number; to: number };

/**
 * The whole range in a thin strip over a zoomed timeline (as profilers'
 * minimaps): the current suspect range, a tick per tested commit in its
 * verdict's colour, the culprit, and the window in view. Drag the window to
 * pan, drag elsewhere to choose a new window, click to centre the view there,
 * double-click to see the whole range again.
 */
export function TimelineOverview({ size, width, steps, suspect, culpritPosition, view, onView }: TimelineOverviewProps) {
  const scale: AxisScale = { size, x0: TIMELINE_PAD_X, x1: width - TIMELINE_PAD_X };
  const [drag, setDrag] = useState<Drag | null>(null);
  const svg = useRef<SVGSVGElement>(null);
  const winX0 = positionToX(scale, view.start);
  const winX1 = Math.max(winX0 + 2, positionToX(scale, view.end));
  const localX = (e: PointerEvent) => e.clientX - (svg.current?.getBoundingClientRect().left ?? 0);
  const at = (x: number) => positionAtX({ start: 0, end: size }, scale.x0, scale.x1, x);

  const onPointerDown = (e: PointerEvent<SVGSVGElement>) => {
    if (e.button !== 0) return;
    const x = localX(e);
    e.currentTarget.setPointerCapture(e.pointerId);
    setDrag(x >= winX0 && x <= winX1 ? { kind: 'pan', x, view } : { kind: 'brush', x, to: x });
  };
  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    if (!drag) return;
    const x = localX(e);
    if (drag.kind === 'pan') onView(panBy(drag.view, at(x) - at(drag.x), size));
    else setDrag({ ...drag, to: x });
  };
  const onPointerUp = (e: PointerEvent<SVGSVGElement>) => {
    if (!drag) return;
    const x = localX(e);
    setDrag(null);
    if (Math.abs(x - drag.x) < DRAG_PX) {
      // A click: centre the current window there.
      const half = (view.end - view.start) / 2;
      onView(viewBetween(at(x) - half, at(x) + half, size));
    } else if (drag.kind === 'brush') onView(viewBetween(at(drag.x), at(x), size));
  };

  const brush = drag?.kind === 'brush' && Math.abs(drag.to - drag.x) >= DRAG_PX ? drag : null;
  return (
    <svg
      ref={svg}
      className="timeline-overview"
      data-testid="timeline-overview"
      data-view={`${Math.floor(view.start)}-${Math.ceil(view.end)}`}
      width={width}
      height={HEIGHT}
      viewBox={`0 0 ${width} ${HEIGHT}`}
      role="img"
      aria-label={`Whole range: ${size.toLocaleString('en-US')} commits; in view ${Math.floor(view.start).toLocaleString('en-US')} to ${Math.ceil(view.end).toLocaleString('en-US')}`}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={() => setDrag(null)}
      onDoubleClick={() => onView(null)}
    >
      <rect className="timeline-overview__track" x={scale.x0} y={TRACK_Y} width={scale.x1 - scale.x0} height={TRACK_H} rx={2} />
      <path className="timeline-overview__suspect" d={segmentsPath(runsToPixels(suspect, scale), TRACK_Y, TRACK_H)} />
      {steps.map((s) => {
        const x = positionCenterX(scale, s.position);
        return <line key={s.step} className={`timeline-overview__step timeline-overview__step--${verdictKey(s.verdict)}`} x1={x} x2={x} y1={TRACK_Y - 3} y2={TRACK_Y + TRACK_H + 3} />;
      })}
      {culpritPosition !== null && (
        <line className="timeline-overview__culprit" x1={positionCenterX(scale, culpritPosition)} x2={positionCenterX(scale, culpritPosition)} y1={1} y2={HEIGHT - 1} />
      )}
      <rect
        className="timeline-overview__window"
        data-testid="timeline-overview-window"
        x={winX0}
        y={2}
        width={winX1 - winX0}
        height={HEIGHT - 4}
        rx={3}
      />
      {brush && (
        <rect className="timeline__brush" x={Math.min(brush.x, brush.to)} y={2} width={Math.abs(brush.to - brush.x)} height={HEIGHT - 4} />
      )}
    </svg>
  );
}
