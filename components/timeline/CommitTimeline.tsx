'use client';

import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { shortSha } from '@/lib/format';
import { subjectText, verdictKey, verdictTerm } from './format';
import {
  computeTimelineLayout,
  MARKER_RADIUS,
  segmentsPath,
  type BandLayout,
  type MarkerLayout,
  type TimelineLayout,
} from './layout';
import { TimelineOverview } from './TimelineOverview';
import type { BisectTerms, PositionRuns, TimelineStep } from './types';
import { useElementWidth } from './use-element-width';
import { clampView, isWhole, lastStepsView, positionAtX, suspectView, viewBetween, wheelFactor, wholeRange, zoomAt, type TimelineView } from './zoom';

export type { BisectTerms, StepVerdict, TimelineStep } from './types';

export interface CommitTimelineProps {
  /** Commits in the original range; positions 0..size-1 run oldest → newest in git's order. */
  size: number;
  /** Suspect runs before any step. */
  initialSuspect: PositionRuns;
  /** In step order. */
  steps: readonly TimelineStep[];
  culpritPosition?: number | null;
  /** Display names for good/bad (e.g. broken/fixed). */
  terms: BisectTerms;
  selectedStep?: number | null;
  onSelectStep?: (step: number) => void;
}

/** Width used before the element is measured (and for server rendering). */
const DEFAULT_WIDTH = 720;
/** Half the tooltip's max width: closer than this to an edge, the tooltip is anchored to that edge. */
const TOOLTIP_HALF_WIDTH = 150;

/** Accessible name of a marker: "step 3 good 1a2b3c4d5e6f subject". */
export function markerLabel(step: TimelineStep, terms: BisectTerms): string {
  return `step ${step.step} ${verdictTerm(step.verdict, terms)} ${shortSha(step.sha)} ${subjectText(step.subject)}`;
}

function bandTitle(band: BandLayout): string {
  const when = band.step === null ? 'Before the first step' : `After step ${band.step}`;
  const commits = `${band.commits.toLocaleString('en-US')} ${band.commits === 1 ? 'commit' : 'commits'}`;
  return `${when}: ${commits} suspected`;
}

/** Pointer movement below this (px) is a click, not a brush. */
const BRUSH_MIN_PX = 4;

/**
 * SVG timeline of a bisect over a commit range. Top to bottom: the culprit
 * label (once known), one band per suspect snapshot (the start, then after each
 * finished step; earlier bands lighter, the current suspect range darkest and
 * nearest the axis), the axis, one marker per tested commit (staggered when they
 * collide), then "oldest" / position ticks / "newest".
 *
 * Elements are drawn per step, per band and per tick, never per commit, so it
 * scales to 60,000-commit ranges. Markers are focusable; click, Enter or Space
 * calls `onSelectStep`. Hover or focus shows a tooltip. All text (subjects
 * included) is rendered as React text. Colours come from CSS variables with
 * fallbacks (see timeline.css).
 *
 * Zoom: the wheel zooms around the pointer, dragging across the timeline
 * zooms to what was brushed, "Last steps" / "Suspect range" / "Whole range"
 * jump; zoomed, markers outside the view are not drawn (the toolbar counts
 * them) and an overview strip above keeps the whole range in sight (always
 * drawn and above, so nothing moves when zooming or when the markers below need
 * more or fewer rows).
 */
export function CommitTimeline({
  size,
  initialSuspect,
  steps,
  culpritPosition = null,
  terms,
  selectedStep = null,
  onSelectStep,
}: CommitTimelineProps) {
  const rootRef = useRef<HTMLDivElement>(null);
  const width = useElementWidth(rootRef, DEFAULT_WIDTH);
  const [activeStep, setActiveStep] = useState<number | null>(null);
  const tooltipId = useId();
  const culpritLabel = `first ${terms.new}`;

  // null: the whole range.
  const [zoom, setZoomState] = useState<TimelineView | null>(null);
  const setZoom = (v: TimelineView | null) => setZoomState(v === null || isWhole(v, size) ? null : clampView(v, size));
  const view = zoom ?? wholeRange(size);
  const layout = useMemo(
    () => computeTimelineLayout({ size, initialSuspect, steps, culpritPosition, culpritLabel, width, view: zoom }),
    [size, initialSuspect, steps, culpritPosition, culpritLabel, width, zoom],
  );
  const currentSuspect = useMemo(() => [...steps].reverse().find((s) => s.suspect !== null)?.suspect ?? initialSuspect, [steps, initialSuspect]);
  const positionAt = (x: number) => positionAtX(view, layout.scale.x0, layout.scale.x1, x);

  // Wheel zoom around the pointer (a non-passive listener: the page must not scroll meanwhile).
  const svgRef = useRef<SVGSVGElement>(null);
  const wheelState = useRef({ view, positionAt, size });
  wheelState.current = { view, positionAt, size };
  useEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      const { view: v, positionAt: at, size: n } = wheelState.current;
      if (n <= 1 || e.deltaY === 0) return;
      e.preventDefault();
      const x = e.clientX - el.getBoundingClientRect().left;
      const next = zoomAt(v, at(x), wheelFactor(e.deltaY, e.deltaMode), n);
      setZoomState(isWhole(next, n) ? null : next);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  // Brush: drag across the background to zoom to that stretch.
  const [brush, setBrush] = useState<{ from: number; to: number } | null>(null);
  const localX = (e: PointerEvent) => e.clientX - (svgRef.current?.getBoundingClientRect().left ?? 0);
  const onPointerDown = (e: PointerEvent<SVGSVGElement>) => {
    if (e.button !== 0 || (e.target as Element).closest('.timeline-marker')) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const x = localX(e);
    setBrush({ from: x, to: x });
  };
  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    if (brush) setBrush({ ...brush, to: localX(e) });
  };
  const onPointerUp = (e: PointerEvent<SVGSVGElement>) => {
    if (!brush) return;
    const to = localX(e);
    setBrush(null);
    if (Math.abs(to - brush.from) >= BRUSH_MIN_PX) setZoom(viewBetween(positionAt(brush.from), positionAt(to), size));
  };

  const activeIndex = activeStep === null ? -1 : steps.findIndex((s) => s.step === activeStep);
  const activeData = steps[activeIndex];
  const activeMarker = layout.markers[activeIndex]?.visible ? layout.markers[activeIndex] : undefined;

  const span = view.end - view.start;
  return (
    <div ref={rootRef} className="timeline" data-testid="timeline" data-zoomed={zoom !== null} data-view={`${Math.floor(view.start)}-${Math.ceil(view.end)}`}>
      <div className="timeline__toolbar">
        <span className="timeline__view" data-testid="timeline-view">
          {zoom === null ? (
            <>
              {size.toLocaleString('en-US')} commits
              {size > 1 && <span className="muted"> · wheel or drag to zoom</span>}
            </>
          ) : (
            <>
              positions {Math.floor(view.start).toLocaleString('en-US')}–{Math.ceil(view.end - 1).toLocaleString('en-US')} ({Math.round(span).toLocaleString('en-US')} of{' '}
              {size.toLocaleString('en-US')} commits)
              {(layout.hiddenSteps.left > 0 || layout.hiddenSteps.right > 0) && (
                <span className="muted" data-testid="timeline-hidden-steps">
                  {' '}
                  · steps out of view: {layout.hiddenSteps.left > 0 && `◀ ${layout.hiddenSteps.left}`}
                  {layout.hiddenSteps.left > 0 && layout.hiddenSteps.right > 0 && ' · '}
                  {layout.hiddenSteps.right > 0 && `${layout.hiddenSteps.right} ▶`}
                </span>
              )}
            </>
          )}
        </span>
        <span className="timeline__zoom-buttons">
          <button type="button" className="timeline__zoom" onClick={() => setZoom(lastStepsView(steps, currentSuspect, size))} disabled={steps.length === 0} data-testid="zoom-last-steps">
            Last steps
          </button>
          <button type="button" className="timeline__zoom" onClick={() => setZoom(suspectView(currentSuspect, size))} data-testid="zoom-suspect">
            Suspect range
          </button>
          <button type="button" className="timeline__zoom" onClick={() => setZoom(null)} disabled={zoom === null} data-testid="zoom-whole">
            Whole range
          </button>
        </span>
      </div>
      {size > 1 && (
        <TimelineOverview
          size={size}
          width={layout.width}
          steps={steps}
          suspect={currentSuspect}
          culpritPosition={culpritPosition}
          view={view}
          onView={setZoom}
        />
      )}
      <svg
        ref={svgRef}
        className={brush ? 'timeline__svg is-brushing' : 'timeline__svg'}
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="group"
        aria-label={`Bisect timeline: ${size.toLocaleString('en-US')} commits, ${steps.length} ${steps.length === 1 ? 'step' : 'steps'}`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={() => setBrush(null)}
      >
        <TimelineGrid layout={layout} />
        <TimelineBands layout={layout} selectedStep={selectedStep} />
        <line className="timeline__axis" x1={layout.scale.x0} x2={layout.scale.x1} y1={layout.axisY} y2={layout.axisY} />
        {/* Stems in their own layer, under every marker, so a stacked column stays readable. */}
        <g className="timeline__stems" aria-hidden="true">
          {layout.markers.filter((m) => m.visible).map((m) => (
            <line
              key={m.step}
              className={`timeline__stem timeline__stem--${verdictKey(m.verdict)}`}
              x1={m.x}
              x2={m.x}
              y1={layout.axisY}
              y2={m.y - MARKER_RADIUS}
            />
          ))}
        </g>
        {layout.culprit && (
          <g className="timeline__culprit" data-testid="timeline-culprit" data-position={layout.culprit.position}>
            <title>{`${culpritLabel}: position ${layout.culprit.position}`}</title>
            <line x1={layout.culprit.x} x2={layout.culprit.x} y1={layout.culprit.labelY + 3} y2={layout.axisY} />
            <circle className="timeline__culprit-ring" cx={layout.culprit.x} cy={layout.axisY} r={5} />
            <text className="timeline__culprit-label" x={layout.culprit.labelX} y={layout.culprit.labelY} textAnchor="middle">
              {culpritLabel}
            </text>
          </g>
        )}
        <g className="timeline__markers">
          {steps.map((step, i) => {
            const marker = layout.markers[i];
            return marker === undefined || !marker.visible ? null : (
              <TimelineMarker
                key={step.step}
                step={step}
                marker={marker}
                label={markerLabel(step, terms)}
                selected={step.step === selectedStep}
                culprit={culpritPosition !== null && step.position === culpritPosition}
                describedBy={step.step === activeStep ? tooltipId : undefined}
                onSelect={onSelectStep}
                onActivate={setActiveStep}
              />
            );
          })}
        </g>
        <TimelineLabels layout={layout} />
        {brush && Math.abs(brush.to - brush.from) >= BRUSH_MIN_PX && (
          <rect
            className="timeline__brush"
            data-testid="timeline-brush"
            x={Math.min(brush.from, brush.to)}
            y={layout.bandsTop - 4}
            width={Math.abs(brush.to - brush.from)}
            height={layout.labelY - layout.bandsTop - 8}
          />
        )}
      </svg>
      {activeData && activeMarker && (
        <TimelineTooltip
          id={tooltipId}
          step={activeData}
          marker={activeMarker}
          width={layout.width}
          term={verdictTerm(activeData.verdict, terms)}
        />
      )}
    </div>
  );
}

/** Faint vertical grid lines at the ticks, from the bands down to the labels. */
function TimelineGrid({ layout }: { layout: TimelineLayout }) {
  return (
    <g className="timeline__grid" aria-hidden="true">
      {layout.ticks.map((t) => (
        <line key={t.position} x1={t.x} x2={t.x} y1={layout.bandsTop} y2={layout.labelY - 12} />
      ))}
    </g>
  );
}

/** One track row plus one path of suspect segments per snapshot, and an outline for the selected step's band. */
function TimelineBands({ layout, selectedStep }: { layout: TimelineLayout; selectedStep: number | null }) {
  const { scale } = layout;
  const trackPath = layout.bands
    .map((b) => segmentsPath([{ x0: scale.x0, x1: scale.x1, commits: 0 }], b.y, b.height))
    .join('');
  const selected = selectedStep === null ? undefined : layout.bands.find((b) => b.step === selectedStep);
  return (
    <g className="timeline__bands">
      <path className="timeline__track" d={trackPath} aria-hidden="true" />
      {layout.bands.map((band) => (
        <path
          key={band.step ?? 'start'}
          className={band.current ? 'timeline__band timeline__band--current' : 'timeline__band'}
          data-band-step={band.step ?? 'start'}
          d={segmentsPath(band.segments, band.y, band.height)}
          fillOpacity={band.opacity}
        >
          <title>{bandTitle(band)}</title>
        </path>
      ))}
      {selected && (
        <rect
          className="timeline__band-selected"
          x={scale.x0 - 3}
          y={selected.y - 1.5}
          width={scale.x1 - scale.x0 + 6}
          height={selected.height + 3}
          rx={2}
          aria-hidden="true"
        />
      )}
    </g>
  );
}

interface TimelineMarkerProps {
  step: TimelineStep;
  marker: MarkerLayout;
  label: string;
  selected: boolean;
  culprit: boolean;
  describedBy: string | undefined;
  onSelect: ((step: number) => void) | undefined;
  /** Called with the step on hover/focus and with null when it ends. */
  onActivate: (step: number | null) => void;
}

function TimelineMarker({ step, marker, label, selected, culprit, describedBy, onSelect, onActivate }: TimelineMarkerProps) {
  const key = verdictKey(step.verdict);
  const classes = ['timeline-marker', `timeline-marker--${key}`];
  if (selected) classes.push('is-selected');
  if (culprit) classes.push('is-culprit');
  if (onSelect) classes.push('is-interactive');
  const digits = String(step.step).length;

  const onKeyDown = (event: KeyboardEvent<SVGGElement>) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onSelect?.(step.step);
    } else if (event.key === 'Escape') {
      onActivate(null);
    }
  };

  return (
    <g
      className={classes.join(' ')}
      data-testid="timeline-marker"
      data-step={step.step}
      data-verdict={key}
      transform={`translate(${marker.x} ${marker.y})`}
      tabIndex={0}
      role={onSelect ? 'button' : 'img'}
      aria-label={label}
      aria-pressed={onSelect ? selected : undefined}
      aria-describedby={describedBy}
      onClick={() => onSelect?.(step.step)}
      onKeyDown={onKeyDown}
      onMouseEnter={() => onActivate(step.step)}
      onMouseLeave={() => onActivate(null)}
      onFocus={() => onActivate(step.step)}
      onBlur={() => onActivate(null)}
    >
      {culprit && <circle className="timeline-marker__culprit-ring" r={MARKER_RADIUS + 3.5} />}
      {/* Fixed size, only its opacity animates: the marker's box stays stable (e2e tools wait for that). */}
      {step.verdict === null && <circle className="timeline-marker__pulse" r={MARKER_RADIUS + 4} />}
      <circle className="timeline-marker__dot" r={MARKER_RADIUS} />
      <text className="timeline-marker__number" textAnchor="middle" dy="0.35em" fontSize={digits >= 3 ? 7.5 : digits === 2 ? 9.5 : 10.5}>
        {step.step}
      </text>
    </g>
  );
}

function TimelineLabels({ layout }: { layout: TimelineLayout }) {
  const { scale, labelY } = layout;
  return (
    <g className="timeline__labels" aria-hidden="true">
      <text x={scale.x0} y={labelY} textAnchor="start" className="timeline__end-label">
        {layout.endLabels.left}
      </text>
      {layout.ticks.map((t) => (
        <text key={t.position} x={t.x} y={labelY} textAnchor="middle" className="timeline__tick-label">
          {t.position.toLocaleString('en-US')}
        </text>
      ))}
      <text x={scale.x1} y={labelY} textAnchor="end" className="timeline__end-label">
        {layout.endLabels.right}
      </text>
    </g>
  );
}

export interface TimelineTooltipProps {
  id: string;
  step: TimelineStep;
  marker: MarkerLayout;
  width: number;
  term: string;
}

/** HTML tooltip under a marker; kept inside the timeline's width. */
export function TimelineTooltip({ id, step, marker, width, term }: TimelineTooltipProps) {
  const top = marker.y + MARKER_RADIUS + 6;
  const position =
    marker.x < TOOLTIP_HALF_WIDTH
      ? { left: Math.max(0, marker.x - 16), top }
      : marker.x > width - TOOLTIP_HALF_WIDTH
        ? { right: Math.max(0, width - marker.x - 16), top }
        : { left: marker.x, top, transform: 'translateX(-50%)' };
  return (
    <div id={id} className="timeline__tooltip" role="tooltip" style={position} data-testid="timeline-tooltip" data-step={step.step}>
      <div className="timeline__tooltip-head">
        <span>{`Step ${step.step}`}</span>
        <span className={`verdict-badge verdict-badge--${verdictKey(step.verdict)}`}>{term}</span>
      </div>
      <code className="timeline__tooltip-sha">{shortSha(step.sha)}</code>
      <div className="timeline__tooltip-subject" data-testid="timeline-tooltip-subject">
        {subjectText(step.subject)}
      </div>
    </div>
  );
}
